import 'aws-sdk-client-mock-vitest/extend';
import {
  CloudTrailClient,
  CloudTrailServiceException,
  type Event as LookupEvent,
  LookupEventsCommand,
  type LookupEventsCommandInput,
  type LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLookupEventsClient,
  LookupEventsError,
  type LookupEventsRetry,
  type LookupEventsSourceOptions,
  lookupEventsSource,
} from '../../../functions/adapters/cloudtrail/lookupEventsSource.js';
import {
  type Clock,
  LookupEventsRateLimits,
  RateLimiter,
  systemClock,
} from '../../../functions/adapters/cloudtrail/pacing.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY } from '../../../functions/adapters/cloudtrail/retry.js';
import { InputLedger } from '../../../functions/core/ingest/InputLedger.js';
import { ingestEvents, type TimeWindow } from '../../../functions/core/ingest/ingestEvents.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';
import { awsDocsEvents, type Json } from '../../helpers/corpus.js';
import { VirtualClock } from './virtualClock.js';

const ACCOUNT = '111122223333';
const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);

/** The AWS documentation examples that are complete records, each eventID once. */
const docEvents: Json[] = (() => {
  const seen = new Set<string>();
  const out: Json[] = [];
  for (const { event } of awsDocsEvents()) {
    const id = event.eventID as string | undefined;
    if (!id || !event.eventTime || !event.eventSource || !event.eventName || seen.has(id)) continue;
    seen.add(id);
    out.push(event);
  }
  return out;
})();

/** A CloudTrail record as LookupEvents returns it: summary fields, and the record as a JSON string. */
function lookupItem(event: Json, cloudTrailEvent = JSON.stringify(event)): LookupEvent {
  const identity = (event.userIdentity ?? {}) as Json;
  const resources = Array.isArray(event.resources) ? (event.resources as Json[]) : [];
  return {
    EventId: event.eventID as string,
    EventName: event.eventName as string,
    ReadOnly: String(event.readOnly ?? false),
    AccessKeyId: identity.accessKeyId as string | undefined,
    EventTime: new Date(event.eventTime as string),
    EventSource: event.eventSource as string,
    Username: (identity.userName as string | undefined) ?? (identity.principalId as string | undefined),
    Resources: resources.map((r) => ({ ResourceType: r.type as string, ResourceName: r.ARN as string })),
    CloudTrailEvent: cloudTrailEvent,
  };
}

function pagesOf(events: Json[], sizes: number[]): LookupEvent[][] {
  const pages: LookupEvent[][] = [];
  let at = 0;
  for (const size of sizes) {
    pages.push(events.slice(at, at + size).map((e) => lookupItem(e)));
    at += size;
  }
  return pages;
}

function serviceError(name: string, httpStatusCode: number, message: string): CloudTrailServiceException {
  return new CloudTrailServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message,
  });
}

const throttled = () => serviceError('ThrottlingException', 400, 'Rate exceeded');

const mocks: AwsClientStub<CloudTrailClient>[] = [];
afterEach(() => {
  for (const m of mocks.splice(0)) m.restore();
});

function clientFor(region: string): CloudTrailClient {
  return createLookupEventsClient({
    region,
    credentials: {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    },
  });
}

interface Call {
  readonly at: number;
  readonly input: LookupEventsCommandInput;
}

/**
 * A LookupEvents service over fixed pages: NextToken `page-N` asks for page N, so a retried
 * request gets the same page. `fail` may turn a call (numbered from 1) into an error.
 */
function fakeService(
  region: string,
  clock: Clock,
  pages: LookupEvent[][],
  fail?: (call: number, input: LookupEventsCommandInput) => Error | undefined,
) {
  const calls: Call[] = [];
  const client = clientFor(region);
  const mock = mockClient(client);
  mocks.push(mock);
  mock.on(LookupEventsCommand).callsFake((input: LookupEventsCommandInput) => {
    calls.push({ at: clock.now(), input });
    const error = fail?.(calls.length, input);
    if (error) return Promise.reject(error);
    const index = input.NextToken ? Number(input.NextToken.replace('page-', '')) - 1 : 0;
    const output: LookupEventsCommandOutput = {
      Events: pages[index] ?? [],
      NextToken: index + 1 < pages.length ? `page-${index + 2}` : undefined,
      $metadata: { httpStatusCode: 200 },
    };
    return Promise.resolve(output);
  });
  return { client, mock, calls };
}

