import { describe, expect, it } from 'vitest';
import { loadControlCatalog } from '../../../functions/adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../../functions/adapters/fs/loadRulePack.js';
import { analyzePartial, mergePartials, runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import { parseTenantConfig } from '../../../functions/core/config/tenantConfig.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';

const catalog = await loadControlCatalog();
const rules = await loadRulePack(catalog);

/** A service user that signs 150 S3 calls with its AKIA key, then a human who deletes the key. */
function events() {
  const base = (i: number) => ({
    eventVersion: '1.09',
    eventID: `evt-${String(i).padStart(4, '0')}`,
    eventTime: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'eu-west-1',
    recipientAccountId: '111111111111',
    userAgent: 'Boto3/1.34.10 md/Botocore#1.34.10 ua/2.0 os/linux lang/python#3.12',
    sourceIPAddress: '192.0.2.10',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111111111111:user/svc-reports',
      accountId: '111111111111',
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      userName: 'svc-reports',
    },
  });
  const list: Record<string, unknown>[] = Array.from({ length: 150 }, (_, i) => base(i));
  list.push({
    ...base(999),
    eventID: 'evt-delete',
    eventSource: 'iam.amazonaws.com',
    eventName: 'DeleteAccessKey',
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    requestParameters: { userName: 'svc-reports', accessKeyId: 'AKIAEXAMPLEKEY000001' },
    userIdentity: {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@acme.example',
      accountId: '111111111111',
      accessKeyId: 'ASIAEXAMPLE',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: 'arn:aws:iam::111111111111:role/AWSReservedSSO_Admin_0123456789abcdef',
          userName: 'AWSReservedSSO_Admin_0123456789abcdef',
          accountId: '111111111111',
        },
      },
    },
  });
  return list;
}

function source(records: Record<string, unknown>[]): RecordSource {
  return {
    name: 'memory.json',
    open: async function* () {
      yield Buffer.from(JSON.stringify({ Records: records }));
    },
  };
}

const tenant = (exceptions: unknown[]) =>
  parseTenantConfig(
    {
      id: 'acme',
      name: 'Acme',
      mssp: { name: 'Northwind' },
      accounts: [{ id: '111111111111', name: 'prod', environment: 'prod', source: { files: '.' } }],
      inventory: [
        { match: 'arn:aws:iam::111111111111:user/svc-*', class: 'workload', owner: 'data@acme.example' },
      ],
      exceptions,
    },
    'tenant.yaml',
  );

const window = { startMs: Date.UTC(2026, 10, 1), endMs: Date.UTC(2026, 11, 1), label: '2026-11' };
const analyse = (exceptions: unknown[] = []) =>
  runAnalysis({
    sources: [source(events())],
    config: tenant(exceptions),
    configHash: null,
    catalog,
    rules,
    window,
    toolVersion: 'test',
  });

