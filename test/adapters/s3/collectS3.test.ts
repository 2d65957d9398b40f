/**
 * Collection, analysis and report storage against a real S3-compatible server (Ceph radosgw on
 * loopback) with the real @aws-sdk/client-s3: an organization trail's delivery tree of the
 * sample tenant (four accounts, two regions, three days, with digest files and their signature
 * metadata), read through a fault-injecting proxy.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../../functions/adapters/store/ObjectStore.js';
import { PrefixedObjectStore } from '../../../functions/adapters/store/PrefixedObjectStore.js';
import { S3ObjectStore } from '../../../functions/adapters/store/S3ObjectStore.js';
import { parsePeriod } from '../../../functions/core/analysis/period.js';
import { publicKeyFromListPublicKeys } from '../../../functions/core/collect/digestValidation.js';
import type { TenantAccount, TenantConfig } from '../../../functions/core/config/tenantConfig.js';
import { type CollectJobOptions, collectJob } from '../../../functions/jobs/collectJob.js';
import { loadPipelineData } from '../../../functions/jobs/loadPipelineData.js';
import { cloudTrailDigestChains, createDigestSigningKey } from '../../helpers/cloudTrailDigests.js';
import { type FaultProxy, startFaultProxy } from '../../helpers/faultProxy.js';
import { runCli } from '../../helpers/runCli.js';
import {
  freshBucket,
  type S3TestServer,
  s3ProcessEnv,
  s3TestClient,
  s3TestServer,
} from '../../helpers/s3Client.js';
import { putObjects, writeSampleTrail } from '../../helpers/sampleTrail.js';

const ORG = 'o-abcdef1234';
const PREFIX = 'org-logs';
const window = parsePeriod('2026-10-05');
const data = await loadPipelineData('examples/demo-tenant.yaml');
const signingKey = createDigestSigningKey();

let server: S3TestServer;
let s3: S3Client;
let trailBucket: string;
let proxy: FaultProxy;
let work: string;
let config: TenantConfig;
let objectCount = 0;

beforeAll(async () => {
  server = await s3TestServer();
  s3 = s3TestClient();
  work = await mkdtemp(path.join(tmpdir(), 'trailproof-s3-collect-'));
  const files = await writeSampleTrail(path.join(work, 'tree'), {
    targetEvents: 12_000,
    from: '2026-10-04',
    to: '2026-10-07',
  });
  trailBucket = await freshBucket('trail');
  // The organization trail layout: <prefix>/AWSLogs/<org-id>/<account>/CloudTrail/…
  const logs = files.map((f) => ({
    key: `${PREFIX}/${f.key.replace(/^AWSLogs\//, `AWSLogs/${ORG}/`)}`,
    body: f.body,
  }));
  const digests = cloudTrailDigestChains({
    bucket: trailBucket,
    trailName: 'acme-org-trail',
    homeRegion: 'eu-west-1',
    organizationId: ORG,
    keyPrefix: PREFIX,
    firstDigestEnd: '2026-10-04T00:01:31Z',
    digestCount: 96,
    logFiles: logs.map((l) => ({ bucket: trailBucket, key: l.key, bytes: l.body })),
    signingKey,
  });
  await putObjects(s3, trailBucket, [
    ...logs,
    ...digests.map((d) => ({ key: d.key, body: d.bytes, metadata: { ...d.metadata } })),
  ]);
  objectCount = logs.length;
  proxy = await startFaultProxy(server.endpoint);
  config = {
    ...data.config,
    accounts: data.config.accounts.map((a) => ({
      ...a,
      roleArn: undefined,
      externalId: undefined,
      source: { s3: { bucket: trailBucket, prefix: PREFIX, organizationId: ORG } },
    })),
  };
}, 180_000);

afterAll(async () => {
  await proxy?.close();
});

/** The trail bucket through the proxy, with retries as the product configures them. */
function trailStore(): S3ObjectStore {
  return new S3ObjectStore(s3TestClient({ endpoint: proxy.endpoint, maxAttempts: 4 }), trailBucket);
}

