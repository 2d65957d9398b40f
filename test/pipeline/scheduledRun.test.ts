/**
 * A scheduled run end to end without AWS: the stack is synthesized (as `cdk deploy` would see it),
 * and the local driver executes its Step Functions definition for one tenant, calling the real
 * handlers against the S3 test server (Ceph radosgw): Plan from the Scheduler's input, a
 * Distributed Map of collection shards through the client's role, then Report, which publishes a
 * signed report under Object Lock. STS and CloudTrail ListPublicKeys have no local server, so the
 * SDK is mocked for them (and the calls are asserted); every S3 request is real.
 */

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CloudTrailClient, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { App } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlText } from '../../functions/adapters/fs/readYamlDocument.js';
import { parseTenantConfig } from '../../functions/core/config/tenantConfig.js';
import { handler as publishHandler } from '../../functions/handlers/publishHandler.js';
import { handler as workHandler } from '../../functions/handlers/workHandler.js';
import { TrailproofStack } from '../../infra/stacks/TrailproofStack.js';
import { cloudTrailDigestChains, createDigestSigningKey } from '../helpers/cloudTrailDigests.js';
import { runCli } from '../helpers/runCli.js';
import {
  freshBucket,
  type S3TestServer,
  s3ProcessEnv,
  s3TestClient,
  s3TestServer,
} from '../helpers/s3Client.js';
import { putObjects, writeSampleTrail } from '../helpers/sampleTrail.js';
import {
  definitionFromTemplate,
  type Handler,
  runStateMachine,
  type Step,
} from '../helpers/workflowDriver.js';

const ORG = 'o-abcdef1234';
const READER = 'arn:aws:iam::444444444444:role/trailproof-reader';
const EXTERNAL_ID = 'northwind-acme-7c2f91';
const signingKey = createDigestSigningKey();

