/**
 * @module The Trailproof deployment: one stack per MSSP installation, serving every configured
 * tenant. Shared: report and staging storage, the manifest signing key, the schedules' dead-letter
 * queue, the alarm topic and the dashboard. Per tenant: a {@link TenantPipeline}.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TenantConfig } from '../../functions/core/config/tenantConfig.js';
import { ReportStorage } from '../constructs/ReportStorage.js';
import { StagingStorage } from '../constructs/StagingStorage.js';
import { TenantPipeline } from '../constructs/TenantPipeline.js';

/**
 * CloudFormation allows 500 resources per stack and a tenant's pipeline takes about 22; above this
 * many tenants, deploy several stacks (one per group of tenant files).
 */
const MAX_TENANTS_PER_STACK = 18;

interface TrailproofStackProps extends StackProps {
  /**
   * The validated tenant configs this deployment serves (see `parseTenantConfig`). Tenant ids must be
   * unique, because they name S3 prefixes and report files.
   */
  readonly tenants: readonly TenantConfig[];
  /**
   * Each tenant's config file by tenant id, shipped with its functions. Without it the stack holds
   * storage only (used by tests of the storage alone).
   */
  readonly tenantConfigFiles?: Readonly<Record<string, string>>;
  /** E-mail address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Collection shards in flight per tenant run. @default 10 */
  readonly maxConcurrency?: number;
}

class TrailproofStack extends Stack {
  /** Report buckets and their key. */
  readonly storage: ReportStorage;
  readonly staging: StagingStorage;
  readonly signingKey: kms.Key;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarmTopic: sns.Topic;
  readonly pipelines: readonly TenantPipeline[];

  constructor(scope: Construct, id: string, props: TrailproofStackProps) {
    checkTenantIds(props.tenants);
    super(scope, id, props);

    this.storage = new ReportStorage(this, 'ReportStorage');
    this.staging = new StagingStorage(this, 'StagingStorage', {
      accessLogBucket: this.storage.accessLogBucket,
    });

    // Report manifests are signed inside KMS: the private key never leaves it.
    this.signingKey = new kms.Key(this, 'ManifestSigningKey', {
      description: 'Trailproof: signs report manifests (ECDSA P-256)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const opsKey = new kms.Key(this, 'OperationsKey', {
      description: 'Trailproof: encrypts the alarm topic and the schedules’ dead-letter queue',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch alarms publish to the encrypted topic.
    opsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Trailproof alarms',
      masterKey: opsKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      new sns.Subscription(this, 'AlarmEmail', {
        topic: this.alarmTopic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: props.alarmEmail,
      });
    }
    this.deadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: opsKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'this queue is the dead-letter queue of the tenant schedules; nothing consumes it automatically',
    });
    const dlqAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Trailproof: a scheduled run could not be started (see the dead-letter queue)',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    dlqAlarm.addAlarmAction(new actions.SnsAction(this.alarmTopic));

    const files = props.tenantConfigFiles;
    if (files && props.tenants.length > MAX_TENANTS_PER_STACK) {
      throw new Error(
        `${props.tenants.length} tenants exceed ${MAX_TENANTS_PER_STACK} per stack (CloudFormation's 500-resource limit); deploy them as several stacks, e.g. -c tenants=… -c stackName=Trailproof-2`,
      );
    }
    this.pipelines = files
      ? props.tenants.map((tenant) => {
          const file = files[tenant.id];
          if (!file) throw new Error(`tenantConfigFiles has no file for tenant ${tenant.id}`);
          const pipeline = new TenantPipeline(this, `Tenant-${tenant.id}`, {
            tenant,
            tenantConfigFile: file,
            staging: this.staging,
            reports: this.storage,
            signingKey: this.signingKey,
            deadLetterQueue: this.deadLetterQueue,
            alarmTopic: this.alarmTopic,
            maxConcurrency: props.maxConcurrency,
          });
          new CfnOutput(this, `CollectorRoleArn-${tenant.id}`, {
            description: `${tenant.id}: the role its clients' reader roles must trust (MsspPipelineRoleArn)`,
            value: (pipeline.workFunction.role as iam.Role).roleArn,
          });
          new CfnOutput(this, `StateMachineArn-${tenant.id}`, {
            description: `${tenant.id}: start a run by hand with {"period": "2026-11"}`,
            value: pipeline.stateMachine.stateMachineArn,
          });
          return pipeline;
        })
      : [];
    if (this.pipelines.length) this.dashboard();

    new CfnOutput(this, 'ReportsBucketName', {
      description: 'S3 bucket that holds the rendered evidence reports',
      value: this.storage.reportsBucket.bucketName,
    });
    new CfnOutput(this, 'StagingBucketName', {
      description: "S3 bucket that holds staged copies of clients' CloudTrail records",
      value: this.staging.bucket.bucketName,
    });
  }

  private dashboard(): void {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-pipeline`,
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runs by tenant (succeeded / failed)',
        width: 12,
        left: this.pipelines.map((p) =>
          p.stateMachine.metricSucceeded({ label: `${p.node.id} ok`, period: Duration.hours(1) }),
        ),
        right: this.pipelines.map((p) =>
          p.stateMachine.metricFailed({ label: `${p.node.id} failed`, period: Duration.hours(1) }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Records collected by tenant',
        width: 12,
        left: this.pipelines.map(
          (p) =>
            new cloudwatch.Metric({
              namespace: 'Trailproof',
              metricName: 'RecordsCollected',
              dimensionsMap: { service: 'trailproof', tenant: p.node.id.replace(/^Tenant-/, '') },
              statistic: 'Sum',
              period: Duration.hours(1),
            }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Function errors and throttles',
        width: 12,
        left: this.pipelines.flatMap((p) => [p.workFunction.metricErrors(), p.reportFunction.metricErrors()]),
        right: this.pipelines.flatMap((p) => [
          p.workFunction.metricThrottles(),
          p.reportFunction.metricThrottles(),
        ]),
      }),
      new cloudwatch.GraphWidget({
        title: 'Report function duration (p95)',
        width: 12,
        left: this.pipelines.map((p) => p.reportFunction.metricDuration({ statistic: 'p95' })),
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Schedule dead-letter queue',
        width: 6,
        metrics: [this.deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
      }),
    );
  }
}

/** Throws when the list is empty or when two tenant configs share an id. */
function checkTenantIds(tenants: readonly TenantConfig[]): void {
  if (tenants.length === 0) {
    throw new Error('tenants must contain at least one tenant config, got an empty list');
  }
  const seen = new Set<string>();
  for (const { id } of tenants) {
    if (seen.has(id)) {
      throw new Error(
        `tenant id "${id}" is used by more than one tenant config; give each tenant its own id`,
      );
    }
    seen.add(id);
  }
}

export { MAX_TENANTS_PER_STACK, TrailproofStack, type TrailproofStackProps };
