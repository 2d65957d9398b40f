/**
 * @module Tests for the client onboarding stack: the exact role, trust and permissions, the parameters
 * and conditions that make the template work in plain CloudFormation and StackSets, proof that the
 * cdk-nag AwsSolutions checks run and pass with only the three documented acknowledgements, and one
 * synthesis through the real CDK CLI.
 *
 * Apps are built in-process with the feature flags from cdk.json, as in TrailproofStack.test.ts, so the
 * template matches what `cdk synth` produces (the CLI test checks that it does).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayPrefixes, regionsPrefix, type TrailLocation } from '../../functions/core/collect/trailLayout.js';
import { ClientOnboardingStack } from '../../infra/stacks/ClientOnboardingStack.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STACK_NAME = 'TrailproofClientOnboarding';

/** The context cdk.json gives the CLI: feature flags and settings. */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

const tempDirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A fresh app with cdk.json's flags, no asset bundling, and the AwsSolutions checks attached. */
function newApp(): App {
  const app = new App({
    outdir: tempDir('trailproof-onboarding-test-'),
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// --- Template helpers ----------------------------------------------------------------------------

type Json = unknown;
type JsonObject = Record<string, Json>;
interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: Json;
  readonly Condition?: JsonObject;
  readonly Sid?: string;
}

const ref = (name: string) => ({ Ref: name });
const join = (...parts: Json[]) => ({ 'Fn::Join': ['', parts] });
const BUCKET_ARN = join('arn:', ref('AWS::Partition'), ':s3:::', ref('TrailBucketName'));

/** Every statement of every identity policy in the template: role inline policies and AWS::IAM::Policy. */
function allPolicyStatements(template: JsonObject): Statement[] {
  const resources = Object.values(template.Resources as Record<string, JsonObject>);
  const documents: JsonObject[] = [];
  for (const resource of resources) {
    const props = resource.Properties as JsonObject;
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (props.Policies ?? []) as JsonObject[])
        documents.push(policy.PolicyDocument as JsonObject);
    } else if (resource.Type === 'AWS::IAM::Policy') {
      documents.push(props.PolicyDocument as JsonObject);
    }
  }
  return documents.flatMap((doc) => doc.Statement as Statement[]);
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * Evaluates the intrinsics this template uses (Ref, Fn::Join, Fn::Equals/Not/And, Condition) for a
 * set of parameter values, as CloudFormation would.
 */
function evaluate(node: Json, params: Record<string, string>, conditions: JsonObject): Json {
  if (Array.isArray(node)) return node.map((item) => evaluate(item, params, conditions));
  if (node === null || typeof node !== 'object') return node;
  const obj = node as JsonObject;
  if ('Ref' in obj) {
    const name = obj.Ref as string;
    if (name === 'AWS::Partition') return 'aws';
    if (name === 'AWS::URLSuffix') return 'amazonaws.com';
    if (!(name in params)) throw new Error(`no value for parameter ${name}`);
    return params[name];
  }
  if ('Fn::Join' in obj) {
    const [delimiter, parts] = obj['Fn::Join'] as [string, Json[]];
    return parts.map((part) => evaluate(part, params, conditions)).join(delimiter);
  }
  if ('Fn::Equals' in obj) {
    const [a, b] = obj['Fn::Equals'] as [Json, Json];
    return evaluate(a, params, conditions) === evaluate(b, params, conditions);
  }
  if ('Fn::Not' in obj) return !evaluate((obj['Fn::Not'] as Json[])[0], params, conditions);
  if ('Fn::And' in obj) return (obj['Fn::And'] as Json[]).every((c) => evaluate(c, params, conditions));
  if ('Condition' in obj && Object.keys(obj).length === 1) {
    return evaluate(conditions[obj.Condition as string], params, conditions);
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, evaluate(v, params, conditions)]));
}

/** The logical ids of the resources CloudFormation creates for these parameter values. */
function createdResources(template: JsonObject, params: Record<string, string>): string[] {
  const conditions = template.Conditions as JsonObject;
  return Object.entries(template.Resources as Record<string, JsonObject>)
    .filter(([, r]) => r.Condition === undefined || evaluate({ Condition: r.Condition }, params, conditions))
    .map(([id]) => id)
    .sort();
}

