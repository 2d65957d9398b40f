/**
 * Collection of an account without a trail bucket, through LookupEvents. No CloudTrail emulator
 * exists, so the SDK is mocked at the API boundary with a small LookupEvents service over the
 * sample tenant's management events (time-windowed, 50 per page, newest first as AWS returns
 * them); paging, pacing and windows run for real on a virtual clock.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CloudTrailClient,
  LookupEventsCommand,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLookupEventsClient,
  lookupEventsSource,
} from '../../functions/adapters/cloudtrail/lookupEventsSource.js';
import { defaultRateLimits } from '../../functions/adapters/cloudtrail/pacing.js';
import { FsObjectStore } from '../../functions/adapters/store/FsObjectStore.js';
import { parsePeriod } from '../../functions/core/analysis/period.js';
import type { TenantConfig } from '../../functions/core/config/tenantConfig.js';
import type { TimeWindow } from '../../functions/core/ingest/ingestEvents.js';
import { generateTenantMonth } from '../../functions/core/sample/generateTenantMonth.js';
import { analyzeJob } from '../../functions/jobs/analyzeJob.js';
import { collectJob } from '../../functions/jobs/collectJob.js';
import { loadPipelineData } from '../../functions/jobs/loadPipelineData.js';
import { VirtualClock } from '../adapters/cloudtrail/virtualClock.js';

const data = await loadPipelineData('examples/demo-tenant.yaml');
const ACCOUNT = '111111111111';
const window = parsePeriod('2026-10-05');
const config: TenantConfig = {
  ...data.config,
  regions: ['eu-west-1'],
  accounts: [{ id: ACCOUNT, name: 'acme-prod', environment: 'prod', source: { lookupEvents: true } }],
};

const month = [...generateTenantMonth({ month: '2026-10', targetEvents: 10_000 })];
/** Management events of the account and region in `[from, to)`, as LookupEvents would hold them. */
const managementEvents = (from: string, to: string) =>
  month.filter((r) => {
    const t = Date.parse(r.eventTime as string);
    return (
      r.recipientAccountId === ACCOUNT &&
      r.awsRegion === 'eu-west-1' &&
      r.eventCategory !== 'Data' &&
      t >= Date.parse(from) &&
      t < Date.parse(to)
    );
  });
const events = managementEvents('2026-10-04T20:00:00Z', '2026-10-06T04:00:00Z');
const inWindow = events.filter((e) => (e.eventTime as string).startsWith('2026-10-05'));
/** What the mocked service holds (a test may serve other events). */
let served = events;

const mock = mockClient(CloudTrailClient);
const calls: LookupEventsCommandInput[] = [];

beforeAll(() => {
  mock.on(LookupEventsCommand).callsFake((input: LookupEventsCommandInput) => {
    calls.push(input);
    const from = input.StartTime!.getTime();
    const to = input.EndTime!.getTime();
    // Both bounds inclusive, newest first, 50 per page; the token is the offset.
    const matching = served
      .filter((e) => {
        const t = Date.parse(e.eventTime as string);
        return t >= from && t <= to;
      })
      .reverse();
    const offset = input.NextToken ? Number(input.NextToken) : 0;
    const page = matching.slice(offset, offset + 50);
    return {
      Events: page.map((e) => ({
        EventId: e.eventID as string,
        EventName: e.eventName as string,
        EventTime: new Date(e.eventTime as string),
        EventSource: e.eventSource as string,
        CloudTrailEvent: JSON.stringify(e),
      })),
      NextToken: offset + 50 < matching.length ? String(offset + 50) : undefined,
    };
  });
});

afterAll(() => mock.restore());

/** The collect job for `period` into `staging`, every account read through the mocked LookupEvents. */
function collectThroughLookup(
  staging: string,
  period: TimeWindow,
  clock: VirtualClock,
  rateLimits = defaultRateLimits(clock),
) {
  return collectJob({
    config,
    window: period,
    staging: new FsObjectStore(staging),
    now: () => clock.now(),
    openTrail: async (account) => ({
      kind: 'lookupEvents',
      source: (region, range) =>
        lookupEventsSource({
          client: createLookupEventsClient({
            region,
            credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'example' },
          }),
          account: account.id,
          region,
          window: range,
          clock,
          rateLimits,
        }),
    }),
  });
}

