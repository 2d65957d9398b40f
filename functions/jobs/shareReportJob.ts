/**
 * @module Share job: expiring links to one published report and, when asked, the notification
 * that tells the tenant's recipients (SES) or the MSSP's topic (SNS) where to fetch it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type NotifyClients, type NotifyResult, sendNotification } from '../adapters/share/notify.js';
import { presignReport, type SharedReport } from '../adapters/share/presignReport.js';
import { S3ObjectStore } from '../adapters/store/S3ObjectStore.js';
import type { TenantConfig } from '../core/config/tenantConfig.js';
import { ShareError } from '../core/share/errors.js';
import type { LinkExpiry } from '../core/share/linkExpiry.js';
import { buildNotification, type NotificationMessage } from '../core/share/notificationMessage.js';
import {
  type ChangeCounts,
  changeCountsOf,
  type SeverityCounts,
  severityCountsOf,
} from '../core/share/reportFigures.js';
import type { ReportPlace } from '../core/share/reportKeys.js';

/** Larger files are not read for their figures (the figures are then omitted, not guessed). */
const FIGURE_FILE_LIMITS: Readonly<Record<'analysis.json' | 'change.json', number>> = {
  'analysis.json': 16 * 1024 * 1024,
  'change.json': 4 * 1024 * 1024,
};

interface ReportFigures {
  readonly severities: SeverityCounts | null;
  readonly change: ChangeCounts | null;
}

async function readJson(store: S3ObjectStore, shared: SharedReport, name: keyof typeof FIGURE_FILE_LIMITS) {
  const link = shared.links.find((l) => l.name === name);
  if (!link || link.bytes > FIGURE_FILE_LIMITS[name]) return undefined;
  try {
    return JSON.parse(Buffer.from(await store.get(link.key)).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Open findings by severity and the change counts of a shared report, when its files hold them. */
async function readReportFigures(client: S3Client, shared: SharedReport): Promise<ReportFigures> {
  const store = new S3ObjectStore(client, shared.bucket);
  const [analysis, change] = await Promise.all([
    readJson(store, shared, 'analysis.json'),
    readJson(store, shared, 'change.json'),
  ]);
  return { severities: severityCountsOf(analysis), change: changeCountsOf(change) };
}

interface ShareReportJobOptions {
  readonly client: S3Client;
  readonly place: ReportPlace;
  readonly expiry: LinkExpiry;
  readonly now?: Date;
  /** Send the notification configured in `config.sharing.notify` to `config.recipients`. */
  readonly notify?: {
    readonly config: TenantConfig;
    readonly clients?: NotifyClients;
    /** A presigned link to the tenant's index page, added to the message. */
    readonly indexUrl?: string | null;
  };
}

interface ShareReportJobResult {
  readonly shared: SharedReport;
  readonly message: NotificationMessage | null;
  readonly notification: NotifyResult | null;
}

/**
 * Presigns the report's files and optionally notifies.
 *
 * @example
 * const { shared } = await shareReportJob({ client, place, expiry: parseLinkExpiry('7d') });
 * @throws ShareError when the report cannot be shared, or notification is asked but not configured
 */
async function shareReportJob(options: ShareReportJobOptions): Promise<ShareReportJobResult> {
  const notify = options.notify;
  const target = notify?.config.sharing?.notify;
  if (notify && !target) {
    throw new ShareError(
      `sharing.notify: the tenant config of ${notify.config.id} names no channel; add sharing: { notify: { ses: { from } } } or { sns: { topicArn } }`,
    );
  }
  if (notify && notify.config.id !== options.place.tenantId) {
    throw new ShareError(
      `the report belongs to tenant ${options.place.tenantId}, the config to ${notify.config.id}: not notifying`,
    );
  }
  const shared = await presignReport({
    client: options.client,
    place: options.place,
    expiry: options.expiry,
    ...(options.now ? { now: options.now } : {}),
  });
  if (!notify || !target) return { shared, message: null, notification: null };

  const figures = await readReportFigures(options.client, shared);
  const message = buildNotification({
    tenantName: notify.config.name,
    msspName: notify.config.mssp.name,
    period: shared.manifest.period?.label ?? shared.place.period,
    severities: figures.severities,
    links: shared.links.map((l) => ({ name: l.name, url: l.url })),
    expiresAt: new Date(shared.effectiveExpiresAt),
    indexUrl: notify.indexUrl ?? null,
  });
  const notification = await sendNotification(message, target, notify.config.recipients, notify.clients);
  return { shared, message, notification };
}

export type { ReportFigures, ShareReportJobOptions, ShareReportJobResult };
export { readReportFigures, shareReportJob };
