/**
 * @module S3 helpers for tests: a client for the run's S3 test server (Ceph radosgw, started by the
 * vitest global setup in ./s3Server.ts) and fresh buckets on it.
 *
 *   const s3 = s3TestClient();
 *   const bucket = await freshBucket('collect', { versioning: true });
 *   await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
 *
 * When the server could not start (e.g. radosgw is not installed) the first request fails with the
 * reason and how to install it.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { type S3TestServer, s3TestServer } from './s3Server.js';

/**
 * An S3Client for the run's server: region us-east-1, path-style, the server's static keys. `config`
 * overrides any of these (e.g. `{ endpoint: proxy.endpoint, maxAttempts: 1 }`). Its requests wait
 * until the server is ready, so a test may use it straight away.
 */
function s3TestClient(config: S3ClientConfig = {}): S3Client {
  const server = inject('s3Server');
  const client = new S3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...config,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      await s3TestServer();
      return next(args);
    },
    { step: 'initialize', name: 'waitForS3TestServer' },
  );
  return client;
}

let sharedClient: S3Client | undefined;
let bucketCount = 0;

interface FreshBucketOptions {
  /** Turn on versioning (implied by objectLock). */
  readonly versioning?: boolean;
  /** Create the bucket with Object Lock enabled (and so versioned). */
  readonly objectLock?: boolean;
  /** Client to create it with; default a shared `s3TestClient()`. */
  readonly client?: S3Client;
}

/** A valid bucket name that starts with `prefix` and is unique to this call. */
function uniqueBucketName(prefix: string): string {
  const base =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  bucketCount += 1;
  return `${base}-${process.pid.toString(36)}${bucketCount}-${randomBytes(4).toString('hex')}`;
}

/** Creates a new, empty bucket whose name starts with `prefix` and returns its name. */
async function freshBucket(prefix: string, options: FreshBucketOptions = {}): Promise<string> {
  sharedClient ??= s3TestClient();
  const client = options.client ?? sharedClient;
  const bucket = uniqueBucketName(prefix);
  await client.send(
    new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: options.objectLock || undefined }),
  );
  if (options.versioning && !options.objectLock) {
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  }
  return bucket;
}

/**
 * Environment for product code in another process (the CLI, a bundled handler) or in this one
 * (handlers called directly) to reach the test server through its own S3 client: endpoint,
 * path-style, the server's keys and region. The SDK's notice that its 2027 releases need Node 22
 * is turned off, since it would otherwise be the only stderr line of every run.
 */
function s3ProcessEnv(server: S3TestServer): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: server.endpoint,
    S3_FORCE_PATH_STYLE: '1',
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export type { S3TestServer } from './s3Server.js';
export type { FreshBucketOptions };
export { freshBucket, s3ProcessEnv, s3TestClient, s3TestServer };