describe('collect through LookupEvents', () => {
  it('reads up to shortly before now, then resumes from there; every event of the day once', async () => {
    const staging = await mkdtemp(path.join(tmpdir(), 'trailproof-lookup-'));
    const clock = new VirtualClock(Date.parse('2026-10-05T12:00:00Z'));
    const rateLimits = defaultRateLimits(clock);
    const run = () => collectThroughLookup(staging, window, clock, rateLimits);

    const first = await run();
    expect(first.accounts[0]).toMatchObject({ status: 'ok', source: 'lookupEvents' });
    // Midday run: events of the last 20 minutes may not be visible yet, so it stops at 11:40.
    expect(calls[0]).toMatchObject({
      StartTime: new Date('2026-10-05T00:00:00Z'),
      EndTime: new Date('2026-10-05T11:39:59Z'),
      MaxResults: 50,
    });
    const checkpointFile = path.join(
      staging,
      `staging/acme/2026-10-05/${ACCOUNT}/2026-10-05/eu-west-1/checkpoint.json`,
    );
    expect(JSON.parse(await readFile(checkpointFile, 'utf8')).fetchedUntil).toBe('2026-10-05T11:40:00.000Z');

    calls.length = 0;
    await clock.sleep(14 * 3_600_000);
    const second = await run();
    expect(calls[0]?.StartTime).toEqual(new Date('2026-10-05T11:40:00Z'));
    expect(calls.at(-1)?.EndTime).toEqual(new Date('2026-10-05T23:59:59Z'));
    expect(first.totals.accepted + second.totals.accepted).toBe(inWindow.length);
    expect(inWindow.length).toBeGreaterThan(100);

    // A third run has nothing left to read.
    calls.length = 0;
    const third = await run();
    expect(calls).toEqual([]);
    expect(third.totals.read).toBe(0);

    const analysed = await analyzeJob({
      inputs: [staging],
      outDir: path.join(staging, 'an'),
      data: { ...data, config },
      window,
      writeFiles: false,
    });
    expect(analysed.analysis.input.accepted).toBe(inWindow.length);
    expect(analysed.inputs.map((o) => o.digest)).toEqual(['not-validated', 'not-validated']);
    expect(analysed.inputs[0]!.name).toMatch(/^lookupEvents:\/\/111111111111\/eu-west-1\//);
  });

  it('records the 90-day limit as a coverage note when the period is older', async () => {
    const staging = await mkdtemp(path.join(tmpdir(), 'trailproof-lookup-old-'));
    const clock = new VirtualClock(Date.parse('2027-01-20T00:00:00Z'));
    const run = await collectThroughLookup(staging, window, clock);
    const region = run.accounts[0]!.regions[0]!;
    expect(region.notes.join(' ')).toMatch(/90 days/);
    expect(region.accepted).toBe(0);
  });

  it('reads a week as seven day units in turn, each with its own checkpoint', async () => {
    const week = parsePeriod('2026-W41');
    served = managementEvents('2026-10-04T23:00:00Z', '2026-10-12T01:00:00Z');
    try {
      const inWeek = served.filter((e) => {
        const t = Date.parse(e.eventTime as string);
        return t >= week.startMs && t < week.endMs;
      });
      const staging = await mkdtemp(path.join(tmpdir(), 'trailproof-lookup-week-'));
      const clock = new VirtualClock(Date.parse('2026-10-12T06:00:00Z'));
      const rateLimits = defaultRateLimits(clock);
      calls.length = 0;
      const run = await collectThroughLookup(staging, week, clock, rateLimits);
      // One shard (the account-region), seven units: one LookupEvents window per day.
      const days = Array.from({ length: 7 }, (_, i) => `2026-10-${String(5 + i).padStart(2, '0')}`);
      expect([...new Set(calls.map((c) => c.StartTime!.toISOString().slice(0, 10)))]).toEqual(days);
      expect(
        calls.every((c) => c.EndTime!.toISOString().slice(0, 10) === c.StartTime!.toISOString().slice(0, 10)),
      ).toBe(true);
      expect(run.accounts[0]!.regions).toEqual([
        expect.objectContaining({ region: 'eu-west-1', status: 'ok', days: 7, failedDays: [] }),
      ]);
      expect(run.totals.accepted).toBe(inWeek.length);
      for (const day of days) {
        const checkpoint = JSON.parse(
          await readFile(
            path.join(staging, `staging/acme/2026-W41/${ACCOUNT}/${day}/eu-west-1/checkpoint.json`),
            'utf8',
          ),
        );
        expect(checkpoint.fetchedUntil).toBe(
          new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString(),
        );
      }
    } finally {
      served = events;
    }
  });
});
