/**
 * @module Publish-index job: writes `<root>/<tenant>/index.html`, the tenant's list of published
 * reports with fresh expiring links, and returns a link to it.
 *
 * Regenerated on every publish (its links expire with the signing). Only period folders under the
 * tenant's own prefix are read, and a folder whose manifest names another tenant, or that holds no
 * report, is left out with a warning rather than listed.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  presignObject,
  presignReport,
  type SharedReport,
  signingCredentialsOf,
} from '../adapters/share/presignReport.js';
import { createIndexRenderer } from '../adapters/share/renderTenantIndex.js';
import { S3ObjectStore } from '../adapters/store/S3ObjectStore.js';
import type { TenantConfig } from '../core/config/tenantConfig.js';
import { ShareError } from '../core/share/errors.js';
import { type LinkExpiry, linkLifetime } from '../core/share/linkExpiry.js';
import { downloadFileName, reportPrefix, tenantPrefix } from '../core/share/reportKeys.js';
import { buildTenantIndex, type IndexReportInput } from '../core/share/tenantIndex.js';
import { readReportFigures } from './shareReportJob.js';

const INDEX_FILE = 'index.html';

interface PublishIndexJobOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix above the tenants' folders; '' for the bucket root. */
  readonly root: string;
  readonly config: TenantConfig;
  readonly expiry: LinkExpiry;
  readonly now?: Date;
  /** KMS key the index page is encrypted with (the tenant's key in the deployment). */
  readonly kmsKeyId?: string;
}

interface PublishIndexJobResult {
  readonly key: string;
  readonly uri: string;
  /** A presigned link that shows the index in a browser. */
  readonly url: string;
  readonly effectiveExpiresAt: string;
  readonly reports: readonly SharedReport[];
  readonly warnings: readonly string[];
}

/**
 * Lists the tenant's period folders, presigns every report and writes the index page.
 *
 * @example
 * const { url } = await publishIndexJob({ client, bucket, root: '', config, expiry: parseLinkExpiry('7d') });
 */
async function publishIndexJob(options: PublishIndexJobOptions): Promise<PublishIndexJobResult> {
  const { client, bucket, config, expiry } = options;
  const now = options.now ?? new Date();
  const base = tenantPrefix(options.root, config.id);
  const store = new S3ObjectStore(client, bucket, options.kmsKeyId);
  const warnings = new Set<string>();

  const reports: SharedReport[] = [];
  const entries: IndexReportInput[] = [];
  for (const folder of await store.listPrefixes(base)) {
    const period = folder.slice(base.length).replace(/\/$/, '');
    try {
      reportPrefix({ root: options.root, tenantId: config.id, period });
    } catch (error) {
      warnings.add(`skipped ${store.uri(folder)}: ${(error as Error).message}`);
      continue;
    }
    let shared: SharedReport;
    try {
      shared = await presignReport({
        client,
        place: { bucket, root: options.root, tenantId: config.id, period },
        expiry,
        now,
      });
    } catch (error) {
      if (!(error instanceof ShareError)) throw error;
      warnings.add(`not listed: ${error.message}`);
      continue;
    }
    for (const w of shared.warnings) warnings.add(w);
    const figures = await readReportFigures(client, shared);
    reports.push(shared);
    entries.push({
      period,
      periodFrom: shared.manifest.period?.from ?? null,
      periodLabel: shared.manifest.period?.label ?? null,
      reportId: shared.manifest.reportId,
      generatedAt: shared.manifest.generatedAt,
      links: shared.links.map((l) => ({ name: l.name, href: l.url, bytes: l.bytes })),
      change: figures.change,
      severities: figures.severities,
    });
  }

  const lifetime = linkLifetime(expiry, await signingCredentialsOf(client), now);
  if (lifetime.warning) warnings.add(lifetime.warning);
  const model = buildTenantIndex({
    tenant: { id: config.id, name: config.name },
    mssp: config.mssp,
    reports: entries,
    generatedAt: now,
    linksExpireAt: lifetime.effectiveExpiresAt,
  });
  if (model.refusedLinks) {
    warnings.add(
      `${model.refusedLinks} link(s) are neither https nor relative and are shown without a link (is AWS_ENDPOINT_URL_S3 plain http?)`,
    );
  }
  const html = (await createIndexRenderer())(model);
  const key = `${base}${INDEX_FILE}`;
  await store.put(key, Buffer.from(html), {
    contentType: 'text/html; charset=utf-8',
    cacheControl: 'no-store',
  });

  const url = await presignObject(client, {
    bucket,
    key,
    fileName: downloadFileName(config.id, 'reports', INDEX_FILE),
    contentType: 'text/html; charset=utf-8',
    disposition: 'inline',
    expiresInSeconds: expiry.seconds,
    now,
  });
  return {
    key,
    uri: store.uri(key),
    url,
    effectiveExpiresAt: lifetime.effectiveExpiresAt.toISOString(),
    reports,
    warnings: [...warnings],
  };
}

export type { PublishIndexJobOptions, PublishIndexJobResult };
export { INDEX_FILE, publishIndexJob };
