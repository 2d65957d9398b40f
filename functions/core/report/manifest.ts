/**
 * @module The integrity manifest of a report (`trailproof/manifest@1`): what a report run wrote,
 * byte for byte, and what it read, signed so that a downloaded report folder can be checked.
 *
 * Pure: hashing only, no file system. The adapters read files and keys; signing goes through
 * {@link ManifestSigner} so that a KMS asymmetric key can sign in AWS with the same manifest.
 *
 * The signature covers {@link canonicalManifestBytes}: the manifest as JSON with sorted keys and no
 * whitespace (for the values a manifest holds — strings, integers, null — this is RFC 8785 JCS).
 * Fields may be added within @1; a verifier signs and checks whatever fields the manifest holds.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { describeIssue, formatIssuePath } from '../shared/zodIssues.js';

const MANIFEST_SCHEMA = 'trailproof/manifest@1';

const SIGNATURE_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha256'] as const;
type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

/** CloudTrail log-file integrity validation status of one input (digest files). */
const DIGEST_STATUSES = ['verified', 'not-covered', 'failed', 'not-validated'] as const;
type DigestStatus = (typeof DIGEST_STATUSES)[number];

/** One file of the report; `name` is relative to the report directory, with forward slashes. */
interface ManifestEntry {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** One input file the analysis read. Until collection validates digests, every local input is `not-validated`. */
interface InputEntry {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly records: number;
  readonly digest: DigestStatus;
}

interface InputTotals {
  readonly files: number;
  readonly bytes: number;
  readonly records: number;
  readonly byDigest: Readonly<Record<DigestStatus, number>>;
}

interface ManifestPeriod {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

interface ManifestFields {
  readonly reportId: string;
  readonly tenant: { readonly id: string; readonly name: string };
  readonly period: ManifestPeriod | null;
  /** ISO 8601 instant. */
  readonly generatedAt: string;
  readonly toolVersion: string;
  readonly catalogVersion: string;
  readonly rulesVersion: string;
  /** sha256 of the tenant config file, or null when none was used. */
  readonly configHash: string | null;
  readonly artifacts: readonly ManifestEntry[];
  readonly inputs: readonly InputEntry[];
}

interface Manifest extends ManifestFields {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly inputTotals: InputTotals;
}

interface ManifestSignature {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** Base64 of the signature over {@link canonicalManifestBytes}. */
  readonly value: string;
}

/** The content of `manifest.json`. */
interface SignedManifest {
  readonly manifest: Manifest;
  readonly signature: ManifestSignature;
}

/** Signs bytes with a private key it holds (a local Ed25519 key file; later an AWS KMS key). */
interface ManifestSigner {
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Checks a signature; false (not an exception) for a key or algorithm it does not hold. */
interface ManifestVerifier {
  verify(
    data: Uint8Array,
    signature: Uint8Array,
    keyId: string,
    algorithm: SignatureAlgorithm,
  ): Promise<boolean>;
}

/** A file's size and sha256, for readers that hash while streaming instead of returning the bytes. */
interface FileDigest {
  readonly bytes: number;
  readonly sha256: string;
}

/** Reads an artifact by manifest name; undefined when it does not exist. */
type ArtifactReader = (name: string) => Promise<Uint8Array | FileDigest | undefined>;

type ArtifactStatus = 'ok' | 'changed' | 'missing' | 'extra';

interface ArtifactCheck {
  readonly name: string;
  readonly status: ArtifactStatus;
  /** As recorded in the manifest (absent for `extra`). */
  readonly expected?: FileDigest;
  /** As found (absent for `missing`). */
  readonly actual?: FileDigest;
}

interface SignatureCheck {
  readonly valid: boolean;
  /** The key the manifest names as its signer. */
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
}

interface VerifyResult {
  /** True only when every artifact matches, nothing extra is present and the signature is valid. */
  readonly ok: boolean;
  readonly signature: SignatureCheck;
  /** Manifest artifacts first (by name), then extra files (by name). */
  readonly artifacts: readonly ArtifactCheck[];
  readonly counts: Readonly<Record<ArtifactStatus, number>>;
}

/** A manifest that cannot be built or read: names the field and what is wrong. */
class ManifestError extends Error {
  override name = 'ManifestError' as const;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Relative, forward slashes, no `.`/`..`/empty segment, no backslash or control character. */
function isSafeEntryName(name: string): boolean {
  if (name.length === 0 || name.length > 1024) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(name)) return false;
  return name.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** Code-unit order, the same on every machine and locale. */
function byName<T extends { readonly name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Input names are labels (a relative path, an S3 URI), never opened: only non-empty and printable. */
function isPrintableName(name: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  return name.length > 0 && name.length <= 2048 && !/[\u0000-\u001f\u007f]/.test(name);
}

function checkEntries(
  kind: 'artifacts' | 'inputs',
  entries: readonly { name: string; bytes: number; sha256: string }[],
): void {
  const nameOk = kind === 'artifacts' ? isSafeEntryName : isPrintableName;
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!nameOk(entry.name)) throw new ManifestError(`${kind}: unsafe name ${JSON.stringify(entry.name)}`);
    if (seen.has(entry.name)) throw new ManifestError(`${kind}: ${entry.name} is listed twice`);
    seen.add(entry.name);
    if (!Number.isSafeInteger(entry.bytes) || entry.bytes < 0)
      throw new ManifestError(`${kind}: ${entry.name} has an invalid size ${entry.bytes}`);
    if (!SHA256_HEX.test(entry.sha256))
      throw new ManifestError(
        `${kind}: ${entry.name} has an invalid sha256 (64 lowercase hex digits expected)`,
      );
  }
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Size and sha256 of some bytes, as a manifest entry records them. */
function digestOf(data: Uint8Array): FileDigest {
  return { bytes: data.byteLength, sha256: sha256Hex(data) };
}

/**
 * @throws ManifestError for an unsafe or duplicate name, an invalid size or sha256
 */
function buildManifest(fields: ManifestFields): Manifest {
  checkEntries('artifacts', fields.artifacts);
  checkEntries('inputs', fields.inputs);
  if (Number.isNaN(Date.parse(fields.generatedAt)))
    throw new ManifestError(`generatedAt: not an ISO instant: ${JSON.stringify(fields.generatedAt)}`);
  const artifacts = fields.artifacts.map((a) => ({ name: a.name, bytes: a.bytes, sha256: a.sha256 }));
  const inputs = fields.inputs.map((i) => ({
    name: i.name,
    bytes: i.bytes,
    sha256: i.sha256,
    records: i.records,
    digest: i.digest,
  }));
  const byDigest = Object.fromEntries(DIGEST_STATUSES.map((s) => [s, 0])) as Record<DigestStatus, number>;
  for (const input of inputs) byDigest[input.digest]++;
  return {
    schema: MANIFEST_SCHEMA,
    reportId: fields.reportId,
    tenant: { id: fields.tenant.id, name: fields.tenant.name },
    period: fields.period
      ? { from: fields.period.from, to: fields.period.to, label: fields.period.label }
      : null,
    generatedAt: fields.generatedAt,
    toolVersion: fields.toolVersion,
    catalogVersion: fields.catalogVersion,
    rulesVersion: fields.rulesVersion,
    configHash: fields.configHash,
    artifacts: artifacts.sort(byName),
    inputs: inputs.sort(byName),
    inputTotals: {
      files: inputs.length,
      bytes: inputs.reduce((n, i) => n + i.bytes, 0),
      records: inputs.reduce((n, i) => n + i.records, 0),
      byDigest,
    },
  };
}

/**
 * One SHA-256 for the whole input set: over `<sha256>  <name>\n` lines (the `sha256sum` format)
 * of the inputs sorted by name, as the manifest lists them. Two runs read the same bytes exactly
 * when their set digests match.
 */
function inputSetDigest(inputs: readonly InputEntry[]): string {
  const hash = createHash('sha256');
  for (const i of [...inputs].sort(byName)) hash.update(`${i.sha256}  ${i.name}\n`);
  return hash.digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new ManifestError(`cannot sign a non-finite number (${value})`);
  return JSON.stringify(value);
}

/** The bytes that are signed: UTF-8 JSON with sorted keys and no whitespace. */
function canonicalManifestBytes(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(canonicalJson(manifest));
}

async function signManifest(manifest: Manifest, signer: ManifestSigner): Promise<SignedManifest> {
  const signature = await signer.sign(canonicalManifestBytes(manifest));
  return {
    manifest,
    signature: {
      keyId: signer.keyId,
      algorithm: signer.algorithm,
      value: Buffer.from(signature).toString('base64'),
    },
  };
}

const digestFields = {
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(SHA256_HEX, '64 lowercase hex digits expected'),
};

const manifestSchema = z.looseObject({
  schema: z.literal(MANIFEST_SCHEMA),
  reportId: z.string(),
  tenant: z.looseObject({ id: z.string(), name: z.string() }),
  period: z.looseObject({ from: z.string(), to: z.string(), label: z.string() }).nullable(),
  generatedAt: z.string(),
  toolVersion: z.string(),
  catalogVersion: z.string(),
  rulesVersion: z.string(),
  configHash: z.string().nullable(),
  artifacts: z.array(
    z.looseObject({ name: z.string().refine(isSafeEntryName, 'unsafe artifact name'), ...digestFields }),
  ),
  inputs: z.array(
    z.looseObject({
      name: z.string().refine(isPrintableName, 'empty name or control characters'),
      ...digestFields,
      records: z.number().int().nonnegative(),
      digest: z.enum(DIGEST_STATUSES),
    }),
  ),
  inputTotals: z.looseObject({
    files: z.number(),
    bytes: z.number(),
    records: z.number(),
    byDigest: z.looseObject(
      Object.fromEntries(DIGEST_STATUSES.map((s) => [s, z.number()])) as Record<DigestStatus, z.ZodNumber>,
    ),
  }),
});

/** Strict at the top: nothing in manifest.json lies outside what the signature covers. */
const signedManifestSchema = z.strictObject({
  manifest: manifestSchema,
  signature: z.strictObject({
    keyId: z.string().min(1),
    algorithm: z.enum(SIGNATURE_ALGORITHMS),
    value: z.string().min(1).regex(BASE64, 'base64 expected'),
  }),
});

/**
 * Validates the parsed content of `manifest.json`. Unknown fields inside `manifest` are kept
 * (they are signed like the others); unknown fields beside it are rejected.
 *
 * @throws ManifestError naming every invalid field
 */
function parseSignedManifest(data: unknown): SignedManifest {
  const parsed = signedManifestSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      describeIssue(issue, formatIssuePath(issue.path, data)),
    );
    throw new ManifestError(`not a ${MANIFEST_SCHEMA} file: ${problems.slice(0, 5).join('; ')}`);
  }
  const names = new Set<string>();
  for (const a of parsed.data.manifest.artifacts) {
    if (names.has(a.name)) throw new ManifestError(`manifest.artifacts: ${a.name} is listed twice`);
    names.add(a.name);
  }
  return parsed.data as SignedManifest;
}

function isDigest(value: Uint8Array | FileDigest): value is FileDigest {
  return !(value instanceof Uint8Array);
}

interface CheckReportOptions {
  readonly signed: SignedManifest;
  /** Reads an artifact by manifest name (bytes, or a digest computed while streaming). */
  readonly files: ArtifactReader;
  readonly verifier: ManifestVerifier;
  /** Every file present in the report directory, excluding the manifest's own files. */
  readonly present?: readonly string[];
}

/** Checks every artifact against the manifest and the signature against the verifier's key. */
async function checkReport(options: CheckReportOptions): Promise<VerifyResult> {
  const { manifest, signature } = options.signed;
  let valid = false;
  try {
    valid = await options.verifier.verify(
      canonicalManifestBytes(manifest),
      Buffer.from(signature.value, 'base64'),
      signature.keyId,
      signature.algorithm,
    );
  } catch {
    valid = false;
  }

  const checks: ArtifactCheck[] = [];
  const listed = new Set<string>();
  for (const entry of [...manifest.artifacts].sort(byName)) {
    listed.add(entry.name);
    const expected = { bytes: entry.bytes, sha256: entry.sha256 };
    const found = await options.files(entry.name);
    if (found === undefined) {
      checks.push({ name: entry.name, status: 'missing', expected });
      continue;
    }
    const actual = isDigest(found) ? { bytes: found.bytes, sha256: found.sha256 } : digestOf(found);
    const same = actual.bytes === expected.bytes && actual.sha256 === expected.sha256;
    checks.push({ name: entry.name, status: same ? 'ok' : 'changed', expected, actual });
  }
  const extras = [...new Set(options.present ?? [])].filter((name) => !listed.has(name)).sort();
  for (const name of extras) {
    const found = await options.files(name);
    const actual = found === undefined ? undefined : isDigest(found) ? found : digestOf(found);
    checks.push(actual ? { name, status: 'extra', actual } : { name, status: 'extra' });
  }

  const counts: Record<ArtifactStatus, number> = { ok: 0, changed: 0, missing: 0, extra: 0 };
  for (const check of checks) counts[check.status]++;
  return {
    ok: valid && counts.ok === checks.length,
    signature: { valid, keyId: signature.keyId, algorithm: signature.algorithm },
    artifacts: checks,
    counts,
  };
}

export type {
  ArtifactCheck,
  ArtifactReader,
  ArtifactStatus,
  CheckReportOptions,
  DigestStatus,
  FileDigest,
  InputEntry,
  InputTotals,
  Manifest,
  ManifestEntry,
  ManifestFields,
  ManifestPeriod,
  ManifestSignature,
  ManifestSigner,
  ManifestVerifier,
  SignatureAlgorithm,
  SignatureCheck,
  SignedManifest,
  VerifyResult,
};
export {
  buildManifest,
  canonicalManifestBytes,
  checkReport,
  DIGEST_STATUSES,
  digestOf,
  inputSetDigest,
  isSafeEntryName,
  MANIFEST_SCHEMA,
  ManifestError,
  parseSignedManifest,
  SIGNATURE_ALGORITHMS,
  signManifest,
};