type SourceParams = Partial<LookupEventsSourceOptions> & Pick<LookupEventsSourceOptions, 'client' | 'clock'>;

const NOV_10 = { startMs: ms('2022-11-10T00:00:00Z'), endMs: ms('2022-11-11T00:00:00Z') };

function sourceFor(params: SourceParams) {
  return lookupEventsSource({
    account: ACCOUNT,
    region: 'eu-west-1',
    window: NOV_10,
    random: () => 0.75,
    ...params,
  });
}

async function drain(source: RecordSource): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source.open()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function ingest(sources: RecordSource[], window?: TimeWindow) {
  const ledger = new InputLedger();
  const ids: string[] = [];
  await ingestEvents(sources, { ledger, window }, (event) => {
    ids.push(event.eventId);
  });
  return { ids, summary: ledger.summary(), objects: ledger.inputObjects() };
}

const gaps = (calls: readonly Call[]) => calls.slice(1).map((c, i) => c.at - calls[i]!.at);

describe('lookupEventsSource: paging and the request', () => {
  it('pages through every NextToken, sending the window as whole-second StartTime/EndTime and MaxResults 50', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const { client, mock, calls } = fakeService(
      'eu-west-1',
      clock,
      pagesOf(docEvents, [7, 7, docEvents.length - 14]),
    );
    const source = sourceFor({ client, clock });

    expect(source.name).toBe(
      `lookupEvents://${ACCOUNT}/eu-west-1/2022-11-10T00:00:00.000Z..2022-11-11T00:00:00.000Z`,
    );
    const { ids, summary, objects } = await ingest([source]);

    expect(mock).toHaveReceivedCommandTimes(LookupEventsCommand, 3);
    // Both bounds are inclusive in LookupEvents: the last second of the half-open window is 23:59:59.
    expect(calls[0]!.input).toEqual({
      StartTime: new Date('2022-11-10T00:00:00Z'),
      EndTime: new Date('2022-11-10T23:59:59Z'),
      MaxResults: 50,
    });
    expect(mock).toHaveReceivedNthCommandWith(LookupEventsCommand, 2, {
      StartTime: new Date('2022-11-10T00:00:00Z'),
      EndTime: new Date('2022-11-10T23:59:59Z'),
      MaxResults: 50,
      NextToken: 'page-2',
    });
    expect(calls.map((c) => c.input.NextToken)).toEqual([undefined, 'page-2', 'page-3']);

    // Real CloudTrail records, read by the real pipeline: every one accepted, in order.
    expect(docEvents.length).toBeGreaterThanOrEqual(15);
    expect(ids).toEqual(docEvents.map((e) => e.eventID));
    expect(summary).toMatchObject({ sources: 1, records: docEvents.length, accepted: docEvents.length });
    expect(summary.rejected).toBe(0);
    expect(objects).toEqual([
      expect.objectContaining({ name: source.name, records: docEvents.length, sha256: expect.any(String) }),
    ]);
    expect(source.status).toMatchObject({
      state: 'complete',
      requests: 3,
      pages: 3,
      events: docEvents.length,
      throttled: 0,
      retries: 0,
      error: null,
    });
  });

  it('streams one page at a time: the next page is requested only when the reader wants it', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const { client, calls } = fakeService('eu-west-1', clock, pagesOf(docEvents, [5, 5, 5]));
    const iterator = sourceFor({ client, clock }).open()[Symbol.asyncIterator]();

    const first = await iterator.next();
    expect(calls).toHaveLength(1);
    const lines = Buffer.from(first.value as Uint8Array)
      .toString('utf8')
      .split('\n');
    // One CloudTrailEvent string per line, as LookupEvents returned it.
    expect(lines).toEqual([...docEvents.slice(0, 5).map((e) => JSON.stringify(e)), '']);
    await iterator.next();
    expect(calls).toHaveLength(2);
    await iterator.next();
    expect(calls).toHaveLength(3);
    expect((await iterator.next()).done).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it('reads an empty window as zero records, not as an empty-file rejection, and skips empty pages', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const empty = fakeService('eu-west-1', clock, [[]]);
    const holey = fakeService('eu-west-2', clock, [[], pagesOf(docEvents, [3])[0]!]);
    const none = sourceFor({ client: empty.client, clock });
    const some = sourceFor({ client: holey.client, clock, region: 'eu-west-2' });

    const { ids, summary } = await ingest([none, some]);
    expect(summary).toMatchObject({ sources: 2, records: 3, accepted: 3, rejected: 0 });
    expect(ids).toEqual(docEvents.slice(0, 3).map((e) => e.eventID));
    expect(holey.calls.map((c) => c.input.NextToken)).toEqual([undefined, 'page-2']);
  });
});