/** An IAM StringLike / resource pattern as a regex: `*` any run of characters (including `/`), `?` one. */
function iamGlob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

const matchesAny = (value: string, patterns: readonly string[]) =>
  patterns.some((p) => iamGlob(p).test(value));

const PARAMS = {
  MsspPipelineRoleArn: 'arn:aws:iam::999999999999:role/trailproof-collect',
  ExternalId: '4f1c2a9e0b7d3c6a5e8f1b2c3d4e5f60',
  TrailBucketName: 'acme-cloudtrail-logs-444444444444',
  TrailKeyPrefix: 'o-abc123defg/',
  TrailKmsKeyArn: 'arn:aws:kms:eu-west-1:444444444444:key/0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6',
  RoleName: 'trailproof-reader',
};

// --- Tests ---------------------------------------------------------------------------------------

describe('Stack: ClientOnboardingStack', () => {
  let app: App;
  let stack: ClientOnboardingStack;
  let template: Template;
  let json: JsonObject;

  beforeAll(() => {
    app = newApp();
    stack = new ClientOnboardingStack(app, STACK_NAME);
    template = Template.fromStack(stack);
    json = template.toJSON() as JsonObject;
  });

  describe('cdk-nag', () => {
    interface ValidationReport {
      pluginReports: {
        pluginName: string;
        conclusion: string;
        violations: { ruleName: string; severity: string }[];
        suppressedViolations: { ruleName: string; reason: string; acknowledgedAt: string }[];
      }[];
    }

    /** A fresh synthesis (Template.fromStack cached one) and the validation report it wrote. */
    function synthReport(): ValidationReport {
      const assembly = app.synth({ force: true });
      return JSON.parse(
        readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
      ) as ValidationReport;
    }

    it('synthesizes with no unacknowledged finding of any severity', () => {
      // Act: any unacknowledged error makes synth throw with the report text
      let report: ValidationReport | undefined;
      expect(() => {
        report = synthReport();
      }).not.toThrow();

      // Assess: warnings do not make synth throw once a rule of the plugin is acknowledged (the
      // framework then fails only on errors), so the report is what proves there are none
      expect(report!.pluginReports.map((r) => r.pluginName)).toContain('AwsSolutions');
      for (const pluginReport of report!.pluginReports) {
        expect(pluginReport, pluginReport.pluginName).toMatchObject({
          conclusion: 'success',
          violations: [],
        });
      }
    });

    it('acknowledges exactly the three wildcard resources, each with a reason', () => {
      // Act
      const nag = synthReport().pluginReports.find((r) => r.pluginName === 'AwsSolutions');

      // Assess: the checks ran, found these findings and nothing else was acknowledged
      const suppressed = nag!.suppressedViolations.map((v) => [v.ruleName, v.acknowledgedAt]).sort();
      expect(suppressed).toEqual([
        ['AwsSolutions-IAM5[Resource::*]', `${STACK_NAME}/ReaderRole`],
        [
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<TrailBucketName>/<TrailKeyPrefix>AWSLogs/*/CloudTrail-Digest/*]',
          `${STACK_NAME}/TrailBucketPolicy`,
        ],
        [
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<TrailBucketName>/<TrailKeyPrefix>AWSLogs/*/CloudTrail/*]',
          `${STACK_NAME}/TrailBucketPolicy`,
        ],
      ]);
      for (const violation of nag!.suppressedViolations) expect(violation.reason.length).toBeGreaterThan(80);
    });

    it('fails synth with AwsSolutions-IAM5 when a wildcard is not acknowledged', () => {
      // Prepare: the stack plus one unacknowledged wildcard statement on its role
      const app = newApp();
      const stack = new ClientOnboardingStack(app, STACK_NAME);
      stack.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: ['arn:aws:s3:::other-bucket/*'],
        }),
      );

      // Act + Assess
      expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::other-bucket\/\*\]/);
    });
  });

  describe('template shape', () => {
    it('is a plain CloudFormation template: no bootstrap rule, no CDK metadata, described', () => {
      expect(json.Description).toMatch(/^Trailproof client onboarding: one read-only IAM role/);
      expect(json).not.toHaveProperty('Rules');
      expect(Object.keys(json.Parameters as JsonObject)).not.toContain('BootstrapVersion');
      expect(Object.keys(json.Conditions as JsonObject).sort()).toEqual(['HasTrailBucket', 'HasTrailKmsKey']);
      expect(Object.keys(json).sort()).toEqual([
        'Conditions',
        'Description',
        'Metadata',
        'Outputs',
        'Parameters',
        'Resources',
      ]);
      for (const resource of Object.values(json.Resources as Record<string, JsonObject>)) {
        expect(resource).not.toHaveProperty('Metadata');
      }
    });

    it('creates one role and its two conditional inline policies, nothing else', () => {
      const types = Object.fromEntries(
        Object.entries(json.Resources as Record<string, JsonObject>).map(([id, r]) => [id, r.Type]),
      );
      expect(types).toEqual({
        ReaderRole: 'AWS::IAM::Role',
        TrailBucketPolicy: 'AWS::IAM::Policy',
        TrailKeyPolicy: 'AWS::IAM::Policy',
      });
    });

    it('declares the parameters with their patterns, defaults and NoEcho', () => {
      expect(json.Parameters).toEqual({
        MsspPipelineRoleArn: {
          Type: 'String',
          AllowedPattern: '^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[\\w+=,.@/-]+$',
          ConstraintDescription: expect.any(String),
          Description: expect.any(String),
        },
        ExternalId: {
          Type: 'String',
          NoEcho: true,
          MinLength: 2,
          MaxLength: 1224,
          AllowedPattern: '^[\\w+=,.@:/-]+$',
          ConstraintDescription: expect.any(String),
          Description: expect.any(String),
        },
        TrailBucketName: {
          Type: 'String',
          Default: '',
          MaxLength: 63,
          AllowedPattern: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
          ConstraintDescription: expect.any(String),
          Description: expect.any(String),
        },
        TrailKeyPrefix: {
          Type: 'String',
          Default: '',
          MaxLength: 201,
          AllowedPattern: "^$|^([A-Za-z0-9!_.'()-]+/)+$",
          ConstraintDescription: expect.any(String),
          Description: expect.any(String),
        },
        TrailKmsKeyArn: {
          Type: 'String',
          Default: '',
          AllowedPattern: '^$|^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$',
          ConstraintDescription: expect.any(String),
          Description: expect.any(String),
        },
        RoleName: {
          Type: 'String',
          Default: 'trailproof-reader',
          MinLength: 1,
          MaxLength: 64,
          AllowedPattern: '^[\\w+=,.@-]+$',
          ConstraintDescription: expect.any(String),
          Description: expect.any(String),
        },
      });
    });

    it.each([
      ['MsspPipelineRoleArn', 'arn:aws:iam::999999999999:role/trailproof-collect', true],
      ['MsspPipelineRoleArn', 'arn:aws-us-gov:iam::999999999999:role/service/trailproof-collect', true],
      ['MsspPipelineRoleArn', 'arn:aws:iam::999999999999:root', false],
      ['MsspPipelineRoleArn', 'arn:aws:iam::999999999999:user/alice', false],
      ['MsspPipelineRoleArn', 'arn:aws:iam::99999999999:role/short-account', false],
      ['MsspPipelineRoleArn', '*', false],
      ['ExternalId', '4f1c2a9e0b7d3c6a5e8f1b2c3d4e5f60', true],
      ['ExternalId', 'northwind-acme-7c2f91', true],
      ['ExternalId', 'has space', false],
      ['ExternalId', 'semi;colon', false],
      ['TrailBucketName', '', true],
      ['TrailBucketName', 'acme-cloudtrail-logs-444444444444', true],
      ['TrailBucketName', 'Acme_Logs', false],
      ['TrailBucketName', 'bucket/with/key', false],
      ['TrailKeyPrefix', '', true],
      ['TrailKeyPrefix', 'logs/', true],
      ['TrailKeyPrefix', 'o-abc123defg/', true],
      ['TrailKeyPrefix', 'a/b/', true],
      ['TrailKeyPrefix', 'logs', false],
      ['TrailKeyPrefix', '/logs/', false],
      ['TrailKeyPrefix', 'logs//', false],
      ['TrailKeyPrefix', '*/', false],
      ['TrailKmsKeyArn', '', true],
      ['TrailKmsKeyArn', 'arn:aws:kms:eu-west-1:444444444444:key/0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6', true],
      ['TrailKmsKeyArn', 'arn:aws:kms:eu-west-1:444444444444:key/mrk-1234abcd12ab34cd56ef1234567890ab', true],
      ['TrailKmsKeyArn', 'arn:aws:kms:eu-west-1:444444444444:alias/cloudtrail', false],
      ['TrailKmsKeyArn', '*', false],
      ['RoleName', 'trailproof-reader', true],
      ['RoleName', 'has/slash', false],
    ])('AllowedPattern of %s %s → %s', (name, value, accepted) => {
      // CloudFormation matches the whole value; the patterns are anchored and mean the same in JS regex
      const pattern = (json.Parameters as Record<string, { AllowedPattern: string }>)[name]!.AllowedPattern;
      expect(new RegExp(pattern).test(value)).toBe(accepted);
    });
  });

  describe('role', () => {
    it('trusts only the MSSP pipeline role, with the external id', () => {
      const role = template.findResources('AWS::IAM::Role').ReaderRole!;
      expect(role.Properties.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: ref('MsspPipelineRoleArn') },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': ref('ExternalId') } },
          },
        ],
      });
    });

    it('is named by the parameter, limits sessions to one hour and has no managed policy', () => {
      const role = template.findResources('AWS::IAM::Role').ReaderRole!;
      expect(role.Properties).toMatchObject({ RoleName: ref('RoleName'), MaxSessionDuration: 3600 });
      expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
      expect(role.Properties).not.toHaveProperty('PermissionsBoundary');
      template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    });

    it('always allows the two CloudTrail read APIs, which support only Resource "*"', () => {
      const role = template.findResources('AWS::IAM::Role').ReaderRole!;
      expect(role.Properties.Policies).toEqual([
        {
          PolicyName: 'trailproof-cloudtrail-read',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'CloudTrailApis',
                Effect: 'Allow',
                Action: ['cloudtrail:ListPublicKeys', 'cloudtrail:LookupEvents'],
                Resource: '*',
              },
            ],
          },
        },
      ]);
    });

    it('lists and reads only the CloudTrail and CloudTrail-Digest folders of the trail bucket', () => {
      const policy = template.findResources('AWS::IAM::Policy').TrailBucketPolicy!;
      expect(policy.Condition).toBe('HasTrailBucket');
      expect(policy.Properties).toEqual({
        PolicyName: 'trailproof-trail-bucket-read',
        Roles: [ref('ReaderRole')],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ListTrailFolders',
              Effect: 'Allow',
              Action: 's3:ListBucket',
              Resource: BUCKET_ARN,
              Condition: {
                StringLike: {
                  's3:prefix': [
                    join(ref('TrailKeyPrefix'), 'AWSLogs/*/CloudTrail/*'),
                    join(ref('TrailKeyPrefix'), 'AWSLogs/*/CloudTrail-Digest/*'),
                  ],
                },
              },
            },
            {
              Sid: 'ReadTrailFiles',
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: [
                join(
                  'arn:',
                  ref('AWS::Partition'),
                  ':s3:::',
                  ref('TrailBucketName'),
                  '/',
                  ref('TrailKeyPrefix'),
                  'AWSLogs/*/CloudTrail-Digest/*',
                ),
                join(
                  'arn:',
                  ref('AWS::Partition'),
                  ':s3:::',
                  ref('TrailBucketName'),
                  '/',
                  ref('TrailKeyPrefix'),
                  'AWSLogs/*/CloudTrail/*',
                ),
              ],
            },
            {
              Sid: 'FindBucketRegion',
              Effect: 'Allow',
              Action: 's3:GetBucketLocation',
              Resource: BUCKET_ARN,
            },
          ],
        },
      });
    });

    it('decrypts with the given key only, and only through S3 in any region', () => {
      const policy = template.findResources('AWS::IAM::Policy').TrailKeyPolicy!;
      expect(policy.Condition).toBe('HasTrailKmsKey');
      expect(policy.Properties).toEqual({
        PolicyName: 'trailproof-trail-key-decrypt',
        Roles: [ref('ReaderRole')],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DecryptTrailFilesThroughS3',
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: ref('TrailKmsKeyArn'),
              Condition: { StringLike: { 'kms:ViaService': join('s3.*.', ref('AWS::URLSuffix')) } },
            },
          ],
        },
      });
    });

    it('grants exactly six named actions, all Allow: no wildcard action, no iam:, no NotAction or NotResource', () => {
      const statements = allPolicyStatements(json);
      const actions = statements.flatMap((s) => asArray(s.Action)).sort();
      expect(actions).toEqual([
        'cloudtrail:ListPublicKeys',
        'cloudtrail:LookupEvents',
        'kms:Decrypt',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:ListBucket',
      ]);
      expect(actions.filter((a) => a.includes('*') || a.startsWith('iam:'))).toEqual([]);
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        expect(statement).not.toHaveProperty('NotAction');
        expect(statement).not.toHaveProperty('NotResource');
      }
    });
  });

  describe('conditions', () => {
    it.each([
      ['no bucket: LookupEvents only', { TrailBucketName: '', TrailKmsKeyArn: '' }, ['ReaderRole']],
      [
        'no bucket, a key: the key is ignored',
        { TrailBucketName: '', TrailKmsKeyArn: PARAMS.TrailKmsKeyArn },
        ['ReaderRole'],
      ],
      [
        'a bucket, no key: SSE-S3 trail',
        { TrailBucketName: PARAMS.TrailBucketName, TrailKmsKeyArn: '' },
        ['ReaderRole', 'TrailBucketPolicy'],
      ],
      [
        'a bucket and a key: SSE-KMS trail',
        { TrailBucketName: PARAMS.TrailBucketName, TrailKmsKeyArn: PARAMS.TrailKmsKeyArn },
        ['ReaderRole', 'TrailBucketPolicy', 'TrailKeyPolicy'],
      ],
    ])('%s', (_name, values, expected) => {
      expect(createdResources(json, { ...PARAMS, ...values })).toEqual(expected);
    });

    it('lets the collector list and read every place it reads, and nothing beside it', () => {
      // Prepare: the bucket policy with real parameter values, and the collector's own key layout
      const conditions = json.Conditions as JsonObject;
      const policy = evaluate(
        template.findResources('AWS::IAM::Policy').TrailBucketPolicy!.Properties.PolicyDocument,
        PARAMS,
        conditions,
      ) as { Statement: Statement[] };
      const [list, read] = policy.Statement;
      const listPatterns = (list!.Condition as { StringLike: { 's3:prefix': string[] } }).StringLike[
        's3:prefix'
      ];
      const objectArns = read!.Resource as string[];
      expect(list!.Resource).toBe(`arn:aws:s3:::${PARAMS.TrailBucketName}`);
      expect(objectArns).toContain(
        `arn:aws:s3:::${PARAMS.TrailBucketName}/o-abc123defg/AWSLogs/*/CloudTrail/*`,
      );
      const window = { startMs: Date.UTC(2026, 5, 1), endMs: Date.UTC(2026, 5, 3) };
      const locations: TrailLocation[] = [
        // organization trail (tenant config prefix without the slash, as CloudTrail shows it)
        {
          bucket: PARAMS.TrailBucketName,
          prefix: 'o-abc123defg',
          organizationId: 'o-abc123defg',
          account: '111111111111',
        },
        // account trail in the same bucket
        { bucket: PARAMS.TrailBucketName, prefix: 'o-abc123defg/', account: '222222222222' },
      ];
      const listed = locations.flatMap((location) => [
        regionsPrefix(location),
        regionsPrefix(location, 'CloudTrail-Digest'),
        ...dayPrefixes(location, ['eu-west-1', 'us-east-1'], window).map((d) => d.prefix),
        ...dayPrefixes(location, ['eu-west-1'], window, 'CloudTrail-Digest').map((d) => d.prefix),
      ]);
      const objectKey = (prefix: string, file: string) =>
        `arn:aws:s3:::${PARAMS.TrailBucketName}/${prefix}${file}`;

      // Assess: every listing and every file under those prefixes is allowed
      expect(listed.length).toBeGreaterThan(10);
      for (const prefix of listed) {
        expect(matchesAny(prefix, listPatterns), prefix).toBe(true);
        expect(
          matchesAny(objectKey(prefix, 'x_CloudTrail_eu-west-1_20260601T0000Z_a.json.gz'), objectArns),
        ).toBe(true);
      }
      // … and what else shares a log archive bucket is not
      const elsewhere = [
        '',
        'o-abc123defg/',
        'o-abc123defg/AWSLogs/',
        'AWSLogs/111111111111/CloudTrail/',
        'o-abc123defg/AWSLogs/111111111111/Config/eu-west-1/2026/6/1/ConfigHistory/',
        'o-abc123defg/AWSLogs/111111111111/vpcflowlogs/eu-west-1/2026/06/01/',
        'other/AWSLogs/o-abc123defg/111111111111/CloudTrail/eu-west-1/',
      ];
      for (const prefix of elsewhere) {
        expect(matchesAny(prefix, listPatterns), prefix).toBe(false);
        expect(matchesAny(objectKey(prefix, 'file.json.gz'), objectArns), prefix).toBe(false);
      }
    });
  });

  describe('outputs', () => {
    it('outputs the role ARN, a reminder about the external id and the access mode', () => {
      expect(Object.keys(json.Outputs as JsonObject).sort()).toEqual([
        'AccessMode',
        'ExternalIdReminder',
        'RoleArn',
      ]);
      template.hasOutput('RoleArn', { Value: { 'Fn::GetAtt': ['ReaderRole', 'Arn'] } });
      expect((json.Outputs as Record<string, JsonObject>).ExternalIdReminder?.Value).toMatch(/external id/);
      template.hasOutput('AccessMode', {
        Value: {
          'Fn::If': [
            'HasTrailBucket',
            join(
              'CloudTrail LookupEvents and the trail files in s3://',
              ref('TrailBucketName'),
              '/',
              ref('TrailKeyPrefix'),
              'AWSLogs/',
            ),
            'CloudTrail LookupEvents only (no trail bucket given)',
          ],
        },
      });
    });

    it('uses the external id in the trust policy only, never in an output', () => {
      const text = JSON.stringify(json);
      expect(text.match(/\{"Ref":"ExternalId"\}/g)).toHaveLength(1);
      expect(JSON.stringify(json.Outputs)).not.toContain('"Ref":"ExternalId"');
    });
  });
});

