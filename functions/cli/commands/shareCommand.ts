/**
 * @module `trailproof share <s3://bucket/[root/]tenant/period/> | --config tenant.yaml --period P
 * [--root s3://bucket/prefix] [--expires 7d] [--json] [--index] [--notify]`: expiring download
 * links to a published report, one per file.
 */
import type { Command } from 'commander';
import { loadTenantConfig } from '../../adapters/fs/loadTenantConfig.js';
import { createS3Client, isS3Uri, parseS3Uri } from '../../adapters/store/s3Access.js';
import type { TenantConfig } from '../../core/config/tenantConfig.js';
import { ShareError } from '../../core/share/errors.js';
import { DEFAULT_LINK_EXPIRY, type LinkExpiry, parseLinkExpiry } from '../../core/share/linkExpiry.js';
import { normaliseRoot, type ReportPlace, reportPlaceOf, reportPrefix } from '../../core/share/reportKeys.js';
import { publishIndexJob } from '../../jobs/publishIndexJob.js';
import { shareReportJob } from '../../jobs/shareReportJob.js';
import { UsageError } from './analyzeCommand.js';

interface ShareCommandOptions {
  config?: string;
  period?: string;
  root?: string;
  expires?: string;
  json?: boolean;
  index?: boolean;
  notify?: boolean;
}

/** Names come from a manifest: printed as data, never as terminal controls. */
function printable(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  return /[\s\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value)
    ? JSON.stringify(value)
    : value;
}

/** Where the report is: from the s3:// argument, or from the tenant config, period and root. */
function placeOf(
  report: string | undefined,
  options: ShareCommandOptions,
  config: TenantConfig | null,
): ReportPlace {
  if (report !== undefined) {
    if (options.period || options.root) {
      throw new UsageError(
        'share: give either an s3:// report prefix or --config with --period [--root], not both',
      );
    }
    if (!isS3Uri(report)) {
      throw new UsageError(
        `share: ${JSON.stringify(report)} is not an s3:// location; give the published report's prefix, s3://bucket/[root/]<tenant>/<period>/`,
      );
    }
    const { bucket, prefix } = parseS3Uri(report);
    const place = reportPlaceOf(bucket, prefix);
    if (config && config.id !== place.tenantId) {
      throw new UsageError(
        `share: ${report} is in the folder of tenant ${place.tenantId}, not of ${config.id} (--config ${options.config})`,
      );
    }
    return place;
  }
  if (!config || !options.period) {
    throw new UsageError(
      'share: give a published report (s3://bucket/[root/]<tenant>/<period>/) or --config tenant.yaml with --period',
    );
  }
  const rootUri = options.root ?? process.env.TRAILPROOF_REPORTS_ROOT;
  if (!rootUri) {
    throw new UsageError(
      'share: --root s3://bucket[/prefix] (the location reports are published under) is needed with --config, or set TRAILPROOF_REPORTS_ROOT',
    );
  }
  if (!isS3Uri(rootUri)) throw new UsageError(`--root: ${JSON.stringify(rootUri)} is not an s3:// location`);
  const { bucket, prefix } = parseS3Uri(rootUri);
  const place = { bucket, root: normaliseRoot(prefix), tenantId: config.id, period: options.period };
  reportPrefix(place);
  return place;
}

async function runShare(report: string | undefined, options: ShareCommandOptions): Promise<void> {
  const config = options.config ? (await loadTenantConfig(options.config)).config : null;
  if ((options.notify || options.index) && !config) {
    throw new UsageError(
      `share: --${options.notify ? 'notify' : 'index'} needs --config (the tenant's names, recipients and channel)`,
    );
  }
  const place = placeOf(report, options, config);
  const expiry: LinkExpiry = parseLinkExpiry(
    options.expires ?? config?.sharing?.linkExpiry ?? DEFAULT_LINK_EXPIRY,
    options.expires ? '--expires' : 'sharing.linkExpiry',
  );
  const client = createS3Client();
  const index =
    options.index && config
      ? await publishIndexJob({ client, bucket: place.bucket, root: place.root, config, expiry })
      : null;
  const { shared, notification } = await shareReportJob({
    client,
    place,
    expiry,
    ...(options.notify && config ? { notify: { config, indexUrl: index?.url ?? null } } : {}),
  });
  const warnings = [...new Set([...shared.warnings, ...(index?.warnings ?? [])])];
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);

  if (options.json) {
    const out = {
      report: shared.uri,
      tenant: shared.manifest.tenant,
      period: shared.place.period,
      reportId: shared.manifest.reportId,
      expires: expiry.text,
      expiresAt: shared.expiresAt,
      effectiveExpiresAt: shared.effectiveExpiresAt,
      links: shared.links.map((l) => ({
        name: l.name,
        fileName: l.fileName,
        contentType: l.contentType,
        bytes: l.bytes,
        url: l.url,
      })),
      index: index ? { uri: index.uri, url: index.url } : null,
      notification,
      warnings,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const width = Math.max(0, ...shared.links.map((l) => printable(l.name).length));
  for (const link of shared.links)
    process.stdout.write(`${printable(link.name).padEnd(width)}  ${link.url}\n`);
  if (index) process.stdout.write(`${'index.html'.padEnd(width)}  ${index.url}\n`);
  if (notification) {
    process.stderr.write(
      `notified ${notification.to.join(', ')} through ${notification.channel.toUpperCase()}\n`,
    );
  }
}

function registerShareCommand(program: Command): void {
  program
    .command('share')
    .description('print expiring download links (presigned S3 URLs) to every file of a published report')
    .argument('[report]', 'the published report: s3://bucket/[root/]<tenant>/<period>/')
    .option(
      '-c, --config <file>',
      'tenant config (YAML): share its --period, and guard that the report is its own',
    )
    .option('--period <period>', 'with --config: the period folder (2026-10, 2026-10-05)')
    .option(
      '--root <s3uri>',
      'with --config: where reports are published (s3://bucket[/prefix]); default TRAILPROOF_REPORTS_ROOT',
    )
    .option(
      '--expires <duration>',
      `link lifetime: 7d, 12h, 30m (at most 7d; default sharing.linkExpiry or ${DEFAULT_LINK_EXPIRY})`,
    )
    .option('--json', 'print the links as JSON')
    .option('--index', "with --config: regenerate the tenant's index.html and print its link")
    .option('--notify', "with --config: send the links through the config's sharing.notify (SES or SNS)")
    .action(async (report: string | undefined, options: ShareCommandOptions) => {
      try {
        await runShare(report, options);
      } catch (error) {
        // Sharing problems are about the arguments or the prefix given: exit 2 with the message.
        if (error instanceof ShareError) throw new UsageError(error.message);
        throw error;
      }
    });
}

export { registerShareCommand };