describe('lookupEventsSource: retries', () => {
  it('backs off exponentially with full jitter on throttling, then succeeds', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const service = fakeService('eu-west-1', clock, pagesOf(docEvents, [4, 4]), (call) =>
      call <= 2 ? throttled() : undefined,
    );
    const retries: LookupEventsRetry[] = [];
    const source = sourceFor({ client: service.client, clock, onRetry: (r) => retries.push(r) });

    const { ids, summary } = await ingest([source]);

    expect(ids).toEqual(docEvents.slice(0, 8).map((e) => e.eventID));
    expect(summary.rejected).toBe(0);
    // random() = 0.75 of the ceiling: 1000 ms, then 2000 ms; the second page is only spaced (500 ms).
    expect(retries.map((r) => [r.kind, r.attempt, r.delayMs])).toEqual([
      ['throttled', 1, 750],
      ['throttled', 2, 1500],
    ]);
    expect(gaps(service.calls)).toEqual([750, 1500, 500]);
    expect(service.calls.map((c) => c.input.NextToken)).toEqual([undefined, undefined, undefined, 'page-2']);
    expect(source.status).toMatchObject({
      state: 'complete',
      requests: 4,
      pages: 2,
      throttled: 2,
      retries: 2,
    });
  });

  it('retries 5xx and network errors too', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const service = fakeService('eu-west-1', clock, pagesOf(docEvents, [4]), (call) =>
      call === 1 ? serviceError('InternalFailure', 500, 'internal error') : call === 2 ? reset : undefined,
    );
    const retries: LookupEventsRetry[] = [];
    const source = sourceFor({ client: service.client, clock, onRetry: (r) => retries.push(r) });

    const { summary } = await ingest([source]);

    expect(summary).toMatchObject({ accepted: 4, rejected: 0 });
    expect(retries.map((r) => r.kind)).toEqual(['server', 'network']);
    expect(gaps(service.calls)).toEqual([750, 1500]);
    expect(clock.sleeps).toEqual([750, 1500]);
  });

  it('gives up on persistent throttling with an error naming the account and region; earlier pages are kept', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const service = fakeService('eu-west-1', clock, pagesOf(docEvents, [6, 6]), (_call, input) =>
      input.NextToken === 'page-2' ? throttled() : undefined,
    );
    const source = sourceFor({ client: service.client, clock, random: () => 0.9999999 });

    const { ids, summary, objects } = await ingest([source]);

    // 1 request for page 1, then the default 8 attempts for page 2, waits capped at 20 s.
    expect(service.calls).toHaveLength(1 + DEFAULT_RETRY_POLICY.maxAttempts);
    expect(gaps(service.calls).slice(1)).toEqual([999, 1999, 3999, 7999, 15999, 19999, 19999]);
    expect(ids).toEqual(docEvents.slice(0, 6).map((e) => e.eventID));
    expect(summary.rejectionsByCategory).toEqual({ 'unreadable-source': 1 });
    const [rejection] = summary.rejections;
    expect(rejection!.source).toBe(source.name);
    expect(rejection!.reason).toContain(`CloudTrail LookupEvents for account ${ACCOUNT} in eu-west-1`);
    expect(rejection!.reason).toContain('was still throttled after 8 attempts for page 2');
    expect(rejection!.reason).toContain('ThrottlingException: Rate exceeded');
    // The object is marked as not read completely.
    expect(objects[0]!.sha256).toBeNull();
    const { status } = source;
    expect(status.state).toBe('failed');
    expect(status.error).toBeInstanceOf(LookupEventsError);
    expect(status.error).toMatchObject({
      account: ACCOUNT,
      region: 'eu-west-1',
      reason: 'throttled',
      attempts: 8,
    });
    expect(status).toMatchObject({ requests: 9, pages: 1, events: 6, throttled: 8, retries: 7 });
  });

  it('fails at once on an error a retry cannot fix', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const service = fakeService('eu-west-1', clock, pagesOf(docEvents, [3]), () =>
      serviceError('AccessDeniedException', 400, 'not authorized to perform: cloudtrail:LookupEvents'),
    );
    const source = sourceFor({ client: service.client, clock });

    await expect(drain(source)).rejects.toThrow(
      `CloudTrail LookupEvents for account ${ACCOUNT} in eu-west-1 failed: AccessDeniedException: not authorized to perform: cloudtrail:LookupEvents`,
    );
    expect(service.calls).toHaveLength(1);
    expect(source.status).toMatchObject({ state: 'failed', requests: 1, retries: 0 });
  });

  it('uses full jitter under a cap', () => {
    const policy = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 20_000 };
    expect(backoffDelayMs(policy, 1, () => 0)).toBe(0);
    expect(backoffDelayMs(policy, 1, () => 0.5)).toBe(500);
    expect(backoffDelayMs(policy, 4, () => 0.5)).toBe(4000);
    expect(backoffDelayMs(policy, 30, () => 0.999)).toBe(19_980);
  });
});

