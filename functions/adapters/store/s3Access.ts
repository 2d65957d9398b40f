/**
 * @module S3 clients and `s3://` URIs.
 *
 * A client account is read through a role in that account, assumed with its ExternalId (the
 * standard MSSP pattern). When the tenant config names a role, a failure to assume it is that
 * account's error: the pipeline never falls back to its own credentials. Without a role the
 * default credential chain is used (the MSSP's own log archive, or a local test server).
 *
 * `AWS_ENDPOINT_URL_S3` points the client at an S3-compatible endpoint; `S3_FORCE_PATH_STYLE=1`
 * uses path-style addressing (needed by most local servers).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';

/** A malformed `s3://` URI. */
class S3UriError extends Error {
  override name = 'S3UriError' as const;
}

interface S3Location {
  readonly bucket: string;
  /** Key prefix without a leading slash; empty for the whole bucket. */
  readonly prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function isS3Uri(value: string): boolean {
  return value.startsWith('s3://');
}

/** `s3://bucket/some/prefix/` → `{ bucket, prefix: 'some/prefix/' }`. */
function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m || !BUCKET.test(m[1]!)) {
    throw new S3UriError(
      `${JSON.stringify(uri)} is not an S3 location; expected s3://bucket or s3://bucket/prefix`,
    );
  }
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+/, '') };
}

interface S3AccessOptions {
  readonly region?: string;
  /** Role to assume in the client's account. */
  readonly roleArn?: string;
  readonly externalId?: string;
  /** Shown in the client's CloudTrail as the session name, so our own reads are attributable. */
  readonly sessionName?: string;
}

type AwsCredentials = NonNullable<ConstructorParameters<typeof S3Client>[0]>['credentials'];

/** The assumed-role credentials of an account (shared by its S3 and CloudTrail clients), or undefined for the default chain. */
function accountCredentials(
  options: S3AccessOptions,
  env: NodeJS.ProcessEnv = process.env,
): AwsCredentials | undefined {
  if (!options.roleArn) return undefined;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return fromTemporaryCredentials({
    params: {
      RoleArn: options.roleArn,
      ExternalId: options.externalId,
      RoleSessionName: (options.sessionName ?? 'trailproof').slice(0, 64),
      DurationSeconds: 3600,
    },
    clientConfig: { region },
  });
}

function createS3Client(
  options: S3AccessOptions & { readonly credentials?: AwsCredentials } = {},
  env: NodeJS.ProcessEnv = process.env,
): S3Client {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const credentials = options.credentials ?? accountCredentials(options, env);
  return new S3Client({
    region,
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: env.S3_FORCE_PATH_STYLE === '1' || env.S3_FORCE_PATH_STYLE === 'true',
    // A trail bucket may live in another region than the client: follow the redirect.
    followRegionRedirects: true,
    retryMode: 'standard',
    maxAttempts: 4,
    // Without throwOnRequestTimeout the SDK only logs a stalled request and waits on.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
    ...(credentials ? { credentials } : {}),
  });
}

export type { AwsCredentials, S3AccessOptions, S3Location };
export { accountCredentials, createS3Client, isS3Uri, parseS3Uri, S3UriError };
