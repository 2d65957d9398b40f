/**
 * @module Where a tenant's published reports live in a bucket, and the one way to name a key in
 * there: `<root>/<tenant>/<period>/<artifact>`.
 *
 * Tenant isolation rests on this module. Every key that sharing signs or reads is built here from
 * validated parts, and checked again once built: a tenant id, a period or an artifact name that is
 * empty, `.` or `..`, holds a slash where none belongs, or a control character, is refused, so no
 * input (command line, manifest, S3 listing) can make a link point outside the tenant's folder.
 */
import { TENANT_ID } from '../config/tenantConfig.js';
import { ShareScopeError } from './errors.js';

/** A period folder: `2026-10`, `2026-10-05`, or any other plain name. */
const PERIOD_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const UNSAFE_CHARACTERS = /[\\\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A published report's place: bucket, the root prefix above the tenants, tenant and period. */
interface ReportPlace {
  readonly bucket: string;
  /** Key prefix above the tenants' folders, without leading or trailing slash; '' for the bucket root. */
  readonly root: string;
  readonly tenantId: string;
  readonly period: string;
}

function checkTenantId(tenantId: string): string {
  if (!TENANT_ID.test(tenantId)) {
    throw new ShareScopeError(
      `tenant id ${JSON.stringify(tenantId)} is not a tenant id (lowercase letters, digits and dashes)`,
    );
  }
  return tenantId;
}

function checkPeriod(period: string): string {
  if (!PERIOD_SEGMENT.test(period) || period.includes('..')) {
    throw new ShareScopeError(
      `period ${JSON.stringify(period)} is not a period folder name (letters, digits, '.', '_' and '-', like 2026-10 or 2026-10-05)`,
    );
  }
  return period;
}

/**
 * Normalises a root prefix (`reports/`, `/reports`, `''`) to `reports` or `''`.
 * @throws ShareScopeError for an empty, `.` or `..` segment, or a control character
 */
function normaliseRoot(root: string): string {
  const trimmed = root.replace(/^\/+|\/+$/g, '');
  if (!trimmed) return '';
  const segments = trimmed.split('/');
  if (UNSAFE_CHARACTERS.test(trimmed) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new ShareScopeError(
      `root prefix ${JSON.stringify(root)} has an empty, '.' or '..' segment or a control character`,
    );
  }
  return trimmed;
}

/**
 * The key prefix of one tenant's folder, with a trailing slash.
 *
 * @example tenantPrefix('reports', 'acme') // 'reports/acme/'
 */
function tenantPrefix(root: string, tenantId: string): string {
  const base = normaliseRoot(root);
  return `${base ? `${base}/` : ''}${checkTenantId(tenantId)}/`;
}

/**
 * The key prefix of one published report, with a trailing slash.
 *
 * @example reportPrefix({ bucket: 'b', root: '', tenantId: 'acme', period: '2026-10' }) // 'acme/2026-10/'
 * @throws ShareScopeError when the tenant id, the period or the root is unsafe
 */
function reportPrefix(place: Omit<ReportPlace, 'bucket'>): string {
  return `${tenantPrefix(place.root, place.tenantId)}${checkPeriod(place.period)}/`;
}

/**
 * Reads a report's place from the key prefix of `s3://bucket/<root…>/<tenant>/<period>/`.
 *
 * @example reportPlaceOf('b', 'reports/acme/2026-10/') // { bucket: 'b', root: 'reports', tenantId: 'acme', period: '2026-10' }
 * @throws ShareScopeError when the prefix does not end in `<tenant>/<period>/` or has an unsafe segment
 */
function reportPlaceOf(bucket: string, prefix: string): ReportPlace {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const segments = trimmed ? trimmed.split('/') : [];
  const where = `s3://${bucket}/${prefix}`;
  if (UNSAFE_CHARACTERS.test(trimmed) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new ShareScopeError(`${where}: a report prefix may not hold empty, '.' or '..' segments`);
  }
  if (segments.length < 2) {
    throw new ShareScopeError(
      `${where} is not a published report's prefix; expected s3://bucket/[root/]<tenant>/<period>/`,
    );
  }
  const period = segments.at(-1)!;
  const tenantId = segments.at(-2)!;
  if (!TENANT_ID.test(tenantId)) {
    throw new ShareScopeError(
      `${where} does not end in <tenant>/<period>/: ${JSON.stringify(tenantId)} is not a tenant id`,
    );
  }
  checkPeriod(period);
  return { bucket, root: segments.slice(0, -2).join('/'), tenantId, period };
}

/** Relative, forward slashes, no empty, `.` or `..` segment, no backslash or control character. */
function isSafeArtifactName(name: string): boolean {
  if (name.length === 0 || name.length > 512 || UNSAFE_CHARACTERS.test(name)) return false;
  return name.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * The key of one artifact of a report: the report prefix and a safe name, and nothing outside it.
 *
 * @example artifactKey('acme/2026-10/', 'report.pdf') // 'acme/2026-10/report.pdf'
 * @throws ShareScopeError for a name that is unsafe or would leave the prefix
 */
function artifactKey(prefix: string, name: string): string {
  if (!prefix.endsWith('/') || !isSafeArtifactName(name)) {
    throw new ShareScopeError(
      `artifact name ${JSON.stringify(name)} is not a plain relative name inside the report's folder`,
    );
  }
  const key = `${prefix}${name}`;
  // Belt and braces: resolving the key as a path must leave it where it is.
  const resolved = new URL(key, 's3://scope/').pathname.slice(1);
  if (resolved !== key || !key.startsWith(prefix)) {
    throw new ShareScopeError(`artifact ${JSON.stringify(name)} would leave ${prefix}`);
  }
  return key;
}

/**
 * The file name a browser saves an artifact as: tenant, period and artifact name, only
 * `[A-Za-z0-9._-]` (safe in a quoted Content-Disposition and on every file system).
 *
 * @example downloadFileName('acme', '2026-10', 'report.pdf') // 'acme-2026-10-report.pdf'
 */
function downloadFileName(tenantId: string, period: string, name: string): string {
  const raw = `${tenantId}-${period}-${name.replaceAll('/', '-')}`;
  return raw
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[.-]+/, '')
    .slice(0, 200);
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
  gz: 'application/gzip',
  pem: 'application/x-pem-file',
};

/** The Content-Type a report artifact is served with, by its extension. */
function contentTypeOf(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return (ext && CONTENT_TYPES[ext]) || 'application/octet-stream';
}

export type { ReportPlace };
export {
  artifactKey,
  contentTypeOf,
  downloadFileName,
  isSafeArtifactName,
  normaliseRoot,
  reportPlaceOf,
  reportPrefix,
  TENANT_ID,
  tenantPrefix,
};