describe('CLI: cdk synth -a "npx tsx infra/onboarding.ts"', () => {
  it('writes a template that parses and equals the tested one', { timeout: 90_000 }, async () => {
    // Prepare
    const outdir = tempDir('trailproof-onboarding-cli-');
    const env = {
      ...process.env,
      CI: 'true',
      CDK_DISABLE_VERSION_CHECK: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    };

    // Act: the real CLI, with cdk.json's flags, offline-safe (no version check, notices or telemetry)
    await promisify(execFile)(
      'npx',
      ['cdk', 'synth', '-a', 'npx tsx infra/onboarding.ts', '--quiet', '--no-notices', '--output', outdir],
      { cwd: REPO_ROOT, env, timeout: 80_000, maxBuffer: 16 * 1024 * 1024 },
    );

    // Assess
    const cliTemplate = JSON.parse(
      readFileSync(path.join(outdir, `${STACK_NAME}.template.json`), 'utf8'),
    ) as JsonObject;
    expect((cliTemplate.Resources as Record<string, JsonObject>).ReaderRole?.Type).toBe('AWS::IAM::Role');
    const inProcess = Template.fromStack(new ClientOnboardingStack(newApp(), STACK_NAME)).toJSON();
    expect(cliTemplate).toEqual(inProcess);
  });
});
