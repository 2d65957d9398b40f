/**
 * @module Tests of the sample tenant month generator, its demo tenant config, and the writer that lays
 * the records out as CloudTrail S3 delivery files.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { TrailFileWriteError, writeTrailFiles } from '../../../functions/adapters/fs/writeTrailFiles.js';
import { parseTenantConfig } from '../../../functions/core/config/tenantConfig.js';
import {
  type CloudTrailRecord,
  generateTenantMonth,
  sampleTenantScenario,
} from '../../../functions/core/sample/generateTenantMonth.js';

const MONTH = '2026-03';
const MONTH_START = Date.UTC(2026, 2, 1);
const MONTH_END = Date.UTC(2026, 3, 1);
const DAY = 86_400_000;

interface Identity {
  type?: string;
  arn?: string;
  userName?: string;
  accessKeyId?: string;
  invokedBy?: string;
  sessionContext?: { sessionIssuer?: { userName?: string } };
}

const identity = (r: CloudTrailRecord) => r.userIdentity as Identity;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const roleName = (r: CloudTrailRecord) => identity(r).sessionContext?.sessionIssuer?.userName;
const time = (r: CloudTrailRecord) => Date.parse(r.eventTime as string);
const params = (r: CloudTrailRecord) => (r.requestParameters ?? {}) as Record<string, unknown>;
const onDay = (r: CloudTrailRecord, day: number) =>
  time(r) >= MONTH_START + (day - 1) * DAY && time(r) < MONTH_START + day * DAY;

const scenario = sampleTenantScenario();
const incident = (id: string) => {
  const found = scenario.incidents.find((i) => i.id === id);
  if (!found) throw new Error(`no incident ${id}`);
  return found;
};
const legacy = scenario.identities.find((i) => i.id === 'legacy-backup');
const [OLD_KEY, NEW_KEY] = legacy?.accessKeyIds ?? [];

let records: CloudTrailRecord[] = [];

beforeAll(() => {
  records = [...generateTenantMonth({ month: MONTH })];
});

describe('Function: generateTenantMonth', () => {
  it('gives the same records for the same options', () => {
    // Prepare
    const first: CloudTrailRecord[] = [];
    let firstCount = 0;
    for (const r of generateTenantMonth({ month: MONTH })) if (firstCount++ < 2_000) first.push(r);
    // Act
    const second: CloudTrailRecord[] = [];
    let secondCount = 0;
    for (const r of generateTenantMonth({ month: MONTH })) if (secondCount++ < 2_000) second.push(r);
    // Assess
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(secondCount).toBe(firstCount);
    expect(firstCount).toBe(records.length);
  });

  it('gives different records for a different seed', () => {
    const other = [...generateTenantMonth({ month: MONTH, seed: 7 })].slice(0, 50);
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(records.slice(0, 50)));
  });

  it('produces 25,000 to 40,000 events at scale 1', () => {
    expect(records.length).toBeGreaterThanOrEqual(25_000);
    expect(records.length).toBeLessThanOrEqual(40_000);
  });

  it('yields records in non-decreasing eventTime order, all inside the month', () => {
    let previous = '';
    for (const r of records) {
      const t = r.eventTime as string;
      expect(t >= previous).toBe(true);
      previous = t;
    }
    expect(time(records[0] as CloudTrailRecord)).toBeGreaterThanOrEqual(MONTH_START);
    expect(time(records[records.length - 1] as CloudTrailRecord)).toBeLessThan(MONTH_END);
  });

  it('gives every record a unique, UUID-shaped eventID', () => {
    const ids = new Set(records.map((r) => r.eventID));
    expect(ids.size).toBe(records.length);
    for (const id of ids) expect(id).toMatch(UUID);
  });

  it('gives every record the CloudTrail envelope fields', () => {
    // Per-record expect() calls are slow on 35,000 records: collect the offenders, assert once.
    const problems: string[] = [];
    const check = (ok: boolean, r: CloudTrailRecord, what: string) => {
      if (!ok && problems.length < 10) problems.push(`${what}: ${JSON.stringify(r).slice(0, 200)}`);
    };
    for (const r of records) {
      check(/^1\.\d\d$/.test(String(r.eventVersion)), r, 'eventVersion');
      check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(String(r.eventTime)), r, 'eventTime');
      check(/^[a-z0-9-]+\.amazonaws\.com$/.test(String(r.eventSource)), r, 'eventSource');
      check(typeof r.eventName === 'string' && r.eventName !== '', r, 'eventName');
      check(r.awsRegion === 'eu-west-1' || r.awsRegion === 'us-east-1', r, 'awsRegion');
      check(r.eventType === 'AwsApiCall' || r.eventType === 'AwsConsoleSignIn', r, 'eventType');
      check(/^\d{12}$/.test(String(r.recipientAccountId)), r, 'recipientAccountId');
      check(r.eventCategory === 'Management' || r.eventCategory === 'Data', r, 'eventCategory');
      check(r.managementEvent === (r.eventCategory === 'Management'), r, 'managementEvent');
      check(
        typeof r.readOnly === 'boolean' && 'requestParameters' in r && 'responseElements' in r,
        r,
        'shape',
      );
      const who = identity(r);
      check(typeof who?.type === 'string', r, 'userIdentity.type');
      if (who?.type === 'AWSService') {
        const keys = Object.keys(who).sort().join(',');
        check(
          keys === 'invokedBy,type' && /\.amazonaws\.com$/.test(String(who.invokedBy)),
          r,
          'AWSService identity',
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('covers every userIdentity type the product attributes', () => {
    const types = new Set(records.map((r) => identity(r).type));
    expect([...types].sort()).toEqual(
      ['AWSAccount', 'AWSService', 'AssumedRole', 'IAMUser', 'IdentityCenterUser', 'WebIdentityUser'].sort(),
    );
  });

  it('uses only temporary keys that an earlier STS response in the trail issued (except Identity Center sessions)', () => {
    const { problems, checked } = sessionKeyProblems(records);
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
  });

  it('derives the scale from targetEvents: 200,000 within ±3 %, in a few seconds', () => {
    // Act
    const started = performance.now();
    let n = 0;
    for (const _record of generateTenantMonth({ month: MONTH, targetEvents: 200_000 })) n++;
    const elapsed = performance.now() - started;
    // Assess
    expect(n).toBeGreaterThanOrEqual(194_000);
    expect(n).toBeLessThanOrEqual(206_000);
    expect(elapsed).toBeLessThan(15_000);
    console.info(`targetEvents 200000: ${n} events in ${Math.round(elapsed)} ms`);
  }, 30_000);

  it('throws on a malformed month or option', () => {
    expect(() => generateTenantMonth({ month: '2026-13' })).toThrow(RangeError);
    expect(() => generateTenantMonth({ month: '26-03' })).toThrow(/YYYY-MM/);
    expect(() => generateTenantMonth({ month: MONTH, scale: -1 })).toThrow(RangeError);
    expect(() => generateTenantMonth({ month: MONTH, targetEvents: 0 })).toThrow(RangeError);
  });
});

/**
 * Role sessions (other than Identity Center's) must sign with an ASIA key that an earlier STS response
 * in the trail issued: how role chains are resolved. Returns the offenders (at most 10) and how many
 * records were checked; per-record expect() calls are too slow on tens of thousands of records.
 */