describe('lookupEventsSource: records the pipeline must reject', () => {
  it('turns a CloudTrailEvent that is not valid JSON into one rejected record with its position', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const [a, b, c, d] = docEvents;
    const truncated = JSON.stringify(b).slice(0, 80);
    const page = [
      lookupItem(a!),
      lookupItem(b!, truncated),
      lookupItem(c!),
      // Valid JSON over several lines must stay one record.
      lookupItem(d!, JSON.stringify(d, null, 2)),
      lookupItem(b!, '"a string, not an object"'),
    ];
    const service = fakeService('eu-west-1', clock, [page]);
    const source = sourceFor({ client: service.client, clock });

    const { ids, summary } = await ingest([source]);

    expect(ids).toEqual([a!.eventID, c!.eventID, d!.eventID]);
    expect(summary).toMatchObject({ records: 5, accepted: 3, rejected: 2 });
    expect(summary.rejectionsByCategory).toEqual({ 'invalid-json': 1, 'not-cloudtrail': 1 });
    const [bad, notObject] = summary.rejections;
    expect(bad).toMatchObject({ source: source.name, category: 'invalid-json' });
    expect(bad!.position).toMatch(/^record 2\b/);
    expect(bad!.reason).toContain('CloudTrailEvent string is not valid JSON');
    expect(notObject).toMatchObject({ source: source.name, category: 'not-cloudtrail' });
    expect(notObject!.position).toMatch(/^record 5\b/);
  });
});