let server: S3TestServer;
let s3: S3Client;
let work: string;
let trailBucket: string;
let stagingBucket: string;
let reportsBucket: string;
let tenantFile: string;
let template: {
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
  >;
};
let layerDir: string;
let outdir: string;
const sts = mockClient(STSClient);
const cloudTrail = mockClient(CloudTrailClient);
const ses = mockClient(SESv2Client);
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = await s3TestServer();
  s3 = s3TestClient();
  work = await mkdtemp(path.join(tmpdir(), 'trailproof-scheduled-'));
  // Two days of the sample tenant in an organization trail's layout, with digest files.
  const files = await writeSampleTrail(path.join(work, 'tree'), {
    targetEvents: 12_000,
    from: '2026-10-05',
    to: '2026-10-07',
  });
  trailBucket = await freshBucket('org-trail');
  const logs = files.map((f) => ({ key: f.key.replace(/^AWSLogs\//, `AWSLogs/${ORG}/`), body: f.body }));
  const digests = cloudTrailDigestChains({
    bucket: trailBucket,
    trailName: 'acme-org-trail',
    homeRegion: 'eu-west-1',
    organizationId: ORG,
    firstDigestEnd: '2026-10-05T00:01:31Z',
    digestCount: 50,
    logFiles: logs.map((l) => ({ bucket: trailBucket, key: l.key, bytes: l.body })),
    signingKey,
  });
  await putObjects(s3, trailBucket, [
    ...logs,
    ...digests.map((d) => ({ key: d.key, body: d.bytes, metadata: { ...d.metadata } })),
  ]);
  stagingBucket = await freshBucket('staging');
  reportsBucket = await freshBucket('reports', { objectLock: true });

  // The demo tenant, reading the org trail through the reader role; acme-dev's role is another
  // one, which the client has not deployed (AssumeRole is denied): a coverage gap, not a failure.
  const yaml = (await readFile('examples/demo-tenant.yaml', 'utf8'))
    .replace(
      /bucket: acme-cloudtrail-logs-444444444444\n/g,
      `bucket: ${trailBucket}\n        organizationId: ${ORG}\n`,
    )
    .replace(
      /( {2}- id: "333333333333"[\s\S]*?roleArn: )arn:aws:iam::444444444444:role\/trailproof-reader/,
      '$1arn:aws:iam::333333333333:role/trailproof-reader',
    );
  tenantFile = path.join(work, 'acme.yaml');
  await writeFile(
    tenantFile,
    `${yaml.replace(/schedule:\n {2}frequency: monthly\n/, 'schedule:\n  frequency: daily\n')}\nreports:\n  retainDays: 1\nsharing:\n  linkExpiry: 12h\n  notify:\n    ses:\n      from: reports@northwind.example\n`,
  );
  const config = parseTenantConfig(parseYamlText(await readFile(tenantFile, 'utf8'), tenantFile), tenantFile);

  outdir = path.join(work, 'cdk.out');
  // cdk.json's feature flags, as `cdk synth` uses them.
  const flags = JSON.parse(await readFile('cdk.json', 'utf8')).context as Record<string, unknown>;
  // Bundled as for deployment (local esbuild): the last test runs the bundle itself.
  const app = new App({ outdir, context: flags });
  const stack = new TrailproofStack(app, 'Trailproof', {
    env: { account: '999999999999', region: 'eu-west-1' },
    tenants: [config],
    tenantConfigFiles: { acme: tenantFile },
  });
  const assembly = app.synth();
  template = assembly.getStackByName(stack.stackName).template;
  // The tenant's config layer exactly as it would be uploaded.
  const [layer] = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::LayerVersion');
  if (!layer) throw new Error('the stack has no config layer');
  const layerKey = (layer.Properties.Content as { S3Key: string }).S3Key;
  layerDir = path.join(outdir, `asset.${layerKey.replace(/\.zip$/, '')}`);

  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string; ExternalId?: string }) => {
    if (input.RoleArn !== READER || input.ExternalId !== EXTERNAL_ID) {
      throw Object.assign(
        new Error(`User is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`),
        {
          name: 'AccessDenied',
        },
      );
    }
    return {
      Credentials: {
        AccessKeyId: server.accessKeyId,
        SecretAccessKey: server.secretAccessKey,
        SessionToken: 'local',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    };
  });
  cloudTrail.on(ListPublicKeysCommand).resolves({ PublicKeyList: [signingKey.publicKey] });
  ses.on(SendEmailCommand).callsFake(() => ({ MessageId: `m-${ses.calls().length}` }));
  Object.assign(process.env, {
    STAGING_BUCKET: stagingBucket,
    REPORTS_BUCKET: reportsBucket,
    // radosgw's test key store holds a key with this id (scripts/ceph-rgw.sh), as KMS holds the tenant's key.
    REPORTS_KMS_KEY_ARN: 'tenant-acme',
    TRAILPROOF_TENANTS_DIR: path.join(layerDir, 'tenants'),
    ...s3ProcessEnv(server),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
}, 240_000);

afterAll(() => {
  sts.restore();
  cloudTrail.restore();
  ses.restore();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

/**
 * The workflow's resources served locally: the functions by the real handlers, the Distributed
 * Map's item reader and the failure record's S3 integration by the S3 test server. `crash` makes
 * the work function fail for one shard, as a Lambda timeout would.
 */
function handlers(crash?: {
  account: string;
  day: string;
  region: string;
  message: string;
}): Map<string, Handler> {
  const map = new Map<string, Handler>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    if (id.includes('WorkFunction'))
      map.set(`arn:local:${id}`, async (event) => {
        const shard = (event as { shard?: { account?: string; day?: string; region?: string } }).shard;
        if (
          crash &&
          shard?.account === crash.account &&
          shard.day === crash.day &&
          shard.region === crash.region
        )
          throw Object.assign(new Error(crash.message), { name: 'States.Timeout' });
        return workHandler(event);
      });
    else if (id.includes('ReportFunction')) map.set(`arn:local:${id}`, publishHandler);
  }
  map.set('arn:aws:states:::s3:getObject', async (params) => {
    const { Bucket, Key } = params as { Bucket: string; Key: string };
    const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
    return JSON.parse(await object.Body!.transformToString());
  });
  map.set('arn:aws:states:::aws-sdk:s3:putObject', async (params) => {
    const { Bucket, Key, Body, ContentType } = params as Record<string, string>;
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentType }));
    return { ETag: (put as { ETag?: string }).ETag };
  });
  return map;
}

/** The synthesized definition, with the staging bucket's name where it is referenced. */
function definition() {
  const [stagingId] = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::S3::Bucket' && id.includes('StagingStorageBucket'),
  )!;
  return definitionFromTemplate(template, 'acme', { [stagingId]: stagingBucket });
}

