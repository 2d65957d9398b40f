/**
 * @module What every pipeline function shares: its settings (environment, validated once), the
 * tenant configs shipped with the function, the staging and reports stores, and Powertools'
 * structured logger and metrics. Handlers stay short wiring over the jobs the CLI runs.
 */
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { S3ObjectStore } from '../adapters/store/S3ObjectStore.js';
import { createS3Client } from '../adapters/store/s3Access.js';
import { TENANT_ID } from '../core/config/tenantConfig.js';
import { loadPipelineData, type PipelineData } from '../jobs/loadPipelineData.js';

const logger = new Logger({ serviceName: 'trailproof' });
const metrics = new Metrics({ namespace: 'Trailproof', serviceName: 'trailproof' });

const RuntimeEnvSchema = z.object({
  STAGING_BUCKET: z.string().min(3, 'set STAGING_BUCKET to the staging bucket name'),
  REPORTS_BUCKET: z.string().min(3).optional(),
  /** Folder with one `<tenant id>.yaml` per tenant (the deployment copies them into the bundle). */
  TRAILPROOF_TENANTS_DIR: z.string().optional(),
  /** The tenant's KMS key: every report object is encrypted with it. */
  REPORTS_KMS_KEY_ARN: z.string().optional(),
  /** KMS key that signs report manifests; required inside Lambda. */
  SIGNING_KEY_ARN: z.string().optional(),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
  LAMBDA_TASK_ROOT: z.string().optional(),
});

type RuntimeEnv = z.infer<typeof RuntimeEnvSchema>;

/** A function deployed without a setting it needs: fails the invocation with the setting's name. */
class RuntimeConfigError extends Error {
  override name = 'RuntimeConfigError' as const;
}

function runtimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const parsed = RuntimeEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new RuntimeConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

const tenantCache = new Map<string, Promise<PipelineData>>();

/** The tenant's config, catalog and rules, loaded once per container. */
function tenantData(tenant: string, env: RuntimeEnv = runtimeEnv()): Promise<PipelineData> {
  if (!TENANT_ID.test(tenant)) throw new RuntimeConfigError(`"${tenant}" is not a tenant id`);
  const dir = env.TRAILPROOF_TENANTS_DIR ?? path.join(env.LAMBDA_TASK_ROOT ?? process.cwd(), 'tenants');
  let data = tenantCache.get(`${dir}\0${tenant}`);
  if (!data) {
    data = loadPipelineData(path.join(dir, `${tenant}.yaml`));
    tenantCache.set(`${dir}\0${tenant}`, data);
    // A failed load is not cached: the next invocation reads the file again.
    data.catch(() => tenantCache.delete(`${dir}\0${tenant}`));
  }
  return data;
}

function stagingStore(env: RuntimeEnv = runtimeEnv()): S3ObjectStore {
  return new S3ObjectStore(createS3Client(), env.STAGING_BUCKET);
}

function reportsStore(env: RuntimeEnv = runtimeEnv()): S3ObjectStore {
  if (!env.REPORTS_BUCKET) throw new RuntimeConfigError('REPORTS_BUCKET is not set for this function');
  return new S3ObjectStore(createS3Client(), env.REPORTS_BUCKET, env.REPORTS_KMS_KEY_ARN);
}

/** Parses a handler's event, naming every field that is wrong (Step Functions shows the message). */
function parseEvent<T>(schema: z.ZodType<T>, event: unknown, handler: string): T {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  throw new RuntimeConfigError(
    `${handler} received an event it cannot use: ${parsed.error.issues
      .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
      .join('; ')}`,
  );
}

export type { RuntimeEnv };
export {
  logger,
  metrics,
  parseEvent,
  RuntimeConfigError,
  reportsStore,
  runtimeEnv,
  stagingStore,
  tenantData,
};
