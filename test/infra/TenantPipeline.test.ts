/**
 * @module The scheduled multi-tenant pipeline as synthesized: per-tenant schedules, the workflow
 * with its Distributed Map, functions, IAM scoped to each tenant (actual statements), storage,
 * alarms; cdk-nag clean from the validation report; and the real esbuild bundles, run.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlText } from '../../functions/adapters/fs/readYamlDocument.js';
import { parseTenantConfig, type TenantConfig } from '../../functions/core/config/tenantConfig.js';
import { MAX_TENANTS_PER_STACK, TrailproofStack } from '../../infra/stacks/TrailproofStack.js';
import { freshBucket, s3ProcessEnv, s3TestClient, s3TestServer } from '../helpers/s3Client.js';

const ENV = { account: '999999999999', region: 'eu-west-1' };
const CONTEXT = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> })
  .context;
const dirs: string[] = [];
const temp = (prefix: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

const GLOBEX_YAML = `id: globex
name: Globex
mssp: { name: Northwind Security }
accounts:
  - id: "555555555555"
    name: globex-prod
    environment: prod
    source: { lookupEvents: true }
    roleArn: arn:aws:iam::555555555555:role/trailproof-reader
    externalId: northwind-globex-1b2c3d
regions: [us-east-2]
schedule:
  cron: "30 5 ? * MON-FRI *"
  period: daily
  timezone: America/Chicago
recipients:
  - email: ciso@globex.example
sharing:
  linkExpiry: 12h
  notify:
    ses:
      from: reports@northwind.example
      configurationSet: trailproof
`;

function load(file: string): TenantConfig {
  return parseTenantConfig(parseYamlText(readFileSync(file, 'utf8'), file), file);
}

function tenantFiles(): Record<string, string> {
  const dir = temp('trailproof-tenants-');
  const globex = path.join(dir, 'globex.yaml');
  writeFileSync(globex, GLOBEX_YAML);
  return { acme: 'examples/demo-tenant.yaml', globex };
}

function synthStack(files: Record<string, string>, bundling = false) {
  const outdir = temp('trailproof-cdk-');
  const app = new App({
    outdir,
    context: { ...CONTEXT, ...(bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const tenants = Object.values(files).map(load);
  const stack = new TrailproofStack(app, 'Trailproof', { env: ENV, tenants, tenantConfigFiles: files });
  app.synth();
  return { app, stack, outdir, template: Template.fromStack(stack) };
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Effect: string;
};

describe('Stack: TrailproofStack with two tenants', () => {
  let synth: ReturnType<typeof synthStack>;
  const policyOf = (roleIdFragment: string): Statement[] => {
    const policies = synth.template.findResources('AWS::IAM::Policy');
    return Object.values(policies)
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.includes(roleIdFragment)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  };
  const logicalId = (type: string, fragment: string) => {
    const id = Object.keys(synth.template.findResources(type)).find((k) => k.includes(fragment));
    if (!id) throw new Error(`no ${type} with ${fragment}`);
    return id;
  };

  beforeAll(() => {
    synth = synthStack(tenantFiles());
  });

  it('passes the cdk-nag AwsSolutions checks with no open finding', () => {
    const report = JSON.parse(readFileSync(path.join(synth.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: {
        conclusion: string;
        violations: unknown[];
        suppressedViolations: { reason: string }[];
      }[];
    };
    for (const plugin of report.pluginReports) {
      expect(plugin.violations).toEqual([]);
      expect(plugin.conclusion).toBe('success');
      // Every acknowledgement carries a written reason.
      for (const s of plugin.suppressedViolations) expect(s.reason.length).toBeGreaterThan(30);
    }
  });

  it('schedules each tenant in its own time zone, with a flexible window, retries and a dead-letter queue', () => {
    const schedules = Object.values(synth.template.findResources('AWS::Scheduler::Schedule')).map(
      (s) => s.Properties,
    );
    expect(schedules.map((s) => [s.ScheduleExpression, s.ScheduleExpressionTimezone]).sort()).toEqual([
      ['cron(0 6 1 * ? *)', 'Europe/Berlin'],
      ['cron(30 5 ? * MON-FRI *)', 'America/Chicago'],
    ]);
    const dlq = logicalId('AWS::SQS::Queue', 'ScheduleDeadLetterQueue');
    for (const s of schedules) {
      expect(s.FlexibleTimeWindow).toEqual({ Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 });
      expect(s.Target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 5 });
      expect(s.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
      expect(JSON.parse(s.Target.Input)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
    }
  });

  it('fans collection out with a Distributed Map at the set concurrency, then reports', () => {
    const machine = synth.template.findResources('AWS::StepFunctions::StateMachine')[
      logicalId('AWS::StepFunctions::StateMachine', 'acme')
    ];
    const parts = (machine!.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ][1];
    // Every intrinsic (function ARNs, the partition, the bucket) sits inside a JSON string.
    const definition = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'X')).join(''));
    expect(Object.keys(definition.States)).toEqual(['Plan', 'CollectShards', 'Report', 'Share', 'Published']);
    expect(definition.States.Share.Parameters).toEqual({
      step: 'share',
      tenant: 'acme',
      'period.$': '$.plan.period',
    });
    const map = definition.States.CollectShards;
    expect(map).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 10,
      // Items come from the plan's list in staging, so no state payload limits the shard count;
      // the map keeps nothing of its items' results.
      ItemReader: {
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.plan.stagingBucket', 'Key.$': '$.plan.shardsKey' },
      },
      ResultPath: null,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    // A failed shard is caught and recorded in staging, so the run goes on to the report.
    expect(map.ItemProcessor.States.CollectShard.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'KeepShard' },
    ]);
    expect(map.ItemProcessor.States.RecordShardFailure.Parameters['Key.$']).toBe(
      "States.Format('staging/acme/{}/runs/{}/failures/{}.json', $.shard.period, $.shard.runId, $.shard.name)",
    );
    expect(definition.States.Report.Parameters).toMatchObject({ 'shardsKey.$': '$.plan.shardsKey' });
    // The tenant is fixed by the definition, not taken from the (startable) input.
    expect(definition.States.Plan.Parameters).toMatchObject({ step: 'plan', tenant: 'acme', 'input.$': '$' });
    expect(machine?.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine?.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL' });
  });

  it('runs collection on arm64 and rendering on x86_64, both Node 24, sized and with kept logs', () => {
    const fns = synth.template.findResources('AWS::Lambda::Function');
    const work = fns[logicalId('AWS::Lambda::Function', 'acmeWorkFunction')]?.Properties;
    const report = fns[logicalId('AWS::Lambda::Function', 'acmeReportFunction')]?.Properties;
    expect(work).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1769,
      Timeout: 900,
    });
    expect(report).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      MemorySize: 3008,
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
      EphemeralStorage: { Size: 2048 },
    });
    expect(report.Environment.Variables).toMatchObject({
      TRAILPROOF_TENANTS_DIR: '/opt/tenants',
      SIGNING_KEY_ARN: { 'Fn::GetAtt': [logicalId('AWS::KMS::Key', 'ManifestSigningKey'), 'Arn'] },
    });
    synth.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    synth.template.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
    });
  });

  it("lets a tenant's collector assume only its client roles, with their ExternalId, and stage only under its prefix", () => {
    const staging = logicalId('AWS::S3::Bucket', 'StagingStorageBucket');
    const statements = policyOf('acmeWorkRole');
    expect(statements.filter((s) => s.Action === 'sts:AssumeRole')).toEqual([
      {
        Sid: 'AssumeClientRole0',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: 'arn:aws:iam::444444444444:role/trailproof-reader',
        Condition: { StringEquals: { 'sts:ExternalId': 'northwind-acme-7c2f91' } },
      },
    ]);
    expect(statements.find((s) => s.Sid === 'StageOwnRecords')).toEqual({
      Sid: 'StageOwnRecords',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [staging, 'Arn'] }, '/staging/acme/*']] },
    });
    expect(statements.find((s) => s.Sid === 'ListOwnStaging')).toEqual({
      Sid: 'ListOwnStaging',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: { 'Fn::GetAtt': [staging, 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['staging/acme/', 'staging/acme/*'] } },
    });
    // Nothing of the other tenant, no wildcard action, no s3:* anywhere.
    const text = JSON.stringify(statements);
    expect(text).not.toContain('globex');
    expect(text).not.toContain('555555555555');
    for (const s of statements) for (const a of [s.Action].flat()) expect(a).not.toMatch(/\*$|^\*/);
    expect(JSON.stringify(policyOf('globexWorkRole'))).not.toContain('acme');
    // The collector role has a fixed name: clients' trust policies name it.
    synth.template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'trailproof-acme-collector' });
  });

  it('lets the report function publish only under its tenant prefix and sign with the manifest key', () => {
    const reports = logicalId('AWS::S3::Bucket', 'ReportsBucket');
    const statements = policyOf('acmeReportRole');
    expect(statements.find((s) => s.Sid === 'PublishOwnReports')).toEqual({
      Sid: 'PublishOwnReports',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [reports, 'Arn'] }, '/acme/*']] },
    });
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:GetPublicKey', 'kms:Sign'],
      Resource: { 'Fn::GetAtt': [logicalId('AWS::KMS::Key', 'ManifestSigningKey'), 'Arn'] },
    });
    expect(statements.some((s) => [s.Action].flat().includes('sts:AssumeRole'))).toBe(false);
    // Its own report key only: not the shared bucket key, not another tenant's key.
    const acmeKey = logicalId('AWS::KMS::Key', 'acmeReportKey');
    const keys = new Set(
      statements
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')))
        .flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r))),
    );
    const arnOf = (fragment: string) =>
      JSON.stringify({ 'Fn::GetAtt': [logicalId('AWS::KMS::Key', fragment), 'Arn'] });
    expect(keys).toEqual(
      new Set([arnOf('StagingStorageKey'), arnOf('acmeReportKey'), arnOf('ManifestSigningKey')]),
    );
    const fn =
      synth.template.findResources('AWS::Lambda::Function')[
        logicalId('AWS::Lambda::Function', 'acmeReportFunction')
      ];
    expect(fn?.Properties.Environment.Variables.REPORTS_KMS_KEY_ARN).toEqual({
      'Fn::GetAtt': [acmeKey, 'Arn'],
    });
    // The bucket refuses objects under acme/ that are not encrypted with acme's key.
    const bucketPolicy = Object.values(synth.template.findResources('AWS::S3::BucketPolicy')).find((p) =>
      JSON.stringify(p.Properties.Bucket).includes(reports),
    );
    expect(bucketPolicy?.Properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'RequireTenantKeyacme',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [reports, 'Arn'] }, '/acme/*']] },
      Condition: {
        StringNotEquals: {
          's3:x-amz-server-side-encryption-aws-kms-key-id': { 'Fn::GetAtt': [acmeKey, 'Arn'] },
        },
      },
    });
    expect(JSON.stringify(statements)).not.toContain('globex');
  });

  it("may send the tenant's notification from its SES sender only, and publish to a topic when that is the channel", () => {
    const statements = policyOf('globexReportRole');
    expect(statements.find((s) => s.Sid === 'NotifyByEmail')).toEqual({
      Sid: 'NotifyByEmail',
      Effect: 'Allow',
      Action: 'ses:SendEmail',
      Resource: [
        'arn:aws:ses:eu-west-1:999999999999:configuration-set/trailproof',
        'arn:aws:ses:eu-west-1:999999999999:identity/*',
      ],
      Condition: { StringEquals: { 'ses:FromAddress': 'reports@northwind.example' } },
    });
    // acme has no notification configured: no SES or SNS right at all.
    expect(JSON.stringify(policyOf('acmeReportRole'))).not.toMatch(/ses:|sns:Publish/);

    const dir = temp('trailproof-sns-');
    const file = path.join(dir, 'globex.yaml');
    const topic = 'arn:aws:sns:eu-west-1:999999999999:globex-reports';
    writeFileSync(file, GLOBEX_YAML.replace(/ {4}ses:\n.*\n.*\n/, `    sns:\n      topicArn: ${topic}\n`));
    const sns = synthStack({ globex: file });
    const published = Object.values(sns.template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(published.filter((s) => s.Sid === 'NotifyTopic')).toEqual([
      { Sid: 'NotifyTopic', Effect: 'Allow', Action: 'sns:Publish', Resource: topic },
    ]);
  });

  it('keeps staged records encrypted, private and expiring', () => {
    const staging =
      synth.template.findResources('AWS::S3::Bucket')[logicalId('AWS::S3::Bucket', 'StagingStorageBucket')];
    expect(staging?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }],
      },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: 70, Status: 'Enabled' })],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
      },
    });
  });

  it('alarms on failed runs, function errors and undeliverable schedules to the encrypted topic', () => {
    const alarms = Object.values(synth.template.findResources('AWS::CloudWatch::Alarm'));
    // Per tenant: failed runs and function errors; shared: the dead-letter queue.
    expect(alarms).toHaveLength(5);
    const topic = logicalId('AWS::SNS::Topic', 'AlarmTopic');
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    synth.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    synth.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('Stack validation', () => {
  it('refuses a client role without an ExternalId', () => {
    const dir = temp('trailproof-bad-');
    const file = path.join(dir, 'globex.yaml');
    writeFileSync(file, GLOBEX_YAML.replace('    externalId: northwind-globex-1b2c3d\n', ''));
    expect(() => synthStack({ globex: file })).toThrow(/555555555555 has a roleArn but no externalId/);
  });

  it('refuses more tenants than one stack can hold', () => {
    const dir = temp('trailproof-many-');
    const files: Record<string, string> = {};
    for (let i = 0; i <= MAX_TENANTS_PER_STACK; i++) {
      const file = path.join(dir, `t${i}.yaml`);
      writeFileSync(file, GLOBEX_YAML.replace('id: globex', `id: t${i}`));
      files[`t${i}`] = file;
    }
    expect(() => synthStack(files)).toThrow(/exceed 18 per stack/);
  });
});

describe('The bundled functions', () => {
  it('are built by local esbuild with their data files and Chromium, and the bundled plan step runs', async () => {
    const { template, outdir } = synthStack({ acme: 'examples/demo-tenant.yaml' }, true);
    const fns = template.findResources('AWS::Lambda::Function');
    const asset = (fragment: string) => {
      const [, fn] = Object.entries(fns).find(([id]) => id.includes(fragment)) ?? [];
      return path.join(outdir, `asset.${(fn!.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
    };
    const work = asset('WorkFunction');
    const report = asset('ReportFunction');
    for (const file of [
      'index.mjs',
      'templates/report.hbs',
      'functions/core/controls/catalog',
      'functions/core/controls/rules',
    ])
      expect(existsSync(path.join(report, file)), file).toBe(true);
    expect(existsSync(path.join(report, 'node_modules/@sparticuz/chromium/bin'))).toBe(true);
    expect(existsSync(path.join(report, 'node_modules/@fontsource/inter/files'))).toBe(true);
    expect(existsSync(path.join(work, 'node_modules/@sparticuz/chromium'))).toBe(false);
    // The bundle, not the source: plan a run the way Lambda would call it.
    const [layer] = Object.values(template.findResources('AWS::Lambda::LayerVersion'));
    const layerDir = path.join(
      outdir,
      `asset.${(layer!.Properties.Content.S3Key as string).replace(/\.zip$/, '')}`,
    );
    // The Lambda runtime provides the AWS SDK (left out of the bundle): here, the project's copy.
    symlinkSync(path.resolve('node_modules'), path.join(outdir, 'node_modules'));
    const server = await s3TestServer();
    const staging = await freshBucket('bundle-staging');
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(path.join(work, 'index.mjs')).href)});
process.stdout.write(JSON.stringify(await handler(JSON.parse(process.argv[1]))));`;
    const event = {
      step: 'plan',
      tenant: 'acme',
      runId: 'r1',
      input: { scheduledTime: '2026-12-01T05:00:00Z' },
    };
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(event)], {
      encoding: 'utf8',
      env: {
        ...process.env,
        TRAILPROOF_TENANTS_DIR: path.join(layerDir, 'tenants'),
        TRAILPROOF_ASSET_ROOT: work,
        STAGING_BUCKET: staging,
        ...s3ProcessEnv(server),
      },
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    const plan = JSON.parse(child.stdout) as { period: string; shardCount: number; shardsKey: string };
    expect(plan.period).toBe('2026-11');
    // Four accounts × two regions × (30 days of November + 1 December, whose files hold its last events).
    expect(plan.shardCount).toBe(4 * 2 * 31);
    const list = await s3TestClient().send(new GetObjectCommand({ Bucket: staging, Key: plan.shardsKey }));
    const items = JSON.parse(await list.Body!.transformToString()) as { day: string; name: string }[];
    expect(items).toHaveLength(plan.shardCount);
    expect(new Set(items.map((i) => i.day)).size).toBe(31);
    expect([items[0]!.day, items.at(-1)!.day]).toEqual(['2026-11-01', '2026-12-01']);
    expect(new Set(items.map((i) => i.name)).size).toBe(items.length);
  }, 180_000);
});

describe('CLI: cdk synth of the deployment app', () => {
  it('synthesizes two tenants offline with the real CLI, bundles built and cdk-nag clean', async () => {
    const files = tenantFiles();
    const outdir = temp('trailproof-cdk-cli-');
    const run = spawnSync(
      'npx',
      [
        'cdk',
        'synth',
        '--quiet',
        '--no-notices',
        '--output',
        outdir,
        '-c',
        `tenants=${files.acme},${files.globex}`,
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          CI: 'true',
          CDK_DISABLE_VERSION_CHECK: 'true',
          CDK_DISABLE_CLI_TELEMETRY: 'true',
        },
        timeout: 150_000,
      },
    );
    expect(run.stderr).not.toMatch(/AwsSolutions-|Error/);
    expect(run.status).toBe(0);
    const template = JSON.parse(readFileSync(path.join(outdir, 'Trailproof.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::StepFunctions::StateMachine')).toHaveLength(2);
    expect(types.filter((t) => t === 'AWS::Scheduler::Schedule')).toHaveLength(2);
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    for (const plugin of report.pluginReports) expect(plugin.violations).toEqual([]);
  }, 180_000);
});
