/**
 * @module Expiring download links for a published report: one presigned S3 GET per artifact,
 * served as an attachment under a clean file name with the artifact's content type.
 *
 * What is signed comes from the report's own `manifest.json` (the files it lists, plus the
 * manifest and its public key), and every key is built by `core/share/reportKeys` inside
 * `<root>/<tenant>/<period>/`: a report of another tenant, a traversal in a name or a prefix that
 * is not a tenant's period folder is refused before anything is signed. The links live as long as
 * asked (at most 7 days) or as long as the signing credentials, whichever is shorter; the result
 * says which, in words.
 */
import { GetObjectCommand, NoSuchBucket, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ManifestError, parseSignedManifest, type SignedManifest } from '../../core/report/manifest.js';
import { ShareError, ShareScopeError } from '../../core/share/errors.js';
import { type LinkExpiry, linkLifetime, type SigningCredentials } from '../../core/share/linkExpiry.js';
import {
  artifactKey,
  contentTypeOf,
  downloadFileName,
  type ReportPlace,
  reportPrefix,
} from '../../core/share/reportKeys.js';
import { ObjectNotFoundError, type StoredObject } from '../store/ObjectStore.js';
import { S3ObjectStore } from '../store/S3ObjectStore.js';

const MANIFEST_NAME = 'manifest.json';
const PUBLIC_KEY_NAME = 'manifest.pub.pem';

interface PresignObjectOptions {
  readonly bucket: string;
  readonly key: string;
  /** Saved as (attachment) or shown under (inline) this name; only `[A-Za-z0-9._-]`. */
  readonly fileName: string;
  readonly contentType: string;
  readonly disposition: 'attachment' | 'inline';
  readonly expiresInSeconds: number;
  readonly now: Date;
}

/**
 * One presigned GET. The response headers are fixed by the signed query
 * (`response-content-disposition`, `response-content-type`), so a link cannot be re-used to
 * serve the object as something else.
 */
async function presignObject(client: S3Client, options: PresignObjectOptions): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(options.fileName)) {
    throw new ShareScopeError(`download name ${JSON.stringify(options.fileName)} is not a clean file name`);
  }
  return getSignedUrl(
    client,
    new GetObjectCommand({
      Bucket: options.bucket,
      Key: options.key,
      ResponseContentDisposition: `${options.disposition}; filename="${options.fileName}"`,
      ResponseContentType: options.contentType,
    }),
    { expiresIn: options.expiresInSeconds, signingDate: options.now },
  );
}

/** What the client's credential provider says about the keys that will sign (temporary? until when?). */
async function signingCredentialsOf(client: S3Client): Promise<SigningCredentials> {
  const identity = await client.config.credentials();
  const expiration = identity.expiration ? new Date(identity.expiration) : null;
  return {
    temporary: Boolean(identity.sessionToken),
    expiresAt: expiration && !Number.isNaN(expiration.getTime()) ? expiration : null,
  };
}

interface SharedArtifact {
  /** Name in the report folder (`report.pdf`). */
  readonly name: string;
  readonly key: string;
  /** Name the browser saves it as (`acme-2026-10-report.pdf`). */
  readonly fileName: string;
  readonly contentType: string;
  /** Size from the listing. */
  readonly bytes: number;
  readonly url: string;
}

interface SharedReport {
  readonly bucket: string;
  /** The report's key prefix, with a trailing slash. */
  readonly prefix: string;
  readonly uri: string;
  readonly place: ReportPlace;
  readonly manifest: SignedManifest['manifest'];
  /** When the links were asked to expire (ISO). */
  readonly expiresAt: string;
  /** When they really stop working: earlier when the signing credentials expire first (ISO). */
  readonly effectiveExpiresAt: string;
  readonly links: readonly SharedArtifact[];
  /** Things the person sharing should know (links dying early, files missing, period mismatch). */
  readonly warnings: readonly string[];
}

interface PresignReportOptions {
  readonly client: S3Client;
  readonly place: ReportPlace;
  readonly expiry: LinkExpiry;
  /** Signing time; default now. */
  readonly now?: Date;
}

function describeS3Error(error: unknown): string {
  if (error instanceof S3ServiceException) return `${error.name} (HTTP ${error.$metadata.httpStatusCode})`;
  return error instanceof Error ? error.message : String(error);
}

