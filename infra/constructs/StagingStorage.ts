/**
 * @module Where collection writes its normalized shards, checkpoints and manifests: a private,
 * KMS-encrypted bucket whose objects expire once every period that could need them is reported.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

interface StagingStorageProps {
  /** Receives the staging bucket's server access logs under `staging/`. */
  readonly accessLogBucket: s3.IBucket;
  /**
   * Days staged objects live. A monthly period's checkpoints are read by every run of that month
   * and the first run after it, so this must exceed the longest period plus its retries.
   * @default 70
   */
  readonly expirationDays?: number;
}

class StagingStorage extends Construct {
  readonly bucket: s3.Bucket;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: StagingStorageProps) {
    const days = props.expirationDays ?? 70;
    if (!Number.isInteger(days) || days < 40 || days > 3650) {
      throw new Error(
        `expirationDays must be a whole number from 40 (a month and its retries) to 3650, got ${days}`,
      );
    }
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: "Trailproof: encrypts staged copies of clients' CloudTrail records",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'staging/',
      lifecycleRules: [
        {
          id: 'ExpireStagedRecords',
          expiration: Duration.days(days),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Staged records are copies: the client's trail bucket stays the source of truth.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

export { StagingStorage, type StagingStorageProps };
