import { describe, expect, it } from 'vitest';
import { loadControlCatalog } from '../../../functions/adapters/fs/loadControlCatalog.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import { buildRulePack } from '../../../functions/core/controls/RuleEngine.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';

const catalog = await loadControlCatalog();

function pack(detector: object, match: object = {}) {
  const base = {
    id: 'test-detector',
    title: 'Test detector',
    description: 'A detector under test.',
    effect: 'finding',
    severity: 'medium',
    controls: ['PR.AA-05'],
    match,
    detector,
    tests: [
      { name: 'fires', expect: true, source: 'handwritten', event: {} },
      { name: 'stays quiet', expect: false, source: 'handwritten', event: {} },
    ],
  };
  return buildRulePack([{ file: 'test.yaml', data: base }], catalog);
}

let n = 0;
function ev(time: string, fields: Record<string, unknown> = {}) {
  return {
    eventID: `d-${++n}`,
    eventTime: time,
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    awsRegion: 'eu-west-1',
    recipientAccountId: '111111111111',
    userAgent: 'Boto3/1.34',
    sourceIPAddress: '198.18.0.1',
    userIdentity: {
      type: 'IAMUser',
      arn: 'arn:aws:iam::111111111111:user/svc-a',
      accountId: '111111111111',
      accessKeyId: 'AKIAAAAAAAAAAAAAAAAA',
      userName: 'svc-a',
    },
    ...fields,
  };
}

/** Files in the given order: the pipeline must not depend on time order. */
async function findings(rules: ReturnType<typeof pack>, files: Record<string, unknown>[][]) {
  const sources: RecordSource[] = files.map((records, i) => ({
    name: `f${i}.json`,
    open: async function* () {
      yield Buffer.from(JSON.stringify({ Records: records }));
    },
  }));
  const config = {
    id: 't',
    name: 't',
    mssp: { name: 'm' },
    accounts: [],
    inventory: [],
    exceptions: [],
    recipients: [],
  };
  const analysis = await runAnalysis({
    sources,
    config,
    configHash: null,
    catalog,
    rules,
    toolVersion: 'test',
  });
  return analysis.findings;
}

describe('burst detector', () => {
  const burst = pack({ type: 'burst', window: '10m', threshold: 5, distinct: 'requestParameters.secretId' });
  const secret = (t: string, id: string) => ev(t, { requestParameters: { secretId: id } });

  it('fires on distinct values inside the window, whatever order the files arrive in', async () => {
    const late = [3, 4].map((i) => secret(`2026-11-03T10:0${i * 2}:00Z`, `s${i}`));
    const early = [0, 1, 2].map((i) => secret(`2026-11-03T10:0${i * 2}:00Z`, `s${i}`));
    const [f] = await findings(burst, [late, early]);
    expect(f!.count).toBe(5);
    expect(f!.eventIds).toHaveLength(5);
    expect(f!.firstSeen).toBe('2026-11-03T10:00:00Z');
    expect(f!.context.burst).toMatch(/^5 distinct requestParameters\.secretId values within 10 min/);
  });

  it('does not count the same value twice or values spread beyond the window', async () => {
    const repeated = Array.from({ length: 10 }, (_, i) => secret(`2026-11-03T10:0${i % 10}:00Z`, 'same'));
    expect(await findings(burst, [repeated])).toEqual([]);
    const spread = Array.from({ length: 6 }, (_, i) => secret(`2026-11-03T1${i}:00:00Z`, `s${i}`));
    expect(await findings(burst, [spread])).toEqual([]);
  });
});

describe('sequence detector', () => {
  const seq = pack(
    {
      type: 'sequence',
      per: 'credential',
      within: '1h',
      steps: [{ eventName: 'ListSecrets' }, { eventName: 'GetSecretValue' }],
    },
    { eventName: ['ListSecrets', 'GetSecretValue'] },
  );

  it('needs the steps in order within the time limit, by the same credential', async () => {
    const list = ev('2026-11-03T10:00:00Z', { eventName: 'ListSecrets' });
    const get = ev('2026-11-03T10:30:00Z');
    expect(await findings(seq, [[get], [list]])).toHaveLength(1);
    const tooLate = ev('2026-11-03T12:00:00Z');
    expect(await findings(seq, [[list, tooLate]])).toEqual([]);
    const before = ev('2026-11-03T09:00:00Z');
    expect(await findings(seq, [[before, list]])).toEqual([]);
  });
});

describe('spread detector', () => {
  const spread = pack({ type: 'spread', per: 'credential', distinct: 'sourceIPAddress', threshold: 3 });
  it('counts distinct values per credential', async () => {
    const three = ['203.0.113.1', '203.0.113.2', '203.0.113.3'].map((ip) =>
      ev('2026-11-03T10:00:00Z', { sourceIPAddress: ip }),
    );
    const [f] = await findings(spread, [three]);
    expect(f!.resource).toBe('AKIAAAAAAAAAAAAAAAAA');
    expect(f!.context.values).toBe('203.0.113.1, 203.0.113.2, 203.0.113.3');
    const two = ['203.0.113.1', '203.0.113.2', '203.0.113.1'].map((ip) =>
      ev('2026-11-03T10:00:00Z', { sourceIPAddress: ip }),
    );
    expect(await findings(spread, [two])).toEqual([]);
  });
});

describe('new-behaviour detector', () => {
  const drift = pack({ type: 'new-behaviour', baseline: 0.5, of: 'action' });
  it('lists actions first used after the baseline, with their first events', async () => {
    const early = ev('2026-11-01T00:00:00Z');
    const again = ev('2026-11-20T00:00:00Z');
    const fresh = ev('2026-11-25T00:00:00Z', {
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
    });
    const [f] = await findings(drift, [[fresh, again], [early]]);
    expect(f!.context.new).toBe('iam:CreateAccessKey');
    expect(f!.eventIds).toEqual([fresh.eventID]);
  });
  it('does not judge an actor first seen after the baseline', async () => {
    const late = ev('2026-11-25T00:00:00Z', {
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
    });
    const other = ev('2026-11-01T00:00:00Z', {
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::111111111111:user/other',
        accountId: '111111111111',
        userName: 'other',
      },
    });
    expect(await findings(drift, [[late, other]])).toEqual([]);
  });
});