function sessionKeyProblems(trail: readonly CloudTrailRecord[]): { problems: string[]; checked: number } {
  const issued = new Map<string, number>();
  for (const r of trail) {
    const creds = (r.responseElements as { credentials?: { accessKeyId?: string } } | null)?.credentials;
    if (r.eventSource === 'sts.amazonaws.com' && creds?.accessKeyId) issued.set(creds.accessKeyId, time(r));
  }
  const problems: string[] = [];
  let checked = 0;
  for (const r of trail) {
    const who = identity(r);
    if (who.type !== 'AssumedRole' || roleName(r)?.startsWith('AWSReservedSSO_')) continue;
    const at = issued.get(who.accessKeyId as string);
    const ok = /^ASIA[A-Z2-7]{16}$/.test(String(who.accessKeyId)) && at !== undefined && at <= time(r);
    if (!ok && problems.length < 10) problems.push(`${r.eventName} at ${r.eventTime} by ${who.arn}`);
    checked++;
  }
  return { problems, checked };
}

/** The actor a record is attributed to: the role of a session, else the principal's ARN. */
function principal(r: CloudTrailRecord): string {
  const who = r.userIdentity as Identity & { sessionContext?: { sessionIssuer?: { arn?: string } } };
  return who.sessionContext?.sessionIssuer?.arn ?? who.arn ?? `${who.type}:${who.invokedBy ?? ''}`;
}