async function listKeys(bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

describe('a scheduled run of the deployed workflow, executed locally', () => {
  let run: { output: unknown; steps: Step[] };

  it('plans the period from the schedule time, collects each shard, and publishes the signed report', async () => {
    // What EventBridge Scheduler sends (ScheduleTargetInput with <aws.scheduler.scheduled-time>).
    const schedule = Object.values(template.Resources).find((r) => r.Type === 'AWS::Scheduler::Schedule');
    const target = schedule?.Properties.Target as { Input: string };
    const input = JSON.parse(target.Input.replace('<aws.scheduler.scheduled-time>', '2026-10-06T04:00:00Z'));
    // One shard's function times out (after its retry): the run goes on and reports the gap.
    const crash = {
      account: '444444444444',
      day: '2026-10-05',
      region: 'us-east-1',
      message: 'Task timed out after 900.00 seconds',
    };
    run = await runStateMachine(definition(), input, handlers(crash), {
      Execution: { Name: 'run-2026-10-05-a' },
    });
    const output = run.output as {
      plan: { period: string; shardCount: number; shardsKey: string };
      report: {
        reportUri: string;
        manifestKey: string;
        failedAccounts: number;
        records: number;
        partialsMerged: number;
      };
    };
    expect(output.plan.period).toBe('2026-10-05');
    // Four accounts × two days of delivery (the period's, and the next whose files hold its last
    // events) × the two configured regions, listed in staging for the map's item reader.
    expect(output.plan.shardCount).toBe(16);
    expect(await listKeys(stagingBucket, output.plan.shardsKey)).toEqual([output.plan.shardsKey]);
    // Each item keeps one word in the state; the failed one was recorded beside the staging data.
    const items = run.steps.filter((s) => s.state === 'CollectShard').map((s) => s.output ?? 'threw');
    expect(items).toHaveLength(16);
    expect(await listKeys(stagingBucket, 'staging/acme/2026-10-05/runs/run-2026-10-05-a/failures/')).toEqual([
      'staging/acme/2026-10-05/runs/run-2026-10-05-a/failures/444444444444_2026-10-05_us-east-1.json',
    ]);
    expect(output.report.failedAccounts).toBe(1);
    // Report merged the analyses of every shard that staged records (one per checkpoint here)
    // instead of reading the records again.
    const checkpoints = (await listKeys(stagingBucket, 'staging/acme/2026-10-05/')).filter((k) =>
      k.endsWith('/checkpoint.json'),
    );
    expect(checkpoints.length).toBeGreaterThan(3);
    expect(output.report.partialsMerged).toBe(checkpoints.length);
    expect(output.report.records).toBeGreaterThan(100);
    expect(output.report.reportUri).toBe(`s3://${reportsBucket}/acme/2026-10-05/`);
    const published = await listKeys(reportsBucket, 'acme/2026-10-05/');
    expect(published).toEqual(
      expect.arrayContaining([
        'acme/2026-10-05/analysis.json',
        'acme/2026-10-05/manifest.json',
        'acme/2026-10-05/report.html',
        'acme/2026-10-05/report.pdf',
        'acme/2026-10-05/findings.ocsf.jsonl',
      ]),
    );
    const retention = await s3.send(
      new GetObjectRetentionCommand({ Bucket: reportsBucket, Key: 'acme/2026-10-05/manifest.json' }),
    );
    expect(retention.Retention?.Mode).toBe('GOVERNANCE');
    // Every report object is encrypted with the tenant's own key.
    for (const key of published) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: reportsBucket, Key: key }));
      expect([key, head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual([key, 'aws:kms', 'tenant-acme']);
    }
  }, 300_000);

  it('then regenerates the index page and e-mails each recipient the summary and expiring links', async () => {
    expect(await listKeys(reportsBucket, 'acme/index.html')).toEqual(['acme/index.html']);
    const index = await s3.send(new HeadObjectCommand({ Bucket: reportsBucket, Key: 'acme/index.html' }));
    expect(index.SSEKMSKeyId).toBe('tenant-acme');
    const mails = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(mails.map((m) => m.Destination?.ToAddresses)).toEqual([
      ['security@acme.example'],
      ['acme-account@northwind.example'],
    ]);
    const mail = mails[0]!;
    expect(mail.FromEmailAddress).toBe('reports@northwind.example');
    const text = mail.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toContain(`${server.endpoint}/${reportsBucket}/acme/2026-10-05/report.pdf?`);
    expect(text).toContain('X-Amz-Expires=43200');
    // Summary figures only: no actor, account or finding detail leaves in an e-mail.
    expect(text).not.toMatch(/333333333333|gha-deploy|arn:aws/);
  });

  it('reads client accounts only through their role with its ExternalId', () => {
    const calls = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call.ExternalId).toBe(EXTERNAL_ID);
    expect(new Set(calls.map((c) => c.RoleArn))).toEqual(
      new Set([READER, 'arn:aws:iam::333333333333:role/trailproof-reader']),
    );
  });

  it('names the account it could not read in the report, and validated the digests of the others', async () => {
    const html = await (
      await s3.send(new GetObjectCommand({ Bucket: reportsBucket, Key: 'acme/2026-10-05/report.html' }))
    ).Body!.transformToString();
    const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('333333333333');
    expect(text).toMatch(/not authorized to perform: sts:AssumeRole/);
    // …and in the machine-readable analysis.
    const analysis = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: reportsBucket, Key: 'acme/2026-10-05/analysis.json' }))
      ).Body!.transformToString(),
    ) as { collection: { failedAccounts: { account: string; reason: string }[] } };
    expect(analysis.collection.failedAccounts).toEqual([
      { account: '333333333333', reason: expect.stringMatching(/not authorized to perform: sts:AssumeRole/) },
      {
        account: '444444444444',
        reason:
          'us-east-1: collection did not finish (States.Timeout: Task timed out after 900.00 seconds); the next run resumes it (2026-10-05)',
      },
    ]);
    const manifest = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: reportsBucket, Key: 'acme/2026-10-05/manifest.json' }))
      ).Body!.transformToString(),
    );
    // Every trail object read was covered by a validly signed digest.
    const totals = manifest.manifest.inputTotals as { files: number; byDigest: Record<string, number> };
    expect(totals.files).toBeGreaterThan(100);
    expect(totals.byDigest).toMatchObject({ verified: totals.files, failed: 0 });
  });

  it('is verifiable where it landed', async () => {
    const verified = await runCli(['verify', `s3://${reportsBucket}/acme/2026-10-05/`], s3ProcessEnv(server));
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
  });

  it('re-runs the same period idempotently: no object is read twice, the findings are the same', async () => {
    const first = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: reportsBucket, Key: 'acme/2026-10-05/analysis.json' }))
      ).Body!.transformToString(),
    ) as { findings: { id: string }[] };
    const again = await runStateMachine(definition(), { period: '2026-10-05' }, handlers(), {
      Execution: { Name: 'run-2026-10-05-b' },
    });
    const collected = again.steps
      .filter((s) => s.state === 'CollectShard')
      .map((s) => s.output as { account: string; status: string; records: number });
    expect(collected).toHaveLength(16);
    // The readable accounts: their checkpoints say every object was read already.
    const readable = collected.filter((c) => c.account !== '333333333333');
    expect(readable.map((c) => [c.status, c.records])).toEqual(Array(12).fill(['ok', 0]));
    const second = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: reportsBucket, Key: 'acme/2026-10-05/analysis.json' }))
      ).Body!.transformToString(),
    ) as { findings: { id: string }[] };
    expect(second.findings.map((f) => f.id)).toEqual(first.findings.map((f) => f.id));
    const outcomes = await listKeys(stagingBucket, 'staging/acme/2026-10-05/outcomes/');
    expect(outcomes).toHaveLength(16);
  }, 300_000);

  it('runs the same Report step from the deployment bundle (esbuild output, Chromium from the bundle)', async () => {
    const [, fn] = Object.entries(template.Resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes('ReportFunction'),
    )!;
    const bundle = path.join(
      outdir,
      `asset.${(fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '')}`,
    );
    const source = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: reportsBucket, Key: 'acme/2026-10-05/manifest.json' }))
      ).Body!.transformToString(),
    ) as { manifest: { reportId: string } };
    const event = {
      step: 'report',
      tenant: 'acme',
      period: '2026-10-05',
      runId: 'run-2026-10-05-b',
      shardsKey: 'staging/acme/2026-10-05/runs/run-2026-10-05-b/shards.json',
    };
    // The Lambda runtime provides the AWS SDK (left out of the bundle): here, the project's copy.
    await symlink(path.resolve('node_modules'), path.join(outdir, 'node_modules')).catch(() => undefined);
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(bundle, 'index.mjs')).href)});
process.stdout.write(JSON.stringify(await handler(JSON.parse(process.argv[1]))));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(event)], {
      encoding: 'utf8',
      env: {
        ...process.env,
        TRAILPROOF_ASSET_ROOT: bundle,
        TRAILPROOF_CHROMIUM_PATH: '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      timeout: 120_000,
    });
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout) as { reportId: string; partialsMerged: number };
    // The bundle builds the very report the source code built from the same staging area.
    expect(out.reportId).toBe(source.manifest.reportId);
    expect(out.partialsMerged).toBeGreaterThan(3);
    const pdf = await s3.send(
      new GetObjectCommand({ Bucket: reportsBucket, Key: 'acme/2026-10-05/report.pdf' }),
    );
    expect(
      Buffer.from(await pdf.Body!.transformToByteArray())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  }, 180_000);
});
