/**
 * @module One tenant's scheduled pipeline: its own functions and roles (so a tenant's code can
 * touch only that tenant's prefixes and client roles), its config in a layer, a Step Functions
 * workflow (Plan → Distributed Map of collection shards → Report) and an EventBridge Scheduler
 * schedule in the tenant's time zone, with alarms.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Annotations,
  type CfnElement,
  Duration,
  RemovalPolicy,
  Size,
  Stack,
  TimeZone,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { TenantConfig } from '../../functions/core/config/tenantConfig.js';
import { scheduleExpression } from '../../functions/core/schedule/schedulePeriod.js';
import { pipelineBundling, REPOSITORY_ROOT } from './functionBundling.js';
import type { ReportStorage } from './ReportStorage.js';
import type { StagingStorage } from './StagingStorage.js';

interface TenantPipelineProps {
  readonly tenant: TenantConfig;
  /** The tenant's YAML file, shipped verbatim (its hash is recorded in every report). */
  readonly tenantConfigFile: string;
  readonly staging: StagingStorage;
  readonly reports: ReportStorage;
  /** Asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs report manifests. */
  readonly signingKey: kms.IKey;
  /** Where the schedule's undeliverable starts go. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
  /**
   * Collection shards in flight at once. Each shard assumes one client role and reads one day of
   * an account (or account-region), or for LookupEvents one account-region over the period; S3
   * GETs are far from their quotas, so the limits are the client's STS AssumeRole rate and
   * LookupEvents' 2 requests/s per account and region, which its single shard paces itself.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /** Days the functions' and workflow's logs are kept. @default one year */
  readonly logRetention?: logs.RetentionDays;
}

const TEN_MINUTES = Duration.minutes(10);

class TenantPipeline extends Construct {
  readonly workFunction: nodejs.NodejsFunction;
  readonly reportFunction: nodejs.NodejsFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly failureAlarm: cloudwatch.Alarm;
  readonly functionErrorAlarm: cloudwatch.Alarm;
  /** Encrypts this tenant's reports: no other tenant's role can read them, whatever else goes wrong. */
  readonly reportKey: kms.Key;

  constructor(scope: Construct, id: string, props: TenantPipelineProps) {
    super(scope, id);
    const { tenant } = props;
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const maxConcurrency = props.maxConcurrency ?? 10;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 100) {
      throw new Error(`maxConcurrency must be a whole number from 1 to 100, got ${maxConcurrency}`);
    }
    const assumable = clientRoles(tenant);
    for (const account of tenant.accounts) {
      if (!('files' in account.source) && !account.roleArn) {
        Annotations.of(this).addWarning(
          `tenant ${tenant.id}: account ${account.id} has no roleArn; scheduled runs will report it as not collected`,
        );
      }
    }

