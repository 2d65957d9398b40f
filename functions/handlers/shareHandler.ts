/**
 * @module Share, after Report: regenerate the tenant's index page (every period, presigned links)
 * and, when the tenant config asks for it, notify its recipients (SES) or the MSSP's topic (SNS)
 * with the summary figures and the expiring links.
 */
import { createS3Client } from '../adapters/store/s3Access.js';
import { DEFAULT_LINK_EXPIRY, parseLinkExpiry } from '../core/share/linkExpiry.js';
import { publishIndexJob } from '../jobs/publishIndexJob.js';
import { shareReportJob } from '../jobs/shareReportJob.js';
import { ShareEventSchema } from './events.js';
import { logger, parseEvent, RuntimeConfigError, runtimeEnv, tenantData } from './runtime.js';

interface ShareOutput {
  readonly indexUri: string;
  readonly links: number;
  /** Where the notification went (addresses or topic); empty when the tenant has none configured. */
  readonly notified: readonly string[];
  /** When the links stop working (the signing credentials may end them before the requested expiry). */
  readonly linksExpireAt: string;
  readonly warnings: readonly string[];
}

async function handler(event: unknown): Promise<ShareOutput> {
  const input = parseEvent(ShareEventSchema, event, 'share');
  const env = runtimeEnv();
  if (!env.REPORTS_BUCKET) throw new RuntimeConfigError('REPORTS_BUCKET is not set for this function');
  const { config } = await tenantData(input.tenant, env);
  const expiry = parseLinkExpiry(config.sharing?.linkExpiry ?? DEFAULT_LINK_EXPIRY, 'sharing.linkExpiry');
  const client = createS3Client();
  const index = await publishIndexJob({
    client,
    bucket: env.REPORTS_BUCKET,
    root: '',
    config,
    expiry,
    ...(env.REPORTS_KMS_KEY_ARN ? { kmsKeyId: env.REPORTS_KMS_KEY_ARN } : {}),
  });
  const notify = config.sharing?.notify;
  const { shared, notification } = await shareReportJob({
    client,
    place: { bucket: env.REPORTS_BUCKET, root: '', tenantId: config.id, period: input.period },
    expiry,
    ...(notify ? { notify: { config, indexUrl: index.url } } : {}),
  });
  const warnings = [...new Set([...shared.warnings, ...index.warnings])];
  for (const warning of warnings) logger.warn('share warning', { warning });
  logger.info('shared', {
    tenant: config.id,
    period: input.period,
    links: shared.links.length,
    channel: notification?.channel ?? null,
  });
  return {
    indexUri: index.uri,
    links: shared.links.length,
    notified: notification?.to ?? [],
    linksExpireAt: index.effectiveExpiresAt,
    warnings,
  };
}

export type { ShareOutput };
export { handler };