describe('lookupEventsSource: rate limit', () => {
  it('spaces one source to two requests per second', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const service = fakeService('eu-west-1', clock, pagesOf(docEvents, [3, 3, 3, 3, 3]));
    await drain(sourceFor({ client: service.client, clock }));
    expect(gaps(service.calls)).toEqual([500, 500, 500, 500]);
  });

  it('shares the limit between sources of one account-region; other regions do not wait', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const pages = pagesOf(docEvents, [2, 2, 2]);
    // Two windows of the same account-region (each with its own client), and one other region.
    const dayOne = fakeService('eu-west-1', clock, pages);
    const dayTwo = fakeService('eu-west-1', clock, pages);
    const other = fakeService('us-east-1', clock, pages);
    const started = clock.now();

    await Promise.all([
      drain(sourceFor({ client: dayOne.client, clock })),
      drain(
        sourceFor({
          client: dayTwo.client,
          clock,
          window: { startMs: NOV_10.startMs + DAY, endMs: NOV_10.endMs + DAY },
        }),
      ),
      drain(sourceFor({ client: other.client, clock, region: 'us-east-1' })),
    ]);

    const shared = [...dayOne.calls, ...dayTwo.calls].map((c) => c.at - started).sort((x, y) => x - y);
    expect(shared).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    // At most two request starts in any one-second window.
    for (let i = 2; i < shared.length; i++) expect(shared[i]! - shared[i - 2]!).toBeGreaterThanOrEqual(1000);
    // us-east-1 ran at its own pace beside them.
    expect(other.calls.map((c) => c.at - started)).toEqual([0, 500, 1000]);
  });

  it('holds every source of an account-region after a throttle', async () => {
    const clock = new VirtualClock(0);
    const limiter = new RateLimiter(`${ACCOUNT}/eu-west-1`, 2, clock);
    await limiter.acquire();
    limiter.holdUntil(3000);
    await limiter.acquire();
    expect(clock.now()).toBe(3000);
    await limiter.acquire();
    expect(clock.now()).toBe(3500);
  });

  it('spaces from when a turn was granted, so a late wake-up does not squeeze the next request', async () => {
    // A clock whose first timer fires 120 ms late, as under load.
    let now = 0;
    let late = 120;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        now += ms + late;
        late = 0;
      },
    };
    const limiter = new RateLimiter(`${ACCOUNT}/eu-west-1`, 2, clock);
    const grants: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire();
      grants.push(now);
    }
    expect(grants).toEqual([0, 620, 1120]);
  });

  it('with real timers, five pages take at least two seconds', async () => {
    // The system clock and real timers; a registry of its own, so no other test's requests count.
    const rateLimits = new LookupEventsRateLimits();
    const service = fakeService('eu-west-1', systemClock, pagesOf(docEvents, [3, 3, 3, 3, 3]));
    const source = lookupEventsSource({
      client: service.client,
      account: ACCOUNT,
      region: 'eu-west-1',
      window: { startMs: Date.now() - DAY, endMs: Date.now() - 60_000 },
      rateLimits,
    });
    const started = Date.now();
    await drain(source);
    const elapsed = Date.now() - started;

    // Four gaps of 500 ms. (Per-gap times seen by the mock are not asserted: under CPU load the
    // moment a request reaches the mock trails the moment the limiter let it go by a varying delay.)
    expect(service.calls).toHaveLength(5);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
  });
});

describe('lookupEventsSource: what LookupEvents cannot see', () => {
  const now = ms('2026-11-15T00:00:00Z');

  it('clips a window that starts more than 90 days ago and reports the clipping', async () => {
    const clock = new VirtualClock(now);
    const service = fakeService('eu-west-1', clock, [[]]);
    const window = { startMs: ms('2026-08-01T00:00:00Z'), endMs: ms('2026-09-01T00:00:00Z') };
    const source = sourceFor({ client: service.client, clock, window });

    expect(source.limits.map((l) => l.code)).toEqual(['management-events-only', 'retention-90-days']);
    const retention = source.limits[1]!;
    expect(retention.unavailable).toEqual({ startMs: window.startMs, endMs: ms('2026-08-17T00:00:00Z') });
    expect(retention.message).toBe(
      `LookupEvents keeps 90 days of events: for account ${ACCOUNT} in eu-west-1, events before 2026-08-17T00:00:00.000Z are unavailable, so 2026-08-01T00:00:00.000Z to 2026-08-17T00:00:00.000Z is not covered.`,
    );
    expect(source.limits[0]!.message).toContain('management events only');
    expect(source.plan.covered).toEqual({ startMs: ms('2026-08-17T00:00:00Z'), endMs: window.endMs });

    await drain(source);
    expect(service.calls.map((c) => c.input)).toEqual([
      {
        StartTime: new Date('2026-08-17T00:00:00Z'),
        EndTime: new Date('2026-08-31T23:59:59Z'),
        MaxResults: 50,
      },
    ]);
  });

  it('sends nothing for a window entirely beyond the 90 days, and reads it as zero records', async () => {
    const clock = new VirtualClock(now);
    const service = fakeService('eu-west-1', clock, pagesOf(docEvents, [3]));
    const window = { startMs: ms('2026-07-01T00:00:00Z'), endMs: ms('2026-08-01T00:00:00Z') };
    const source = sourceFor({ client: service.client, clock, window });

    expect(source.plan).toMatchObject({ covered: null, query: null });
    expect(source.limits[1]).toMatchObject({ code: 'retention-90-days', unavailable: window });
    const { summary } = await ingest([source]);
    expect(service.calls).toHaveLength(0);
    expect(summary).toMatchObject({ sources: 1, records: 0, rejected: 0 });
    expect(source.status.state).toBe('complete');
  });

  it('reports a window that ends after the collection time and asks only up to now', async () => {
    const clock = new VirtualClock(now + 1500);
    const service = fakeService('eu-west-1', clock, [[]]);
    const window = { startMs: ms('2026-11-01T00:00:00Z'), endMs: ms('2026-12-01T00:00:00Z') };
    const source = sourceFor({ client: service.client, clock, window });

    expect(source.limits.map((l) => l.code)).toEqual([
      'management-events-only',
      'window-ends-after-collection',
    ]);
    expect(source.limits[1]!.unavailable).toEqual({ startMs: now + 1500, endMs: window.endMs });
    await drain(source);
    expect(service.calls[0]!.input).toMatchObject({
      StartTime: new Date('2026-11-01T00:00:00Z'),
      EndTime: new Date('2026-11-15T00:00:01Z'),
    });
  });

  it('reports only the event type limit for a recent, finished window', () => {
    const clock = new VirtualClock(now);
    const source = sourceFor({
      client: clientFor('eu-west-1'),
      clock,
      window: { startMs: now - 7 * DAY, endMs: now - DAY },
    });
    expect(source.limits.map((l) => l.code)).toEqual(['management-events-only']);
    expect(source.plan.covered).toEqual({ startMs: now - 7 * DAY, endMs: now - DAY });
  });
});

