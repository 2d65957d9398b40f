/**
 * @module Where evidence reports live: a KMS-encrypted, Object Lock protected reports bucket whose
 * server access logs go to a separate log bucket.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Lower and upper bounds for every `…Days` prop, inclusive. */
const MIN_DAYS = 1;
const MAX_DAYS = 3650;
const DEFAULT_RETENTION_DAYS = 365;
/** How long a deleted or overwritten access log stays recoverable in the versioned log bucket. */
const NONCURRENT_ACCESS_LOG_DAYS = 30;
/** Key prefix of the reports bucket's server access logs inside the log bucket. */
const REPORTS_ACCESS_LOG_PREFIX = 'reports/';

interface ReportStorageProps {
  /**
   * Days each report object version stays locked (S3 Object Lock, GOVERNANCE mode) after it is
   * written. A locked version cannot be overwritten or deleted unless the caller holds
   * `s3:BypassGovernanceRetention`. Must be a whole number between 1 and 3650.
   *
   * @default - 365 days, governance mode
   */
  readonly retentionDays?: number;

  /**
   * Days after which server access log objects expire from the access-log bucket. Expired or
   * deleted log versions stay recoverable for 30 more days. Must be a whole number between 1 and
   * 3650.
   *
   * @default - the same number of days as `retentionDays`, so the record of who read a report lasts
   * as long as the report is locked
   */
  readonly accessLogRetentionDays?: number;
}

/**
 * Storage for rendered evidence reports.
 *
 * Builds a customer-managed KMS key with yearly rotation, an access-log bucket (SSE-S3, because S3
 * server access logging cannot deliver to an SSE-KMS bucket) and a reports bucket that is versioned,
 * SSE-KMS encrypted with that key, Object Lock protected and SSL-only. Every resource is retained when
 * the stack is deleted: reports are evidence.
 *
 * @example
 * const storage = new ReportStorage(this, 'ReportStorage', { retentionDays: 730 });
 * new CfnOutput(this, 'ReportsBucketName', { value: storage.reportsBucket.bucketName });
 */
class ReportStorage extends Construct {
  /** The bucket that holds rendered reports. */
  readonly reportsBucket: s3.Bucket;
  /** The bucket that receives the reports bucket's server access logs under `reports/`. */
  readonly accessLogBucket: s3.Bucket;
  /** The customer-managed key that encrypts the reports bucket. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: ReportStorageProps = {}) {
    const retentionDays = checkDays('retentionDays', props.retentionDays ?? DEFAULT_RETENTION_DAYS);
    const accessLogRetentionDays = checkDays(
      'accessLogRetentionDays',
      props.accessLogRetentionDays ?? retentionDays,
    );
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      description: 'Trailproof: encrypts evidence reports',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: Duration.days(accessLogRetentionDays),
          noncurrentVersionExpiration: Duration.days(NONCURRENT_ACCESS_LOG_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // cdk-nag 3.0.2 already treats a bucket that receives another bucket's logs in the same stack as
    // compliant with S1; the acknowledgement records the decision and keeps holding if the log bucket is
    // ever shared with buckets in other stacks.
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'this is the server access log destination; a bucket that logged its own access would write a log ' +
        'object for every log delivery, without end',
    });

    this.reportsBucket = new s3.Bucket(this, 'ReportsBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(retentionDays)),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: REPORTS_ACCESS_LOG_PREFIX,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** Returns `value` when it is a whole number of days in range; throws naming the prop otherwise. */
function checkDays(name: string, value: number): number {
  if (!Number.isInteger(value) || value < MIN_DAYS || value > MAX_DAYS) {
    throw new Error(
      `${name} must be a whole number of days between ${MIN_DAYS} and ${MAX_DAYS}, got ${value}`,
    );
  }
  return value;
}

export { ReportStorage, type ReportStorageProps };