const FLEET_NAME =
  /^arn:aws:iam::(\d{12}):(?:role\/(?:service-role\/)?|user\/)fleet-([a-z]+)-([a-z-]+)-(\d+)$/;

describe('Option: extraWorkloads', () => {
  const EXTRA = 150;
  let fleet: CloudTrailRecord[] = [];
  const fleetOnly = () => fleet.filter((r) => FLEET_NAME.test(principal(r)));

  beforeAll(() => {
    fleet = [...generateTenantMonth({ month: MONTH, extraWorkloads: EXTRA })];
  });

  it('adds N distinct machine identities named fleet-<team>-<app>-<n>, over all accounts and both regions', () => {
    // Prepare
    const before = new Set(records.map(principal));
    const after = new Set(fleet.map(principal));
    const added = [...after].filter((p) => !before.has(p));
    // Assess
    expect(added).toHaveLength(EXTRA);
    const numbers = new Set<number>();
    for (const arn of added) {
      const m = FLEET_NAME.exec(arn);
      expect(m, arn).not.toBeNull();
      numbers.add(Number(m?.[4]));
    }
    expect(numbers).toEqual(new Set(Array.from({ length: EXTRA }, (_, i) => i + 1)));
    const own = fleetOnly();
    expect(new Set(own.map((r) => r.recipientAccountId))).toEqual(
      new Set(scenario.accounts.map((a) => a.id)),
    );
    expect(new Set(own.map((r) => r.awsRegion))).toEqual(new Set(['eu-west-1', 'us-east-1']));
  });

  it('mixes Lambda and ECS roles issued by their service with IAM service users on long-lived keys', () => {
    const own = fleetOnly();
    const types = new Set(own.map((r) => identity(r).type));
    expect(types).toEqual(new Set(['AssumedRole', 'IAMUser']));
    for (const r of own.filter((x) => identity(x).type === 'IAMUser'))
      expect(identity(r).accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    const agents = new Set(own.map((r) => String(r.userAgent)));
    expect([...agents].some((ua) => ua.includes('exec-env/AWS_Lambda'))).toBe(true);
    expect([...agents].some((ua) => ua.includes('exec-env/AWS_ECS'))).toBe(true);
    // Their sessions are issued by Lambda and ECS (AWSService AssumeRole records).
    const issuers = new Set(
      fleet
        .filter((r) => r.eventName === 'AssumeRole' && FLEET_NAME.test(String(params(r).roleArn)))
        .map((r) => identity(r).invokedBy),
    );
    expect(issuers).toEqual(new Set(['lambda.amazonaws.com', 'ecs-tasks.amazonaws.com']));
    // A few to a few hundred calls each: no identity floods the month.
    const perActor = new Map<string, number>();
    for (const r of own) perActor.set(principal(r), (perActor.get(principal(r)) ?? 0) + 1);
    expect(Math.max(...perActor.values())).toBeLessThan(1_000);
  });

  it('is deterministic, and 0 leaves the month exactly as without the option', () => {
    const again = [...generateTenantMonth({ month: MONTH, extraWorkloads: EXTRA })];
    expect(again.length).toBe(fleet.length);
    expect(digest(again)).toBe(digest(fleet));
    expect(digest(generateTenantMonth({ month: MONTH, extraWorkloads: 0 }))).toBe(digest(records));
  });

  it('keeps event ids unique and UUID-shaped, records in time order', () => {
    const ids = new Set(fleet.map((r) => r.eventID));
    expect(ids.size).toBe(fleet.length);
    const bad = [...ids].filter((id) => !UUID.test(String(id)));
    expect(bad).toEqual([]);
    let previous = '';
    let unordered = 0;
    for (const r of fleet) {
      if ((r.eventTime as string) < previous) unordered++;
      previous = r.eventTime as string;
    }
    expect(unordered).toBe(0);
  });

  it('uses only temporary keys that an earlier STS response in the trail issued', () => {
    const { problems, checked } = sessionKeyProblems(fleet);
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(sessionKeyProblems(records).checked);
  });

  it('counts its volume in targetEvents: 150,000 with 300 extra workloads lands within ±3 %', () => {
    let n = 0;
    for (const _record of generateTenantMonth({ month: MONTH, targetEvents: 150_000, extraWorkloads: 300 }))
      n++;
    expect(n).toBeGreaterThanOrEqual(145_500);
    expect(n).toBeLessThanOrEqual(154_500);
  }, 30_000);

  it('rejects a negative, fractional or too large count', () => {
    for (const extraWorkloads of [-1, 1.5, 20_001, Number.NaN])
      expect(() => generateTenantMonth({ month: MONTH, extraWorkloads }), String(extraWorkloads)).toThrow(
        /extraWorkloads must be an integer from 0 to 20000/,
      );
    expect(() => generateTenantMonth({ month: MONTH, extraWorkloads: 20_000 })).not.toThrow();
  });
});

function digest(trail: Iterable<CloudTrailRecord>): string {
  const hash = createHash('sha256');
  for (const r of trail) hash.update(`${JSON.stringify(r)}\n`);
  return hash.digest('hex');
}

describe('Function: sampleTenantScenario', () => {
  it('describes the four accounts and every incident with its day and event names', () => {
    expect(scenario.accounts.map((a) => a.id)).toEqual([
      '111111111111',
      '222222222222',
      '333333333333',
      '444444444444',
    ]);
    expect(scenario.incidents).toHaveLength(5);
    for (const i of scenario.incidents) {
      expect(i.day).toBeGreaterThanOrEqual(1);
      expect(i.day).toBeLessThanOrEqual(28);
      expect(i.eventNames.length).toBeGreaterThan(0);
    }
  });

  it.each(scenario.incidents.map((i) => [i.id, i] as const))(
    'incident %s: all its event names occur from its addresses within days of its start',
    (_id, planted) => {
      const start = MONTH_START + (planted.day - 1) * DAY;
      const names = new Set(
        records
          .filter((r) => time(r) >= start && time(r) < start + 4 * DAY)
          .filter((r) => planted.sourceIps.includes(r.sourceIPAddress as string))
          .map((r) => r.eventName),
      );
      for (const name of planted.eventNames) expect(names, name).toContain(name);
    },
  );
});

describe('Incidents', () => {
  it('1. leaked key: recon, model access enablement and dozens of InvokeModel from outside addresses', () => {
    const planted = incident('leaked-key-llmjacking');
    const attack = records.filter(
      (r) => identity(r).accessKeyId === OLD_KEY && planted.sourceIps.includes(r.sourceIPAddress as string),
    );
    expect(attack.every((r) => onDay(r, planted.day))).toBe(true);
    expect(attack.find((r) => r.eventName === 'GetCallerIdentity')?.userAgent).toMatch(/^curl\//);
    const invocations = attack.filter((r) => r.eventName === 'InvokeModel' && r.awsRegion === 'us-east-1');
    expect(invocations.length).toBeGreaterThanOrEqual(40);
    expect(new Set(invocations.map((r) => params(r).modelId)).size).toBeGreaterThan(1);
    for (const name of [
      'PutUseCaseForModelAccess',
      'CreateFoundationModelAgreement',
      'PutFoundationModelEntitlement',
    ]) {
      expect(attack.some((r) => r.eventName === name && r.eventSource === 'bedrock.amazonaws.com')).toBe(
        true,
      );
    }
    // The key's owner never used Bedrock before.
    const routine = records.filter((r) => identity(r).accessKeyId === OLD_KEY && !attack.includes(r));
    expect(routine.length).toBeGreaterThan(0);
    expect(routine.some((r) => r.eventSource === 'bedrock.amazonaws.com')).toBe(false);
  });

  it('2. a person signs in to the console as svc-reporting without MFA and browses', () => {
    const planted = incident('human-uses-service-identity');
    const login = records.filter(
      (r) => r.eventName === 'ConsoleLogin' && identity(r).userName === 'svc-reporting',
    );
    expect(login).toHaveLength(1);
    expect(login[0]).toMatchObject({
      eventSource: 'signin.amazonaws.com',
      eventType: 'AwsConsoleSignIn',
      additionalEventData: { MFAUsed: 'No' },
      responseElements: { ConsoleLogin: 'Success' },
    });
    expect(onDay(login[0] as CloudTrailRecord, planted.day)).toBe(true);
    const browsing = records.filter(
      (r) => identity(r).userName === 'svc-reporting' && r.sessionCredentialFromConsole === 'true',
    );
    expect(browsing.length).toBeGreaterThanOrEqual(10);
    expect(browsing.some((r) => String(r.userAgent).startsWith('Mozilla/'))).toBe(true);
    expect(browsing.every((r) => identity(r).accessKeyId?.startsWith('ASIA'))).toBe(true);
  });

  it('3. the agent runtime role creates keys, tries AdministratorAccess, launches a GPU instance and reads secrets', () => {
    const planted = incident('agent-out-of-scope');
    const agent = records.filter((r) => roleName(r) === 'support-agent-runtime' && onDay(r, planted.day));
    const by = (name: string) => agent.filter((r) => r.eventName === name);
    expect(by('CreateAccessKey')[0]?.eventSource).toBe('iam.amazonaws.com');
    expect(by('AttachRolePolicy')[0]).toMatchObject({
      errorCode: 'AccessDenied',
      requestParameters: { policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    });
    expect(by('RunInstances')).toHaveLength(1);
    expect(by('GetObject').every((r) => params(r).bucketName === 'acme-finance-reports')).toBe(true);
    expect(by('GetObject').length).toBeGreaterThanOrEqual(3);
    const secrets = by('GetSecretValue');
    expect(secrets.length).toBeGreaterThanOrEqual(10);
    expect(
      time(secrets[secrets.length - 1] as CloudTrailRecord) - time(secrets[0] as CloudTrailRecord),
    ).toBeLessThan(5 * 60_000);
    expect(agent.every((r) => String(r.userAgent).startsWith('strands-agents/'))).toBe(true);
    // Outside the incident the agent runtime only talks to the model and its tool.
    const routine = records.filter((r) => roleName(r) === 'support-agent-runtime' && !agent.includes(r));
    expect(new Set(routine.map((r) => r.eventName))).toEqual(
      new Set(['Converse', 'ConverseStream', 'Invoke']),
    );
  });

  it('4. StopLogging on the organization trail is denied; PutEventSelectors narrows prod data events until restored', () => {
    const planted = incident('stop-logging');
    const byKey = records.filter(
      (r) => identity(r).accessKeyId === OLD_KEY && r.eventSource === 'cloudtrail.amazonaws.com',
    );
    const stop = byKey.find((r) => r.eventName === 'StopLogging');
    expect(stop).toMatchObject({
      errorCode: 'AccessDenied',
      requestParameters: { name: expect.stringContaining('trail/acme-org-trail') },
    });
    const narrow = byKey.find((r) => r.eventName === 'PutEventSelectors');
    expect(narrow?.errorCode).toBeUndefined();
    expect(onDay(narrow as CloudTrailRecord, planted.day)).toBe(true);
    const restore = records.find(
      (r) => r.eventName === 'PutEventSelectors' && identity(r).accessKeyId !== OLD_KEY,
    );
    expect(restore).toBeDefined();
    const gap = records.filter(
      (r) =>
        r.recipientAccountId === '111111111111' &&
        r.eventCategory === 'Data' &&
        time(r) > time(narrow as CloudTrailRecord) &&
        time(r) < time(restore as CloudTrailRecord),
    );
    expect(gap.length).toBeGreaterThan(0);
    expect(gap.every((r) => params(r).bucketName === 'acme-batch-data')).toBe(true);
  });

  it('5. the legacy key is rotated: new key created, old key deactivated then deleted and never used again', () => {
    const iam = (name: string) =>
      records.filter((r) => r.eventName === name && params(r).userName === 'legacy-backup');
    const created = iam('CreateAccessKey');
    expect(created).toHaveLength(1);
    expect(created[0]?.responseElements).toMatchObject({
      accessKey: { accessKeyId: NEW_KEY, status: 'Active' },
    });
    expect(roleName(created[0] as CloudTrailRecord)).toMatch(/^AWSReservedSSO_AdministratorAccess_/);
    const deactivated = iam('UpdateAccessKey')[0] as CloudTrailRecord;
    expect(params(deactivated)).toMatchObject({ accessKeyId: OLD_KEY, status: 'Inactive' });
    const deleted = iam('DeleteAccessKey')[0] as CloudTrailRecord;
    expect(params(deleted).accessKeyId).toBe(OLD_KEY);
    expect(time(deleted) - time(deactivated)).toBeGreaterThan(2 * DAY);
    const oldUses = records.filter((r) => identity(r).accessKeyId === OLD_KEY);
    const newUses = records.filter((r) => identity(r).accessKeyId === NEW_KEY);
    expect(Math.max(...oldUses.map(time))).toBeLessThan(time(created[0] as CloudTrailRecord));
    expect(newUses.length).toBeGreaterThan(0);
    expect(Math.min(...newUses.map(time))).toBeGreaterThan(time(deactivated));
  });
});

describe('Option: incidents', () => {
  it('leaves out the incidents not named: no attacker, no data gap, the legacy key never rotated', () => {
    const quiet = [...generateTenantMonth({ month: MONTH, incidents: ['human-uses-service-identity'] })];
    const from = (ips: readonly string[]) => quiet.filter((r) => ips.includes(r.sourceIPAddress as string));
    expect(from(incident('leaked-key-llmjacking').sourceIps)).toEqual([]);
    expect(quiet.filter((r) => r.eventName === 'StopLogging' || r.eventName === 'PutEventSelectors')).toEqual(
      [],
    );
    expect(quiet.some((r) => identity(r).accessKeyId === NEW_KEY)).toBe(false);
    expect(quiet.some((r) => identity(r).accessKeyId === OLD_KEY)).toBe(true);
    const svc = incident('human-uses-service-identity');
    expect(
      from(svc.sourceIps)
        .filter((r) => onDay(r, svc.day))
        .map((r) => r.eventName),
    ).toEqual(expect.arrayContaining(svc.eventNames));
    // The background is the same month (with prod data events never interrupted).
    expect(Math.abs(quiet.length - records.length)).toBeLessThan(records.length * 0.05);
  });

  it('rejects an unknown incident id, naming the known ones', () => {
    expect(() => generateTenantMonth({ month: MONTH, incidents: ['nope'] })).toThrow(
      /unknown incident.*stop-logging/,
    );
  });
});

describe('File: examples/demo-tenant.yaml', () => {
  const file = join(import.meta.dirname, '../../../examples/demo-tenant.yaml');

  it('validates against the tenant config schema and matches the sample scenario', async () => {
    // Act
    const config = parseTenantConfig(YAML.parse(await readFile(file, 'utf8')), file);
    // Assess
    expect(config).toMatchObject({
      id: 'acme',
      name: 'Acme Robotics',
      mssp: { name: 'Northwind Security', colors: { primary: '#0b3d91', accent: '#f28c28' } },
      schedule: { frequency: 'monthly', timezone: 'Europe/Berlin' },
    });
    expect(config.recipients).toHaveLength(2);
    expect(config.accounts.map((a) => a.id)).toEqual(scenario.accounts.map((a) => a.id));
    const patterns = config.inventory.map(
      (e) => new RegExp(`^${e.match.split('*').map(escapeRegExp).join('.*')}$`),
    );
    for (const declared of scenario.identities) {
      for (const arn of declared.arns)
        expect(
          patterns.some((p) => p.test(arn)),
          arn,
        ).toBe(true);
    }
    const [current, expired] = config.exceptions;
    expect(current).toMatchObject({ rule: 'long-lived-key-use', actor: legacy?.arns[0] });
    expect(String(current?.expires) > '2026-12-31').toBe(true);
    expect(String(expired?.expires) < '2026-11-01').toBe(true);
  });
});

describe('File: bench/bench-tenant.yaml', () => {
  const file = join(import.meta.dirname, '../../../bench/bench-tenant.yaml');
  const demoFile = join(import.meta.dirname, '../../../examples/demo-tenant.yaml');

  it('extends the demo config and declares part of the extra workloads, some without an owner', async () => {
    // Prepare
    const bench = parseTenantConfig(YAML.parse(await readFile(file, 'utf8')), file);
    const demo = parseTenantConfig(YAML.parse(await readFile(demoFile, 'utf8')), demoFile);
    const arns = new Set<string>();
    for (const r of generateTenantMonth({ month: MONTH, scale: 0, extraWorkloads: 300 })) {
      const arn = principal(r);
      if (FLEET_NAME.test(arn)) arns.add(arn);
    }
    // Act
    const entryOf = (arn: string) =>
      bench.inventory.find((e) =>
        new RegExp(`^${e.match.split('*').map(escapeRegExp).join('.*')}$`).test(arn),
      );
    const entries = [...arns].map(entryOf);
    // Assess
    expect({ ...bench, inventory: [] }).toEqual({ ...demo, inventory: [] });
    expect(bench.inventory).toEqual(expect.arrayContaining(demo.inventory));
    const owned = entries.filter((e) => e?.owner).length;
    const ownerless = entries.filter((e) => e && !e.owner).length;
    const undeclared = entries.filter((e) => !e).length;
    expect(owned).toBeGreaterThan(arns.size * 0.3);
    expect(ownerless).toBeGreaterThan(0);
    expect(undeclared).toBeGreaterThan(arns.size * 0.3);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

describe('Function: writeTrailFiles', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trailproof-trail-'));
    dirs.push(dir);
    return dir;
  };
  const twoDays = () => records.filter((r) => time(r) < MONTH_START + 2 * DAY);

  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function gzFiles(root: string): Promise<string[]> {
    const entries = await readdir(root, { recursive: true });
    return entries.filter((e) => e.endsWith('.json.gz')).sort();
  }

  it('writes the CloudTrail S3 delivery tree, one five-minute file per account and region', async () => {
    // Prepare
    const input = twoDays();
    const root = await tempDir();
    // Act
    const result = await writeTrailFiles(input, root);
    // Assess
    const files = await gzFiles(root);
    expect(result.files).toBe(files.length);
    expect(result.records).toBe(input.length);
    const layout =
      /^AWSLogs\/(\d{12})\/CloudTrail\/([a-z]{2}-[a-z]+-\d)\/(\d{4})\/(\d{2})\/(\d{2})\/\1_CloudTrail_\2_(\d{8})T(\d{2})(\d{2})Z_[A-Za-z0-9]{16}\.json\.gz$/;
    let total = 0;
    let bytes = 0;
    for (const path of files) {
      const m = layout.exec(path);
      expect(m, path).not.toBeNull();
      const [, account, region, y, mo, d, ymd, hh, mm] = m as RegExpExecArray;
      expect(ymd).toBe(`${y}${mo}${d}`);
      expect(Number(mm) % 5).toBe(0);
      const windowStart = Date.parse(`${y}-${mo}-${d}T${hh}:${mm}:00Z`);
      const gz = await readFile(join(root, path));
      bytes += gz.length;
      const body = JSON.parse(gunzipSync(gz).toString('utf8')) as { Records: CloudTrailRecord[] };
      expect(Object.keys(body)).toEqual(['Records']);
      for (const r of body.Records) {
        expect(r.recipientAccountId).toBe(account);
        expect(r.awsRegion).toBe(region);
        expect(time(r)).toBeGreaterThanOrEqual(windowStart);
        expect(time(r)).toBeLessThan(windowStart + 5 * 60_000);
      }
      total += body.Records.length;
    }
    expect(total).toBe(input.length);
    expect(result.bytes).toBe(bytes);
  }, 30_000);

  it('produces byte-identical trees on two runs, also from an async iterable', async () => {
    // Prepare
    const input = twoDays();
    async function* asAsync() {
      yield* input;
    }
    const [a, b] = [await tempDir(), await tempDir()];
    // Act
    await writeTrailFiles(input, a);
    await writeTrailFiles(asAsync(), b);
    // Assess
    const filesA = await gzFiles(a);
    expect(await gzFiles(b)).toEqual(filesA);
    for (const path of filesA) {
      const [x, y] = await Promise.all([readFile(join(a, path)), readFile(join(b, path))]);
      expect(x.equals(y), path).toBe(true);
    }
  }, 30_000);

  it('writes fewer, larger files with filesPerHour 1', async () => {
    const input = twoDays();
    const root = await tempDir();
    const result = await writeTrailFiles(input, root, { filesPerHour: 1 });
    expect(result.records).toBe(input.length);
    for (const path of await gzFiles(root)) expect(path).toMatch(/T\d{2}00Z_/);
  });

  it('rejects a record it cannot place, and a filesPerHour that does not divide 60', async () => {
    const root = await tempDir();
    await expect(
      writeTrailFiles([{ eventTime: '2026-03-01T00:00:00Z', awsRegion: 'eu-west-1' }], root),
    ).rejects.toThrow(TrailFileWriteError);
    await expect(writeTrailFiles([], root, { filesPerHour: 7 })).rejects.toThrow(RangeError);
  });
});