describe('lookupEventsSource: setup errors', () => {
  it('refuses a client that retries on its own, or one made for another region', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const ours = createLookupEventsClient({ region: 'eu-west-1', maxAttempts: 5 });
    expect(await ours.config.maxAttempts()).toBe(1);

    const sdkDefault = fakeService('eu-west-1', clock, [[]]);
    const threeAttempts = new CloudTrailClient({
      region: 'eu-west-1',
      maxAttempts: 3,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' },
    });
    mocks.push(mockClient(threeAttempts));
    await expect(drain(sourceFor({ client: threeAttempts, clock }))).rejects.toThrow(
      /account 111122223333 in eu-west-1 cannot start: its client retries on its own \(maxAttempts 3\)/,
    );

    const wrongRegion = sourceFor({ client: sdkDefault.client, clock, region: 'eu-central-1' });
    await expect(drain(wrongRegion)).rejects.toThrow('its client is for region eu-west-1');
    expect(sdkDefault.calls).toHaveLength(0);
  });

  it('stops when LookupEvents hands back the NextToken it was sent', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const service = fakeService('eu-west-1', clock, pagesOf(docEvents, [2, 2]));
    service.mock.on(LookupEventsCommand).callsFake((input: LookupEventsCommandInput) => {
      service.calls.push({ at: clock.now(), input });
      return Promise.resolve({ Events: [], NextToken: 'stuck', $metadata: {} });
    });
    const source = sourceFor({ client: service.client, clock });
    await expect(drain(source)).rejects.toMatchObject({ reason: 'paging' });
    expect(service.calls.map((c) => c.input.NextToken)).toEqual([undefined, 'stuck']);
  });

  it('stops without a request when aborted', async () => {
    const clock = new VirtualClock(ms('2022-11-20T08:00:00Z'));
    const service = fakeService('eu-west-1', clock, pagesOf(docEvents, [2]));
    const controller = new AbortController();
    controller.abort();
    const source = sourceFor({ client: service.client, clock, signal: controller.signal });
    await expect(drain(source)).rejects.toMatchObject({ reason: 'stopped' });
    expect(service.calls).toHaveLength(0);
  });

  it('rejects arguments that cannot name a source', () => {
    const client = clientFor('eu-west-1');
    const clock = new VirtualClock(0);
    expect(() => sourceFor({ client, clock, account: '1234' })).toThrow(/12-digit/);
    expect(() => sourceFor({ client, clock, region: 'Europe' })).toThrow(/region/);
    expect(() => sourceFor({ client, clock, window: { startMs: 5, endMs: 5 } })).toThrow(/startMs < endMs/);
    expect(() => sourceFor({ client, clock, retry: { maxAttempts: 0 } })).toThrow(/maxAttempts/);
  });
});