describe('analysis of a service user with a long-lived key', () => {
  it('raises one finding per rule and actor, with the full count and capped event IDs', async () => {
    const analysis = await analyse();
    const finding = analysis.findings.find((f) => f.rule === 'long-lived-key-use')!;
    expect(finding.count).toBe(150);
    expect(finding.eventIds).toHaveLength(100);
    expect(finding.eventIds[0]).toBe('evt-0000');
    expect(finding.owner).toBe('data@acme.example');
    expect(finding.actorClass).toBe('workload');
    expect(finding.firstSeen).toBe('2026-11-01T10:00:00Z');
    expect(finding.lastSeen).toBe('2026-11-28T10:00:00Z');
    expect(finding.credentials).toEqual(['AKIAEXAMPLEKEY000001']);
  });

  it('sets each control status from findings, evidence and observability', async () => {
    const analysis = await analyse();
    const status = (id: string) => analysis.controls.find((c) => c.id === id)!.status;
    expect(status('NHI7:2025')).toBe('violated');
    expect(status('RS.MI-01')).toBe('evidenced'); // the key deletion
    expect(status('NHI6:2025')).toBe('not-observed');
    expect(status('GV.OC-01')).toBe('not-observable-from-cloudtrail');
    expect(analysis.controls.find((c) => c.id === 'GV.OC-01')!.observabilityReason).toBeTruthy();
    // 150 key uses plus the key deletion, which is revocation evidence for NHI7.
    expect(analysis.controls.find((c) => c.id === 'NHI7:2025')!.events).toBe(151);
  });

  it('suppresses findings under an active exception and lists expired ones without applying them', async () => {
    const active = {
      rule: 'long-lived-key-use',
      actor: 'arn:aws:iam::111111111111:user/svc-*',
      reason: 'vendor tool, migration planned',
      expires: '2026-12-31',
    };
    const expired = {
      rule: 'long-lived-key-use',
      reason: 'old approval that ran out',
      expires: '2026-11-15',
    };
    const withActive = await analyse([active]);
    const f = withActive.findings.find((x) => x.rule === 'long-lived-key-use')!;
    expect(f.suppressed).toEqual({ reason: active.reason, expires: '2026-12-31', approvedBy: null });
    expect(withActive.summary.suppressedFindings).toBe(1);
    expect(withActive.controls.find((c) => c.id === 'NHI7:2025')!.status).not.toBe('violated');
    expect(withActive.exceptions[0]).toMatchObject({ status: 'active', suppressedFindings: 1 });

    const withExpired = await analyse([expired]);
    expect(withExpired.findings.find((x) => x.rule === 'long-lived-key-use')!.suppressed).toBeNull();
    expect(withExpired.exceptions[0]).toMatchObject({ status: 'expired', suppressedFindings: 0 });
  });

  it('counts actions by class and day', async () => {
    const analysis = await analyse();
    expect(analysis.summary.actionsByClass.workload).toBe(150);
    expect(analysis.summary.actionsByClass.human).toBe(1);
    expect(analysis.summary.machineActions).toBe(150);
    expect(analysis.activity.reduce((n, d) => n + d.byClass.workload, 0)).toBe(150);
  });
});

describe('an actor with more credentials than the analysis lists', () => {
  /** A role whose sessions rotate: 100 temporary credentials, each used twice in a row. */
  function sessions() {
    return Array.from({ length: 200 }, (_, i) => {
      const session = Math.floor(i / 2);
      return {
        eventVersion: '1.09',
        eventID: `evt-session-${String(i).padStart(4, '0')}`,
        eventTime: `2026-11-${String(1 + Math.floor(i / 8)).padStart(2, '0')}T10:00:00Z`,
        eventSource: 'sqs.amazonaws.com',
        eventName: 'SendMessage',
        awsRegion: 'eu-west-1',
        recipientAccountId: '111111111111',
        userAgent: 'aws-sdk-js/3.700.0',
        sourceIPAddress: '192.0.2.20',
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::111111111111:assumed-role/orders-worker/session-${session}`,
          accountId: '111111111111',
          accessKeyId: `ASIAORDERS${String(session).padStart(10, '0')}`,
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              arn: 'arn:aws:iam::111111111111:role/orders-worker',
              userName: 'orders-worker',
              accountId: '111111111111',
            },
          },
        },
      };
    });
  }
  const options = { config: tenant([]), configHash: null, catalog, rules, window, toolVersion: 'test' };
  const worker = (analysis: Awaited<ReturnType<typeof analyse>>) =>
    analysis.actors.find((a) => a.name.includes('orders-worker'))!;

  it('lists the first 50 and counts the events of the others, the same whole or merged from parts', async () => {
    const records = sessions();
    const whole = await runAnalysis({ ...options, sources: [source(records)] });
    const actor = worker(whole);
    expect(actor.credentials).toHaveLength(50);
    expect(actor.credentials.every((c) => c.events === 2)).toBe(true);
    expect(actor.unlistedCredentialEvents).toBe(100);
    // Two parts in order, the second with more credentials than it can list itself.
    const parts = [
      await analyzePartial({ ...options, sources: [source(records.slice(0, 60))] }),
      await analyzePartial({ ...options, sources: [source(records.slice(60))] }),
    ];
    const merged = mergePartials(options, parts);
    expect(worker(merged)).toEqual(actor);
  });
});
