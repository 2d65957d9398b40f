/**
 * @module CloudTrail event → IAM action name (`lambda:InvokeFunction` for Lambda's `Invoke`).
 *
 * Declared scopes are written in IAM action names, as in policies; CloudTrail mostly uses the
 * same names but not always. This table covers the differences that matter for the services
 * agents and workloads use; anything else maps to `<service prefix>:<eventName>`.
 */

/** eventSource host → IAM service prefix, where they differ. */
const SERVICE_PREFIX: Readonly<Record<string, string>> = {
  monitoring: 'cloudwatch',
  'bedrock-runtime': 'bedrock',
  'bedrock-agent-runtime': 'bedrock',
  'bedrock-agent': 'bedrock',
  email: 'ses',
  elasticfilesystem: 'elasticfilesystem',
  'execute-api': 'execute-api',
  'runtime.lex': 'lex',
};

/** `prefix:EventName` → IAM action, where the names differ. */
const ACTION_NAME: Readonly<Record<string, string>> = {
  'lambda:Invoke': 'lambda:InvokeFunction',
  'lambda:InvokeAsync': 'lambda:InvokeFunction',
  'lambda:InvokeWithResponseStream': 'lambda:InvokeFunction',
  's3:ListObjects': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjectVersions': 's3:ListBucketVersions',
  's3:HeadObject': 's3:GetObject',
  's3:CopyObject': 's3:PutObject',
  's3:CreateMultipartUpload': 's3:PutObject',
  's3:UploadPart': 's3:PutObject',
  's3:UploadPartCopy': 's3:PutObject',
  's3:CompleteMultipartUpload': 's3:PutObject',
  's3:DeleteObjects': 's3:DeleteObject',
  'bedrock:Converse': 'bedrock:InvokeModel',
  'bedrock:ConverseStream': 'bedrock:InvokeModelWithResponseStream',
};

/** Lambda's API-version suffixes (`UpdateFunctionCode20150331v2`) are not part of the IAM action. */
const VERSION_SUFFIX = /\d{8}(?:v\d+)?$/;

const cache = new Map<string, string>();

function iamActionOf(eventSource: string, eventName: string): string {
  const key = `${eventSource}\u0000${eventName}`;
  let action = cache.get(key);
  if (action === undefined) {
    const host = eventSource.endsWith('.amazonaws.com')
      ? eventSource.slice(0, -'.amazonaws.com'.length)
      : eventSource;
    const prefix = SERVICE_PREFIX[host] ?? host.split('.')[0] ?? host;
    const name = prefix === 'lambda' ? eventName.replace(VERSION_SUFFIX, '') : eventName;
    const plain = `${prefix}:${name}`;
    action = ACTION_NAME[plain] ?? plain;
    if (cache.size < 20_000) cache.set(key, action);
  }
  return action;
}

export { iamActionOf };