function options(staging: ObjectStore, store: ObjectStore = trailStore()): CollectJobOptions {
  return {
    config,
    window,
    staging,
    openTrail: async (account: TenantAccount) => ({
      kind: 'store',
      store,
      location: { bucket: trailBucket, prefix: PREFIX, organizationId: ORG, account: account.id },
      publicKeys: async () => [publicKeyFromListPublicKeys(signingKey.publicKey)],
    }),
  };
}

describe('collect from S3', () => {
  let reference: Awaited<ReturnType<typeof collectJob>>;

  it('lists only the prefixes the period needs, verifies digests, and accounts for every record', async () => {
    const before = proxy.requests.length;
    const staging = new PrefixedObjectStore(new S3ObjectStore(s3, await freshBucket('staging')), 'pipeline');
    reference = await collectJob(options(staging));
    expect(reference.accounts.map((a) => a.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const lists = proxy.requests
      .slice(before)
      .filter((r) => r.method === 'GET' && r.query['list-type'] === '2');
    const listed = new Set(lists.map((r) => r.query.prefix));
    for (const prefix of listed) {
      expect(prefix).toMatch(
        new RegExp(`^${PREFIX}/AWSLogs/${ORG}/\\d{12}/CloudTrail(-Digest)?/(([a-z0-9-]+/2026/10/0[5-7]/)|$)`),
      );
    }
    // No listing of the bucket, of an account's whole tree, or of the day before the period.
    expect([...listed].some((p) => p === '' || p === undefined || p.includes('/2026/10/04/'))).toBe(false);
    const regions = reference.accounts.flatMap((a) => a.regions).filter((r) => r.read > 0);
    for (const r of regions) expect(r.digest).toEqual({ counts: { verified: r.read }, problems: [] });
    expect(reference.totals.read).toBeLessThan(objectCount);
    expect(reference.totals.accepted).toBeGreaterThan(300);
  }, 120_000);

  it('rides out throttling, 5xx and bodies cut off mid-way, and collects the same records', async () => {
    const slowdown = proxy.addFault({ method: 'GET', path: /\.json\.gz$/, kind: 'slowdown', times: 6 });
    const errors = proxy.addFault({ method: 'GET', path: /\.json\.gz$/, kind: 'internal-error', times: 3 });
    const cut = proxy.addFault({
      method: 'GET',
      path: /CloudTrail\/.*\.json\.gz$/,
      kind: 'truncate',
      times: 3,
      afterBytes: 20,
    });
    try {
      const staging = new S3ObjectStore(s3, await freshBucket('staging-faults'));
      const run = await collectJob(options(staging));
      expect(slowdown.fired).toBe(6);
      expect(errors.fired).toBe(3);
      expect(cut.fired).toBe(3);
      expect(run.totals).toEqual(reference.totals);
      expect(run.accounts.every((a) => a.status === 'ok')).toBe(true);
    } finally {
      proxy.clearFaults();
    }
  }, 120_000);

  it('records an object deleted between list and get, and a corrupt object, without losing the rest', async () => {
    const corruptKey = `${PREFIX}/AWSLogs/${ORG}/222222222222/CloudTrail/eu-west-1/2026/10/05/222222222222_CloudTrail_eu-west-1_20261005T2355Z_Corrupt0000000000.json.gz`;
    await s3.send(new PutObjectCommand({ Bucket: trailBucket, Key: corruptKey, Body: 'not gzip at all' }));
    const inner = trailStore();
    let deleted = '';
    // Deletes the first object of acme-dev as it is about to be read.
    const store: ObjectStore = Object.assign(Object.create(inner) as S3ObjectStore, {
      recordSource: (o: Parameters<ObjectStore['recordSource']>[0]) => {
        const source = inner.recordSource(o);
        if (!deleted && o.key.includes('/333333333333/')) {
          deleted = o.key;
          return {
            ...source,
            readAll: async () => {
              await s3.send(new DeleteObjectCommand({ Bucket: trailBucket, Key: o.key }));
              return source.readAll!();
            },
          };
        }
        return source;
      },
    });
    const staging = new S3ObjectStore(s3, await freshBucket('staging-gone'));
    const run = await collectJob(options(staging, store));
    const dev = run.accounts.find((a) => a.account === '333333333333')!;
    // One day of one region is the gap; its other day was read in full.
    const failedRegion = dev.regions.find((r) => r.status !== 'ok')!;
    expect(failedRegion).toMatchObject({ status: 'partial', days: 2, failedDays: ['2026-10-05'] });
    expect(failedRegion.reason).toBe(
      '1 object(s) could not be read completely; the next run retries them (2026-10-05)',
    );
    const staging2 = run.accounts
      .find((a) => a.account === '222222222222')!
      .regions.find((r) => r.region === 'eu-west-1')!;
    expect(staging2.rejected).toBeGreaterThanOrEqual(1);
    expect(run.accounts.filter((a) => a.status === 'ok').length).toBe(3);
    await s3.send(new DeleteObjectCommand({ Bucket: trailBucket, Key: corruptKey }));
  }, 120_000);
});

describe('the CLI with S3 inputs and outputs', () => {
  const env = () => s3ProcessEnv(server);

  it('collects into s3://, reports from the staging area into an Object Lock bucket, and verifies it there', async () => {
    const tenantFile = path.join(work, 'tenant.yaml');
    const yaml = (await readFile('examples/demo-tenant.yaml', 'utf8'))
      .replace(
        / {4}source:\n {6}s3:\n {8}bucket: acme-cloudtrail-logs-444444444444\n/g,
        `    source:\n      s3:\n        bucket: ${trailBucket}\n        prefix: ${PREFIX}\n        organizationId: ${ORG}\n`,
      )
      .replace(/ {4}roleArn: .*\n {4}externalId: .*\n/g, '');
    await writeFile(tenantFile, yaml);
    const stagingBucket = await freshBucket('cli-staging');
    const collect = await runCli(
      ['collect', '-c', tenantFile, '--period', '2026-10-05', '--out', `s3://${stagingBucket}/pipeline`],
      env(),
    );
    expect(collect.stderr).toBe('');
    expect(collect.code).toBe(0);
    expect(collect.stdout).toMatch(/^ok +acme-prod \(111111111111\) eu-west-1 \d+\/\d+ objects/m);

    const reports = await freshBucket('reports', { objectLock: true });
    const out = `s3://${reports}/acme/2026-10-05/`;
    const report = await runCli(
      [
        'report',
        `s3://${stagingBucket}/pipeline/staging/acme/2026-10-05/`,
        '-c',
        tenantFile,
        '--period',
        '2026-10-05',
        '--out',
        out,
        '--retain-days',
        '1',
        '--format',
        'html,json,csv',
      ],
      env(),
    );
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`s3://${reports}/acme/2026-10-05/manifest.json`);
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: reports, Key: 'acme/2026-10-05/report.html' }),
    );
    expect(retention.Retention?.Mode).toBe('GOVERNANCE');

    const verified = await runCli(['verify', out], env());
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/Verified: all \d+ artifacts match the signed manifest/);
    // The manifest names the trail objects, with their digest validation.
    const manifest = JSON.parse((await runCli(['verify', out, '--json'], env())).stdout);
    expect(manifest.ok).toBe(true);

    // A changed byte in the bucket (a new object version) fails verification.
    await s3.send(
      new PutObjectCommand({ Bucket: reports, Key: 'acme/2026-10-05/findings.csv', Body: 'id\n' }),
    );
    const tampered = await runCli(['verify', out], env());
    expect(tampered.code).toBe(4);
    expect(tampered.stdout).toMatch(/CHANGED +findings\.csv/);
  }, 180_000);
});
