/**
 * @module The client onboarding stack: deployed by an MSSP's client in its own account (or across its
 * organization with CloudFormation StackSets), it creates one read-only role that the MSSP's Trailproof
 * pipeline assumes, with an external id, to read the client's CloudTrail. Nothing else.
 *
 * Every input is a CloudFormation parameter, so the synthesized template is deployable without CDK and
 * works as a StackSet template. `infra/onboarding.ts` synthesizes it (`npm run synth:onboarding`).
 */
import {
  Aws,
  CfnCondition,
  CfnOutput,
  CfnParameter,
  DefaultStackSynthesizer,
  Duration,
  Fn,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** The role name the docs and the tenant config examples use. */
const DEFAULT_ROLE_NAME = 'trailproof-reader';

const DESCRIPTION =
  "Trailproof client onboarding: one read-only IAM role that lets your MSSP's Trailproof pipeline read " +
  "this account's CloudTrail (CloudTrail LookupEvents and, when a trail bucket is given, the trail's log " +
  'and digest files), assumed with an external id. It grants nothing else.';

/** Where CloudTrail writes under `AWSLogs/`: log files and digest files; nothing else is readable. */
const TRAIL_FOLDERS = ['CloudTrail', 'CloudTrail-Digest'] as const;

/**
 * Parameter patterns. CloudFormation uses Java regex syntax; these are anchored and mean the same in
 * JavaScript, which the tests rely on.
 */
const PATTERNS = {
  /** An IAM role ARN in any partition, with an optional path. */
  msspPipelineRoleArn: '^arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[\\w+=,.@/-]+$',
  /** The characters STS accepts in an external id. */
  externalId: '^[\\w+=,.@:/-]+$',
  /** Empty, or an S3 bucket name. */
  trailBucketName: '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
  /**
   * Empty, or the trail's key prefix followed by a slash (`logs/`, `o-abc123defg/`). The characters are
   * S3's safe key characters minus `*`, so the prefix cannot widen the policy's wildcards.
   */
  trailKeyPrefix: "^$|^([A-Za-z0-9!_.'()-]+/)+$",
  /** Empty, or a KMS key ARN (an alias ARN does not work in a policy's Resource). */
  trailKmsKeyArn: '^$|^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$',
  /** IAM role name characters. */
  roleName: '^[\\w+=,.@-]+$',
} as const;

/** The IAM5 findings the role's policies are expected to raise, each with its reason. */
const WILDCARD_ACKNOWLEDGEMENTS = {
  cloudTrailApis: {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudtrail:LookupEvents and cloudtrail:ListPublicKeys do not support resource-level permissions: ' +
      'the Service Authorization Reference lists no resource type for them, so "*" is the only valid Resource',
  },
  trailObjects: TRAIL_FOLDERS.map((folder) => ({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<TrailBucketName>/<TrailKeyPrefix>AWSLogs/*/${folder}/*]`,
    reason:
      `the trail writes one object per account, region and delivery under AWSLogs/[<org-id>/]<account>/${folder}/; ` +
      'the wildcards cover the organization and account levels and the region/date key layout, and nothing ' +
      `outside the ${folder} folders (AWS Config, flow or load balancer logs that share the bucket stay unreadable)`,
  })),
} as const;

type ClientOnboardingStackProps = StackProps;

/**
 * The role a client account gives the MSSP's Trailproof pipeline.
 *
 * Parameters: `MsspPipelineRoleArn` (the only principal trusted), `ExternalId` (required on every
 * AssumeRole), `TrailBucketName` (empty: CloudTrail LookupEvents only), `TrailKeyPrefix`,
 * `TrailKmsKeyArn` (empty: the trail is not KMS-encrypted) and `RoleName`.
 *
 * The role can call `cloudtrail:LookupEvents` and `cloudtrail:ListPublicKeys`; with a bucket it can
 * also list and read the trail's log and digest files and find the bucket's region; with a key it can
 * decrypt through S3 only. Its sessions last at most an hour.
 *
 * The stack needs no CDK bootstrap: the synthesizer writes no bootstrap version rule, and analytics
 * metadata is off.
 *
 * @example
 * const app = new App();
 * new ClientOnboardingStack(app, 'TrailproofClientOnboarding');
 */
class ClientOnboardingStack extends Stack {
  /** The read-only role the MSSP assumes. */
  readonly role: iam.Role;
  /** The conditional policy that reads the trail bucket, created when `TrailBucketName` is not empty. */
  readonly trailBucketPolicy: iam.Policy;
  /** The conditional policy that decrypts trail files, created when a bucket and a key ARN are given. */
  readonly trailKeyPolicy: iam.Policy;

  constructor(scope: Construct, id: string, props: ClientOnboardingStackProps = {}) {
    super(scope, id, {
      ...props,
      description: props.description ?? DESCRIPTION,
      // Clients deploy the template with plain CloudFormation: no bootstrap stack, no CDK metadata.
      synthesizer: props.synthesizer ?? new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: props.analyticsReporting ?? false,
    });

    // --- Parameters ---------------------------------------------------------------------------------
    const msspPipelineRoleArn = new CfnParameter(this, 'MsspPipelineRoleArn', {
      type: 'String',
      description:
        "ARN of the MSSP's Trailproof collect role, the only principal that may assume this role " +
        '(given by the MSSP, e.g. arn:aws:iam::999999999999:role/trailproof-collect)',
      allowedPattern: PATTERNS.msspPipelineRoleArn,
      constraintDescription:
        'must be an IAM role ARN such as arn:aws:iam::999999999999:role/trailproof-collect',
    });
    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String',
      noEcho: true,
      description:
        'External id the MSSP issued for you (a different one per client); every AssumeRole must present it',
      minLength: 2,
      maxLength: 1224,
      allowedPattern: PATTERNS.externalId,
      constraintDescription:
        '2 to 1224 characters: letters, digits and + = , . @ : / - _ (what STS accepts in an external id)',
    });
    const trailBucketName = new CfnParameter(this, 'TrailBucketName', {
      type: 'String',
      default: '',
      description:
        'S3 bucket your CloudTrail trail delivers to (the organization trail bucket in the log archive ' +
        'account). Leave empty to allow CloudTrail LookupEvents only',
      maxLength: 63,
      allowedPattern: PATTERNS.trailBucketName,
      constraintDescription: 'must be empty or an S3 bucket name',
    });
    const trailKeyPrefix = new CfnParameter(this, 'TrailKeyPrefix', {
      type: 'String',
      default: '',
      description:
        "The trail's S3 key prefix followed by a slash (e.g. logs/ or o-abc123defg/); empty when the trail " +
        'writes straight to AWSLogs/',
      maxLength: 201,
      allowedPattern: PATTERNS.trailKeyPrefix,
      constraintDescription:
        "must be empty or end with a slash, e.g. logs/; letters, digits and ! _ . ' ( ) - only, no leading slash",
    });
    const trailKmsKeyArn = new CfnParameter(this, 'TrailKmsKeyArn', {
      type: 'String',
      default: '',
      description:
        'ARN of the KMS key that encrypts the trail (SSE-KMS); empty when the trail files are SSE-S3 encrypted',
      allowedPattern: PATTERNS.trailKmsKeyArn,
      constraintDescription: 'must be empty or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)',
    });
    const roleName = new CfnParameter(this, 'RoleName', {
      type: 'String',
      default: DEFAULT_ROLE_NAME,
      description: 'Name of the role to create; the MSSP puts its ARN in your tenant config',
      minLength: 1,
      maxLength: 64,
      allowedPattern: PATTERNS.roleName,
      constraintDescription: 'must be an IAM role name: up to 64 letters, digits and + = , . @ - _',
    });
    this.templateOptions.metadata = {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          {
            Label: { default: 'Who may read' },
            Parameters: [msspPipelineRoleArn.logicalId, externalId.logicalId, roleName.logicalId],
          },
          {
            Label: { default: 'Trail bucket (leave empty for CloudTrail LookupEvents only)' },
            Parameters: [trailBucketName.logicalId, trailKeyPrefix.logicalId, trailKmsKeyArn.logicalId],
          },
        ],
      },
    };

    // --- Conditions ---------------------------------------------------------------------------------
    const hasTrailBucket = new CfnCondition(this, 'HasTrailBucket', {
      expression: Fn.conditionNot(Fn.conditionEquals(trailBucketName.valueAsString, '')),
    });
    const hasTrailKmsKey = new CfnCondition(this, 'HasTrailKmsKey', {
      expression: Fn.conditionAnd(
        hasTrailBucket,
        Fn.conditionNot(Fn.conditionEquals(trailKmsKeyArn.valueAsString, '')),
      ),
    });

    // --- The role -----------------------------------------------------------------------------------
    this.role = new iam.Role(this, 'ReaderRole', {
      roleName: roleName.valueAsString,
      description: "Trailproof: lets the MSSP's pipeline read this account's CloudTrail (read-only)",
      assumedBy: new iam.ArnPrincipal(msspPipelineRoleArn.valueAsString),
      externalIds: [externalId.valueAsString],
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        'trailproof-cloudtrail-read': new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'CloudTrailApis',
              actions: ['cloudtrail:LookupEvents', 'cloudtrail:ListPublicKeys'],
              resources: ['*'],
            }),
          ],
        }),
      },
    });
    Validations.of(this.role).acknowledge(WILDCARD_ACKNOWLEDGEMENTS.cloudTrailApis);

    // --- Trail bucket (only with TrailBucketName) -----------------------------------------------------
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${trailBucketName.valueAsString}`;
    const trailRoot = `${trailKeyPrefix.valueAsString}AWSLogs/`;
    this.trailBucketPolicy = new iam.Policy(this, 'TrailBucketPolicy', {
      policyName: 'trailproof-trail-bucket-read',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ListTrailFolders',
          actions: ['s3:ListBucket'],
          resources: [bucketArn],
          // Every listing the collector makes starts at …AWSLogs/[<org-id>/]<account>/CloudTrail[-Digest]/
          // (the regions, with a "/" delimiter) or below it (one day of one region). "*" also matches
          // the empty string, so the folder itself can be listed.
          conditions: {
            StringLike: { 's3:prefix': TRAIL_FOLDERS.map((folder) => `${trailRoot}*/${folder}/*`) },
          },
        }),
        new iam.PolicyStatement({
          sid: 'ReadTrailFiles',
          actions: ['s3:GetObject'],
          resources: TRAIL_FOLDERS.map((folder) => `${bucketArn}/${trailRoot}*/${folder}/*`),
        }),
        new iam.PolicyStatement({
          sid: 'FindBucketRegion',
          actions: ['s3:GetBucketLocation'],
          resources: [bucketArn],
        }),
      ],
    });
    setCondition(this.trailBucketPolicy, hasTrailBucket);
    for (const acknowledgement of WILDCARD_ACKNOWLEDGEMENTS.trailObjects) {
      Validations.of(this.trailBucketPolicy).acknowledge(acknowledgement);
    }

    // --- Trail key (only with TrailBucketName and TrailKmsKeyArn) -------------------------------------
    this.trailKeyPolicy = new iam.Policy(this, 'TrailKeyPolicy', {
      policyName: 'trailproof-trail-key-decrypt',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'DecryptTrailFilesThroughS3',
          actions: ['kms:Decrypt'],
          resources: [trailKmsKeyArn.valueAsString],
          // Only when S3 asks on the role's behalf, in whichever region the trail bucket lives.
          conditions: { StringLike: { 'kms:ViaService': `s3.*.${Aws.URL_SUFFIX}` } },
        }),
      ],
    });
    setCondition(this.trailKeyPolicy, hasTrailKmsKey);

    // Stable, readable logical ids: clients read this template, and a changed id would replace the role.
    cfnOf(this.role).overrideLogicalId('ReaderRole');
    cfnOf(this.trailBucketPolicy).overrideLogicalId('TrailBucketPolicy');
    cfnOf(this.trailKeyPolicy).overrideLogicalId('TrailKeyPolicy');

    // --- Outputs ------------------------------------------------------------------------------------
    new CfnOutput(this, 'RoleArn', {
      description: 'Send this ARN to your MSSP: it goes into your tenant config as roleArn',
      value: this.role.roleArn,
    });
    new CfnOutput(this, 'ExternalIdReminder', {
      description: 'Where the external id lives (the value itself is not output)',
      value:
        'The MSSP already holds the external id it issued to you; it goes into the tenant config as ' +
        'externalId next to RoleArn. Do not post it in tickets or chat. To change it, update this stack ' +
        'with the new value from the MSSP.',
    });
    new CfnOutput(this, 'AccessMode', {
      description: 'What the role can read',
      value: Fn.conditionIf(
        hasTrailBucket.logicalId,
        Fn.join('', [
          'CloudTrail LookupEvents and the trail files in s3://',
          trailBucketName.valueAsString,
          '/',
          trailRoot,
        ]),
        'CloudTrail LookupEvents only (no trail bucket given)',
      ).toString(),
    });
  }
}

/** The L1 resource behind an L2 construct. */
function cfnOf(construct: iam.Role | iam.Policy): iam.CfnRole | iam.CfnPolicy {
  return construct.node.defaultChild as iam.CfnRole | iam.CfnPolicy;
}

/** Creates the policy only when `condition` holds. */
function setCondition(policy: iam.Policy, condition: CfnCondition): void {
  cfnOf(policy).cfnOptions.condition = condition;
}

export { ClientOnboardingStack, type ClientOnboardingStackProps };
