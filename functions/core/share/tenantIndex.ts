/**
 * @module The per-tenant index page: one white-labelled list of a tenant's published reports,
 * newest period first, with download links for every file, the change since the previous period
 * and open findings by severity.
 *
 * Pure: builds the view model `templates/index.hbs` renders. Everything shown comes from S3
 * (folder names, manifests, `analysis.json`, `change.json`) and is treated as hostile: text is
 * cleaned of control characters here and escaped by the template; a link is kept only when
 * {@link safeHref} accepts it; brand colours are used only when they are `#rrggbb`.
 */
import { readableOn } from '../report/colourContrast.js';
import type { ChangeCounts, SeverityCounts } from './reportFigures.js';
import { SEVERITY_ORDER } from './reportFigures.js';
import { plainLine, safeHref } from './safeText.js';

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
const DEFAULT_PRIMARY = '#1f3a5f';
const DEFAULT_ACCENT = '#d97706';

/** The files shown first, with a human label; the rest follow by name. */
const PRIMARY_FILES: ReadonlyMap<string, string> = new Map([
  ['report.pdf', 'Report (PDF)'],
  ['report.html', 'Report (HTML)'],
]);
const MANIFEST_FILES: ReadonlySet<string> = new Set(['manifest.json', 'manifest.pub.pem']);

interface IndexLinkInput {
  /** The artifact's name in the report folder (`report.pdf`). */
  readonly name: string;
  /** A presigned `https:` URL or a relative name; anything else is shown without a link. */
  readonly href: string;
  readonly bytes?: number | null;
}

interface IndexReportInput {
  /** The period folder's name (`2026-10`). */
  readonly period: string;
  /** From the manifest: the analysed period's start, used to order the list. */
  readonly periodFrom?: string | null;
  readonly periodLabel?: string | null;
  readonly reportId: string;
  /** ISO instant from the manifest. */
  readonly generatedAt: string;
  readonly links: readonly IndexLinkInput[];
  readonly change?: ChangeCounts | null;
  readonly severities?: SeverityCounts | null;
}

interface TenantIndexInput {
  readonly tenant: { readonly id: string; readonly name: string };
  readonly mssp: {
    readonly name: string;
    readonly colors?: { readonly primary?: string; readonly accent?: string };
    readonly contact?: string;
    readonly poweredBy?: boolean;
  };
  readonly reports: readonly IndexReportInput[];
  readonly generatedAt: Date;
  /** When the links on the page stop working. */
  readonly linksExpireAt: Date | null;
}

interface IndexLink {
  readonly label: string;
  readonly name: string;
  /** Null when the given link was refused: the name is shown as text. */
  readonly href: string | null;
  readonly size: string | null;
}

interface IndexReport {
  readonly period: string;
  readonly periodLabel: string | null;
  readonly reportId: string;
  readonly generatedAt: string;
  readonly primary: readonly IndexLink[];
  readonly files: readonly IndexLink[];
  readonly manifest: readonly IndexLink[];
  readonly change: ChangeCounts | null;
  readonly severities: readonly { readonly label: string; readonly count: number }[] | null;
  readonly openFindings: number | null;
}

interface TenantIndexModel {
  readonly title: string;
  readonly brand: {
    readonly name: string;
    readonly primary: string;
    readonly accent: string;
    readonly primaryText: string;
    readonly contact: string | null;
    readonly poweredBy: boolean;
  };
  readonly tenantName: string;
  readonly generatedAt: string;
  readonly linksExpireAt: string | null;
  readonly reports: readonly IndexReport[];
  /** Links that were refused (not https or relative), for the job's warnings. */
  readonly refusedLinks: number;
}

function formatInstant(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return plainLine(iso, 40);
  const text = new Date(ms).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 16)} UTC`;
}

function formatBytes(bytes: number | null | undefined): string | null {
  if (bytes === null || bytes === undefined || !Number.isSafeInteger(bytes) || bytes < 0) return null;
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function colour(value: string | undefined, fallback: string): string {
  return value && HEX_COLOUR.test(value) ? value.toLowerCase() : fallback;
}

/** Newest first: by the analysed period's start when known, then by folder name. */
function newestFirst(a: IndexReportInput, b: IndexReportInput): number {
  const am = Date.parse(a.periodFrom ?? '');
  const bm = Date.parse(b.periodFrom ?? '');
  if (!Number.isNaN(am) && !Number.isNaN(bm) && am !== bm) return bm - am;
  return a.period < b.period ? 1 : a.period > b.period ? -1 : 0;
}

/**
 * Builds the index page's view model.
 *
 * @example
 * const model = buildTenantIndex({ tenant, mssp: config.mssp, reports, generatedAt: new Date(), linksExpireAt });
 * renderIndex(model);
 */
function buildTenantIndex(input: TenantIndexInput): TenantIndexModel {
  let refusedLinks = 0;
  const link = (l: IndexLinkInput, label: string): IndexLink => {
    const href = safeHref(l.href);
    if (href === null) refusedLinks++;
    return { label: plainLine(label, 120), name: plainLine(l.name, 120), href, size: formatBytes(l.bytes) };
  };
  const reports = [...input.reports].sort(newestFirst).map((r): IndexReport => {
    const primary = [...PRIMARY_FILES.keys()]
      .map((name) => r.links.find((l) => l.name === name))
      .filter((l): l is IndexLinkInput => l !== undefined)
      .map((l) => link(l, PRIMARY_FILES.get(l.name)!));
    const files = r.links
      .filter((l) => !PRIMARY_FILES.has(l.name) && !MANIFEST_FILES.has(l.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((l) => link(l, l.name));
    const manifest = r.links.filter((l) => MANIFEST_FILES.has(l.name)).map((l) => link(l, l.name));
    const severities = r.severities
      ? SEVERITY_ORDER.map((s) => ({ label: s, count: r.severities![s] }))
      : null;
    return {
      period: plainLine(r.period, 130),
      periodLabel: r.periodLabel && r.periodLabel !== r.period ? plainLine(r.periodLabel, 80) : null,
      reportId: plainLine(r.reportId, 120),
      generatedAt: formatInstant(r.generatedAt),
      primary,
      files,
      manifest,
      change: r.change ?? null,
      severities,
      openFindings: severities ? severities.reduce((n, s) => n + s.count, 0) : null,
    };
  });
  const primary = colour(input.mssp.colors?.primary, DEFAULT_PRIMARY);
  const msspName = plainLine(input.mssp.name, 120);
  const tenantName = plainLine(input.tenant.name, 120);
  return {
    title: `${tenantName} — evidence reports from ${msspName}`,
    brand: {
      name: msspName,
      primary,
      accent: colour(input.mssp.colors?.accent, DEFAULT_ACCENT),
      primaryText: readableOn(primary),
      contact: input.mssp.contact ? plainLine(input.mssp.contact, 200) : null,
      poweredBy: input.mssp.poweredBy === true,
    },
    tenantName,
    generatedAt: formatInstant(input.generatedAt.toISOString()),
    linksExpireAt: input.linksExpireAt ? formatInstant(input.linksExpireAt.toISOString()) : null,
    reports,
    refusedLinks,
  };
}

export type { IndexLinkInput, IndexReportInput, TenantIndexInput, TenantIndexModel };
export { buildTenantIndex };