    this.reportKey = new kms.Key(this, 'ReportKey', {
      description: `Trailproof ${tenant.id}: encrypts this tenant's reports`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Objects under the tenant's prefix must be written with the tenant's key.
    props.reports.reportsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `RequireTenantKey${tenant.id.replace(/[^A-Za-z0-9]/g, '')}`,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [props.reports.reportsBucket.arnForObjects(`${tenant.id}/*`)],
        conditions: {
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.reportKey.keyArn },
        },
      }),
    );

    const configLayer = new lambda.LayerVersion(this, 'Config', {
      description: `Trailproof tenant config: ${tenant.id}`,
      code: lambda.Code.fromAsset(tenantLayerDirectory(tenant, props.tenantConfigFile)),
      compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
      compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const environment = {
      STAGING_BUCKET: props.staging.bucket.bucketName,
      TRAILPROOF_TENANTS_DIR: '/opt/tenants',
      TRAILPROOF_ASSET_ROOT: '/var/task',
      POWERTOOLS_SERVICE_NAME: 'trailproof',
      POWERTOOLS_METRICS_NAMESPACE: 'Trailproof',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_OPTIONS: '--enable-source-maps',
    };
    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, { retention, removalPolicy: RemovalPolicy.RETAIN });

    // The role clients trust (docs/onboarding.md): a fixed name, so their trust policy survives
    // redeployments; it starts with no rights beyond its own logs.
    const workLogs = logGroup('Work');
    const workRole = new iam.Role(this, 'WorkRole', {
      roleName: `trailproof-${tenant.id}-collector`,
      description: `Trailproof ${tenant.id}: assumes the client's reader roles (with their ExternalId) and stages records`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    workLogs.grantWrite(workRole);
    // Plan and collect: arm64, network bound; 1769 MB is one full vCPU for gunzip and parsing.
    this.workFunction = new nodejs.NodejsFunction(this, 'WorkFunction', {
      role: workRole,
      description: `Trailproof ${tenant.id}: plan the run and collect one shard of CloudTrail`,
      entry: path.join(REPOSITORY_ROOT, 'functions/handlers/workHandler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1769,
      timeout: Duration.minutes(15),
      layers: [configLayer],
      environment,
      logGroup: workLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: pipelineBundling(false),
    });
    const reportLogs = logGroup('Report');
    const reportRole = new iam.Role(this, 'ReportRole', {
      description: `Trailproof ${tenant.id}: reads the staged period, publishes and signs its report`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    reportLogs.grantWrite(reportRole);
    // Analyze and render: x86_64 (the @sparticuz/chromium build), memory for identities and
    // Chromium, /tmp for the report before upload; one report per tenant at a time.
    this.reportFunction = new nodejs.NodejsFunction(this, 'ReportFunction', {
      description: `Trailproof ${tenant.id}: analyze the staged period, render and publish the signed report`,
      entry: path.join(REPOSITORY_ROOT, 'functions/handlers/publishHandler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      memorySize: 3008,
      ephemeralStorageSize: Size.mebibytes(2048),
      timeout: Duration.minutes(15),
      reservedConcurrentExecutions: 1,
      role: reportRole,
      layers: [configLayer],
      environment: {
        ...environment,
        REPORTS_BUCKET: props.reports.reportsBucket.bucketName,
        REPORTS_KMS_KEY_ARN: this.reportKey.keyArn,
        SIGNING_KEY_ARN: props.signingKey.keyArn,
      },
      logGroup: reportLogs,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: pipelineBundling(true),
    });

    this.grantTenantAccess(props, assumable);
    this.stateMachine = this.workflow(props, maxConcurrency, logGroup('Workflow'));

    const timeZone = TimeZone.of(tenant.schedule?.timezone ?? 'UTC');
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Trailproof ${tenant.id}: ${tenant.schedule?.frequency ?? (tenant.schedule?.cron ? 'cron' : 'daily')} report`,
      schedule: scheduler.ScheduleExpression.expression(scheduleExpression(tenant), timeZone),
      timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(15)),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
        }),
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 5,
        maxEventAge: Duration.hours(6),
      }),
    });

    const alarmAction = new actions.SnsAction(props.alarmTopic);
    this.failureAlarm = new cloudwatch.Alarm(this, 'RunFailedAlarm', {
      alarmDescription: `Trailproof ${tenant.id}: a scheduled run failed, timed out or was aborted (no report for the period)`,
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ statistic: 'Sum' }),
          aborted: this.stateMachine.metricAborted({ statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.functionErrorAlarm = new cloudwatch.Alarm(this, 'FunctionErrorAlarm', {
      alarmDescription: `Trailproof ${tenant.id}: pipeline functions failed or were throttled`,
      metric: new cloudwatch.MathExpression({
        expression: 'workErrors + workThrottles + reportErrors + reportThrottles',
        usingMetrics: {
          workErrors: this.workFunction.metricErrors({ statistic: 'Sum' }),
          workThrottles: this.workFunction.metricThrottles({ statistic: 'Sum' }),
          reportErrors: this.reportFunction.metricErrors({ statistic: 'Sum' }),
          reportThrottles: this.reportFunction.metricThrottles({ statistic: 'Sum' }),
        },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.failureAlarm, this.functionErrorAlarm]) alarm.addAlarmAction(alarmAction);
  }

  /** The tenant's rights, and nothing else: its client roles, its prefixes, the keys they need. */
  private grantTenantAccess(props: TenantPipelineProps, assumable: readonly ClientRole[]): void {
    const { tenant, staging, reports } = props;
    const stagingObjects = staging.bucket.arnForObjects(`staging/${tenant.id}/*`);
    const reportObjects = reports.reportsBucket.arnForObjects(`${tenant.id}/*`);
    const listOwn = (bucket: string, prefix: string, sid: string) =>
      new iam.PolicyStatement({
        sid,
        actions: ['s3:ListBucket'],
        resources: [bucket],
        conditions: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
      });

    const work = this.workFunction.role as iam.Role;
    assumable.forEach((role, i) => {
      work.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `AssumeClientRole${i}`,
          actions: ['sts:AssumeRole'],
          resources: [role.roleArn],
          conditions: { StringEquals: { 'sts:ExternalId': role.externalId } },
        }),
      );
    });
    work.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StageOwnRecords',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [stagingObjects],
      }),
    );
    work.addToPrincipalPolicy(listOwn(staging.bucket.bucketArn, `staging/${tenant.id}/`, 'ListOwnStaging'));
    staging.key.grant(work, 'kms:Decrypt', 'kms:GenerateDataKey');

    const report = this.reportFunction.role as iam.Role;
    report.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnStagedRecords',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [stagingObjects],
      }),
    );
    report.addToPrincipalPolicy(listOwn(staging.bucket.bucketArn, `staging/${tenant.id}/`, 'ListOwnStaging'));
    report.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishOwnReports',
        actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention'],
        resources: [reportObjects],
      }),
    );
    report.addToPrincipalPolicy(listOwn(reports.reportsBucket.bucketArn, `${tenant.id}/`, 'ListOwnReports'));
    staging.key.grant(report, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.reportKey.grant(report, 'kms:Decrypt', 'kms:GenerateDataKey');
    props.signingKey.grant(report, 'kms:Sign', 'kms:GetPublicKey');
    this.grantNotification(tenant, report);

    const stagingArn = Stack.of(this).resolve(staging.bucket.bucketArn) as { 'Fn::GetAtt': [string, string] };
    const reportsArn = Stack.of(this).resolve(reports.reportsBucket.bucketArn) as {
      'Fn::GetAtt': [string, string];
    };
    const staged = `Resource::<${stagingArn['Fn::GetAtt'][0]}.Arn>/staging/${tenant.id}/*`;
    const published = `Resource::<${reportsArn['Fn::GetAtt'][0]}.Arn>/${tenant.id}/*`;
    for (const [fn, resources] of [
      [this.workFunction, [staged]],
      [this.reportFunction, [staged, published]],
    ] as const) {
      for (const resource of resources) {
        Validations.of(fn.role as iam.Role).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM5[${resource}]`,
          reason:
            "object keys are per period and account; the wildcard is bounded by this tenant's own prefix",
        });
      }
    }
  }

  /** The tenant's notification channel only: its SES sender (and configuration set), or its topic. */
  private grantNotification(tenant: TenantConfig, role: iam.Role): void {
    const notify = tenant.sharing?.notify;
    if (!notify) return;
    const stack = Stack.of(this);
    if ('sns' in notify) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'NotifyTopic',
          actions: ['sns:Publish'],
          resources: [notify.sns.topicArn],
        }),
      );
      return;
    }
    const identities = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NotifyByEmail',
        actions: ['ses:SendEmail'],
        resources: [
          identities,
          ...(notify.ses.configurationSet
            ? [
                stack.formatArn({
                  service: 'ses',
                  resource: 'configuration-set',
                  resourceName: notify.ses.configurationSet,
                }),
              ]
            : []),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': notify.ses.from } },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(stack, 'ses', 'identity/*')}]`,
      reason: `SES authorises against the sender's address or domain identity, whichever is verified; the ses:FromAddress condition pins the sender to ${notify.ses.from}`,
    });
  }

  private workflow(props: TenantPipelineProps, maxConcurrency: number, logGroup: logs.ILogGroup) {
    const { tenant } = props;
    const throttleRetry = (task: tasks.LambdaInvoke) =>
      task.addRetry({
        errors: ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.SdkClientException'],
        interval: Duration.seconds(5),
        backoffRate: 2,
        maxAttempts: 6,
        jitterStrategy: sfn.JitterType.FULL,
      });

    const plan = new tasks.LambdaInvoke(this, 'Plan', {
      comment: 'the period (from the schedule time or the input) and the account × day × region shards',
      lambdaFunction: this.workFunction,
      payload: sfn.TaskInput.fromObject({
        step: 'plan',
        tenant: tenant.id,
        runId: sfn.JsonPath.executionName,
        input: sfn.JsonPath.entirePayload,
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.plan',
      taskTimeout: sfn.Timeout.duration(Duration.minutes(2)),
    });
    throttleRetry(plan);

    const collect = new tasks.LambdaInvoke(this, 'CollectShard', {
      comment:
        'collect one shard (an account-day, or account-region for LookupEvents) into staging and analyse it; resumable',
      lambdaFunction: this.workFunction,
      payload: sfn.TaskInput.fromObject({ step: 'collect', shard: sfn.JsonPath.entirePayload }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      // Outcomes live in staging; the map keeps one word per item, whatever the number of shards.
      resultSelector: { 'status.$': '$.status' },
      taskTimeout: sfn.Timeout.duration(Duration.minutes(15)),
    });
    throttleRetry(collect);
    // A crashed or timed-out shard is retried once (its checkpoint makes that cheap), then becomes
    // a coverage gap in the report instead of failing the run.
    collect.addRetry({
      errors: ['States.Timeout', 'States.TaskFailed'],
      maxAttempts: 1,
      interval: TEN_MINUTES,
    });
    const stagingBucket = props.staging.bucket;
    const recordFailure = new tasks.CallAwsService(this, 'RecordShardFailure', {
      comment: 'write the failed shard and its error beside the staging data, for the report',
      service: 's3',
      action: 'putObject',
      parameters: {
        Bucket: stagingBucket.bucketName,
        Key: sfn.JsonPath.format(
          `staging/${tenant.id}/{}/runs/{}/failures/{}.json`,
          sfn.JsonPath.stringAt('$.shard.period'),
          sfn.JsonPath.stringAt('$.shard.runId'),
          sfn.JsonPath.stringAt('$.shard.name'),
        ),
        Body: sfn.JsonPath.jsonToString(sfn.JsonPath.entirePayload),
        ContentType: 'application/json',
      },
      iamResources: [stagingBucket.arnForObjects(`staging/${tenant.id}/*`)],
      iamAction: 's3:PutObject',
      resultSelector: { status: 'failed' },
    });
    collect.addCatch(
      new sfn.Pass(this, 'KeepShard', {
        parameters: { 'shard.$': '$$.Map.Item.Value', 'failure.$': '$.failure' },
      }).next(recordFailure),
      { errors: ['States.ALL'], resultPath: '$.failure' },
    );

    const shards = new sfn.DistributedMap(this, 'CollectShards', {
      comment: 'one child execution per shard; concurrency below the clients’ STS and LookupEvents limits',
      // Items from the plan's list in staging: no state-size limit on the number of shards.
      itemReader: new sfn.S3JsonItemReader({
        bucketNamePath: sfn.JsonPath.stringAt('$.plan.stagingBucket'),
        key: sfn.JsonPath.stringAt('$.plan.shardsKey'),
      }),
      maxConcurrency,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      resultPath: sfn.JsonPath.DISCARD,
      label: 'CollectShards',
    });
    shards.itemProcessor(collect);

    const report = new tasks.LambdaInvoke(this, 'Report', {
      comment: 'reduce the shards, analyze, render and publish the signed report',
      lambdaFunction: this.reportFunction,
      payload: sfn.TaskInput.fromObject({
        step: 'report',
        tenant: tenant.id,
        period: sfn.JsonPath.stringAt('$.plan.period'),
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
        shardsKey: sfn.JsonPath.stringAt('$.plan.shardsKey'),
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.report',
      taskTimeout: sfn.Timeout.duration(Duration.minutes(15)),
    });
    throttleRetry(report);

    const share = new tasks.LambdaInvoke(this, 'Share', {
      comment: 'regenerate the tenant index page; notify recipients with expiring links (summary only)',
      lambdaFunction: this.reportFunction,
      payload: sfn.TaskInput.fromObject({
        step: 'share',
        tenant: tenant.id,
        period: sfn.JsonPath.stringAt('$.plan.period'),
      }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.share',
      taskTimeout: sfn.Timeout.duration(Duration.minutes(5)),
    });
    throttleRetry(share);

    const machine = new sfn.StateMachine(this, 'Workflow', {
      comment: `Trailproof ${tenant.id}: plan, collect shards, report, share`,
      definitionBody: sfn.DefinitionBody.fromChainable(
        plan.next(shards).next(report).next(share).next(new sfn.Succeed(this, 'Published')),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // The map reads the plan's list, and the catch writes failure records: this tenant's staging only.
    machine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadOwnShardList',
        actions: ['s3:GetObject'],
        resources: [stagingBucket.arnForObjects(`staging/${tenant.id}/*`)],
      }),
    );
    props.staging.key.grant(machine, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.acknowledgeWorkflowWildcards(machine, stagingBucket, tenant.id);
    return machine;
  }

  /** The workflow role's generated wildcards, each bounded to this tenant's own resources. */
  private acknowledgeWorkflowWildcards(
    machine: sfn.StateMachine,
    staging: s3.IBucket,
    tenantId: string,
  ): void {
    const stack = Stack.of(this);
    const logical = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    const name = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logical(machine)}"}]}]}`;
    const executions = nagArn(stack, 'states', `execution:${name}`);
    const acknowledgements: [string, string][] = [
      [
        `Resource::<${logical(this.workFunction)}.Arn>:*`,
        'invoking the tenant’s own work function by version or alias; no other function matches',
      ],
      [
        `Resource::<${logical(this.reportFunction)}.Arn>:*`,
        'invoking the tenant’s own report function by version or alias; no other function matches',
      ],
      [
        'Resource::*',
        'X-Ray trace segments and CloudWatch Logs vended delivery have no resource-level permissions',
      ],
      [
        `Resource::${executions}:*`,
        'the Distributed Map starts and stops child executions of this state machine only',
      ],
      [
        `Resource::<${logical(staging)}.Arn>/staging/${tenantId}/*`,
        "the map reads the plan's shard list and records failed shards under this tenant's staging prefix only",
      ],
      [
        `Resource::${executions}/CollectShards:*`,
        'the Distributed Map reads the child executions of its own map run only',
      ],
    ];
    for (const [resource, reason] of acknowledgements) {
      Validations.of(machine).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${resource}]`, reason });
    }
  }
}

/**
 * An ARN of this stack's account and region as cdk-nag prints it in a finding id: literal values
 * when the stack has an environment, `<AWS::…>` pseudo parameters when it is environment-agnostic.
 */
function nagArn(stack: Stack, service: string, resource: string): string {
  const pseudo = (value: string, name: string) => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
  const partition = Token.isUnresolved(stack.region) ? '<AWS::Partition>' : stack.partition;
  return `arn:${partition}:${service}:${pseudo(stack.region, 'Region')}:${pseudo(stack.account, 'AccountId')}:${resource}`;
}

interface ClientRole {
  readonly roleArn: string;
  readonly externalId: string;
}

/** The distinct (role, ExternalId) pairs the tenant's accounts are read through. */
function clientRoles(tenant: TenantConfig): ClientRole[] {
  const roles = new Map<string, ClientRole>();
  for (const account of tenant.accounts) {
    if (!account.roleArn) continue;
    if (!account.externalId) {
      throw new Error(
        `tenant ${tenant.id}: account ${account.id} has a roleArn but no externalId; the pipeline assumes client roles only with an ExternalId`,
      );
    }
    roles.set(`${account.roleArn}\0${account.externalId}`, {
      roleArn: account.roleArn,
      externalId: account.externalId,
    });
  }
  return [...roles.values()].sort((a, b) =>
    (a.roleArn + a.externalId).localeCompare(b.roleArn + b.externalId),
  );
}

/**
 * A folder with `tenants/<id>.yaml` (the file as written, so its hash matches the MSSP's copy) and
 * its logo at the same relative place; mounted by Lambda at `/opt`.
 */
function tenantLayerDirectory(tenant: TenantConfig, configFile: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), `trailproof-tenant-${tenant.id}-`));
  const dir = path.join(root, 'tenants');
  mkdirSync(dir, { recursive: true });
  copyFileSync(configFile, path.join(dir, `${tenant.id}.yaml`));
  const logo = tenant.mssp.logo;
  if (logo) {
    const target = path.resolve(dir, logo);
    if (!target.startsWith(`${dir}${path.sep}`)) {
      throw new Error(
        `tenant ${tenant.id}: logo ${logo} lies outside the config file's folder; put it beside or below ${configFile}`,
      );
    }
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(path.resolve(path.dirname(configFile), logo), target);
  }
  return root;
}

export { clientRoles, TenantPipeline, type TenantPipelineProps };
