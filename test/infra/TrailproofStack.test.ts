/**
 * @module Tests for the CDK app foundation: report storage properties, input validation, and proof
 * that the cdk-nag AwsSolutions checks run and pass.
 *
 * Apps are built in-process with the feature flags from cdk.json, so the template matches what
 * `cdk synth` produces, and with bundling switched off to keep the suite fast.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlText } from '../../functions/adapters/fs/readYamlDocument.js';
import { parseTenantConfig, type TenantConfig } from '../../functions/core/config/tenantConfig.js';
import { ReportStorage } from '../../infra/constructs/ReportStorage.js';
import { TrailproofStack } from '../../infra/stacks/TrailproofStack.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO_TENANT_FILE = path.join(REPO_ROOT, 'examples/demo-tenant.yaml');
const ENV = { account: '111111111111', region: 'eu-west-1' };

/** The context cdk.json gives the CLI: feature flags and settings. */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

const outdirs: string[] = [];

/** A fresh app with cdk.json's flags, no asset bundling, and the AwsSolutions checks attached. */
function newApp(): App {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'trailproof-cdk-test-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}

function demoTenant(): TenantConfig {
  return parseTenantConfig(parseYamlText(readFileSync(DEMO_TENANT_FILE, 'utf8'), DEMO_TENANT_FILE), 'demo');
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('Stack: TrailproofStack', () => {
  let app: App;
  let stack: TrailproofStack;
  let template: Template;
  let reportsBucketId: string;
  let accessLogBucketId: string;
  let keyId: string;

  beforeAll(() => {
    app = newApp();
    stack = new TrailproofStack(app, 'Trailproof', { env: ENV, tenants: [demoTenant()] });
    template = Template.fromStack(stack);
    const { storage } = stack;
    const logicalId = (resource: { node: { defaultChild?: unknown } }) =>
      stack.getLogicalId(resource.node.defaultChild as CfnElement);
    reportsBucketId = logicalId(storage.reportsBucket);
    accessLogBucketId = logicalId(storage.accessLogBucket);
    keyId = logicalId(storage.key);
  });

  it('synthesizes with no cdk-nag AwsSolutions findings', () => {
    // Act + Assess: force a fresh synthesis (Template.fromStack cached one); any unacknowledged
    // finding makes it throw with the report text
    expect(() => app.synth({ force: true })).not.toThrow();
  });

  it('creates exactly the shared resources when no tenant pipeline is given', () => {
    // Reports, staging and access-log buckets; keys for reports, staging, manifest signing and
    // the operations topic/queue; no roles or policies without a tenant pipeline.
    template.resourceCountIs('AWS::S3::Bucket', 3);
    template.resourceCountIs('AWS::S3::BucketPolicy', 3);
    template.resourceCountIs('AWS::KMS::Key', 4);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('makes the reports bucket versioned, Object Lock protected for 365 days and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        VersioningConfiguration: { Status: 'Enabled' },
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } },
        },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(
      Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } })),
    ).toEqual([reportsBucketId]);
  });

  it('encrypts the reports bucket with the customer-managed key and a bucket key', () => {
    const reports = template.findResources('AWS::S3::Bucket')[reportsBucketId];
    expect(reports?.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
          },
        },
      ],
    });
  });

  it('sends the reports bucket access logs to the log bucket under reports/', () => {
    const reports = template.findResources('AWS::S3::Bucket')[reportsBucketId];
    expect(reports?.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: accessLogBucketId },
      LogFilePrefix: 'reports/',
    });
    // The log bucket admits S3 log delivery from the reports bucket only, through its policy (no ACLs).
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: accessLogBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [reportsBucketId, 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': ENV.account },
            },
          }),
        ]),
      },
    });
  });

  it('blocks all public access and denies plain HTTP on both buckets', () => {
    for (const bucketId of [reportsBucketId, accessLogBucketId]) {
      const bucket = template.findResources('AWS::S3::Bucket')[bucketId];
      expect(bucket?.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('keeps the access-log bucket SSE-S3 encrypted, versioned and expiring', () => {
    const logBucket = template.findResources('AWS::S3::Bucket')[accessLogBucketId];
    expect(logBucket?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({
            Status: 'Enabled',
            ExpirationInDays: 365,
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          }),
        ]),
      },
    });
    expect(logBucket?.DeletionPolicy).toBe('Retain');
  });

  it('rotates the KMS key', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
    });
  });

  it('outputs the reports bucket name', () => {
    template.hasOutput('ReportsBucketName', { Value: { Ref: reportsBucketId } });
  });
});

describe('Construct: ReportStorage', () => {
  it('applies a custom retention to Object Lock and the access logs', () => {
    // Prepare
    const stack = new Stack(newApp(), 'Storage', { env: ENV });

    // Act
    new ReportStorage(stack, 'ReportStorage', { retentionDays: 730, accessLogRetentionDays: 90 });

    // Assess
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 730 } },
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 90 })]) },
    });
  });

  it.each([0, -1, 3651, 1.5, Number.NaN])('throws when retentionDays is %s', (retentionDays) => {
    const stack = new Stack(newApp(), 'Storage', { env: ENV });
    expect(() => new ReportStorage(stack, 'ReportStorage', { retentionDays })).toThrow(
      `retentionDays must be a whole number of days between 1 and 3650, got ${retentionDays}`,
    );
  });

  it('throws when accessLogRetentionDays is out of range', () => {
    const stack = new Stack(newApp(), 'Storage', { env: ENV });
    expect(() => new ReportStorage(stack, 'ReportStorage', { accessLogRetentionDays: 0 })).toThrow(
      /^accessLogRetentionDays must be .* got 0$/,
    );
  });
});

describe('Validation: tenants', () => {
  it('throws when two tenants share an id', () => {
    const tenant = demoTenant();
    const copy = { ...tenant, name: 'Acme Robotics (copy)' };
    expect(() => new TrailproofStack(newApp(), 'Trailproof', { env: ENV, tenants: [tenant, copy] })).toThrow(
      /^tenant id "acme" is used by more than one tenant config/,
    );
  });

  it('throws when no tenant is given', () => {
    expect(() => new TrailproofStack(newApp(), 'Trailproof', { env: ENV, tenants: [] })).toThrow(
      /^tenants must contain at least one tenant config/,
    );
  });
});

describe('Validation: cdk-nag', () => {
  it('fails synth with AwsSolutions-S1 for a bare bucket', () => {
    // Prepare: a throwaway stack that breaks the access-logging rule
    const app = newApp();
    const stack = new Stack(app, 'Throwaway', { env: ENV });
    new s3.Bucket(stack, 'Bare');

    // Act + Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});