/** Reads and parses the report's manifest; says clearly when the prefix is not a published report. */
async function readManifest(store: S3ObjectStore, prefix: string, listed: readonly StoredObject[]) {
  const where = store.uri(prefix);
  let bytes: Uint8Array;
  try {
    bytes = await store.get(`${prefix}${MANIFEST_NAME}`);
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
    if (listed.length === 0) {
      throw new ShareError(`nothing is published under ${where}: no report to share there`);
    }
    const names = listed.slice(0, 3).map((o) => o.key.slice(prefix.length));
    throw new ShareError(
      `${where} holds no ${MANIFEST_NAME} (found ${names.join(', ')}${listed.length > 3 ? ', …' : ''}): not a published report; publish one with trailproof report --out s3://…`,
    );
  }
  try {
    return parseSignedManifest(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch (error) {
    const reason = error instanceof ManifestError ? error.message : `not JSON (${(error as Error).message})`;
    throw new ShareError(`${where}${MANIFEST_NAME} is not a report manifest: ${reason}`);
  }
}

/**
 * Presigns every file of the report published at `<root>/<tenant>/<period>/`.
 *
 * @example
 * const shared = await presignReport({ client, place: { bucket, root: '', tenantId: 'acme', period: '2026-10' },
 *   expiry: parseLinkExpiry('7d') });
 * for (const link of shared.links) console.log(link.name, link.url);
 * @throws ShareScopeError when the place is unsafe or the manifest belongs to another tenant
 * @throws ShareError when there is no report (no manifest, not a manifest, no such bucket)
 */
async function presignReport(options: PresignReportOptions): Promise<SharedReport> {
  const { client, place, expiry } = options;
  const prefix = reportPrefix(place);
  const store = new S3ObjectStore(client, place.bucket);
  const where = store.uri(prefix);

  const listed: StoredObject[] = [];
  try {
    for await (const o of store.list(prefix)) listed.push(o);
  } catch (error) {
    if (
      error instanceof NoSuchBucket ||
      (error instanceof S3ServiceException && error.name === 'NoSuchBucket')
    )
      throw new ShareError(`bucket ${place.bucket} does not exist`);
    throw new ShareError(`cannot list ${where}: ${describeS3Error(error)}`);
  }
  const signed = await readManifest(store, prefix, listed);
  const { manifest } = signed;
  if (manifest.tenant.id !== place.tenantId) {
    throw new ShareScopeError(
      `${where}${MANIFEST_NAME} is a report of tenant ${JSON.stringify(manifest.tenant.id)}, not ${JSON.stringify(place.tenantId)}: refusing to share it from this tenant's folder`,
    );
  }

  const warnings: string[] = [];
  if (manifest.period && manifest.period.label !== place.period) {
    warnings.push(
      `the report in ${where} covers ${JSON.stringify(manifest.period.label)}, not ${JSON.stringify(place.period)} as its folder says`,
    );
  }
  const sizes = new Map(listed.map((o) => [o.key.slice(prefix.length), o.size]));
  const names = [...manifest.artifacts.map((a) => a.name), MANIFEST_NAME];
  if (sizes.has(PUBLIC_KEY_NAME)) names.push(PUBLIC_KEY_NAME);
  const missing = names.filter((n) => !sizes.has(n));
  if (missing.length) {
    warnings.push(
      `${missing.length} file(s) the manifest lists are not in ${where} and get no link: ${missing.join(', ')}`,
    );
  }
  const listedNames = new Set(names);
  const unlisted = [...sizes.keys()].filter((n) => !listedNames.has(n));
  if (unlisted.length) {
    warnings.push(
      `${unlisted.length} object(s) in ${where} are not in the signed manifest and are not shared: ${unlisted.slice(0, 5).join(', ')}${unlisted.length > 5 ? ', …' : ''}`,
    );
  }

  // Links count from the moment they are signed, after the reads above.
  const now = options.now ?? new Date();
  const lifetime = linkLifetime(expiry, await signingCredentialsOf(client), now);
  if (lifetime.warning) warnings.push(lifetime.warning);

  const links: SharedArtifact[] = [];
  for (const name of names.filter((n) => sizes.has(n)).sort()) {
    const key = artifactKey(prefix, name);
    const fileName = downloadFileName(place.tenantId, place.period, name);
    const contentType = contentTypeOf(name);
    const url = await presignObject(client, {
      bucket: place.bucket,
      key,
      fileName,
      contentType,
      disposition: 'attachment',
      expiresInSeconds: expiry.seconds,
      now,
    });
    links.push({ name, key, fileName, contentType, bytes: sizes.get(name) ?? 0, url });
  }
  return {
    bucket: place.bucket,
    prefix,
    uri: where,
    place,
    manifest,
    expiresAt: lifetime.requestedExpiresAt.toISOString(),
    effectiveExpiresAt: lifetime.effectiveExpiresAt.toISOString(),
    links,
    warnings,
  };
}

export type { PresignObjectOptions, PresignReportOptions, SharedArtifact, SharedReport };
export { presignObject, presignReport, signingCredentialsOf };
