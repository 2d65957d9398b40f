/**
 * @module CloudTrail log-file integrity validation: proves that the log files collection read are the
 * ones CloudTrail delivered, byte for byte, and that none it delivered is missing — from the signed
 * digest files CloudTrail writes beside them when log-file validation is on.
 *
 * Pure: hashing, gzip inflation and RSA verification in memory (node:crypto, node:zlib); no AWS SDK, no
 * file system, no network, no clock. The collector lists and reads the objects, calls ListPublicKeys
 * and passes bytes, metadata and keys in.
 *
 * The format, as documented by AWS and as the AWS CLI's `cloudtrail validate-logs` implements it:
 *
 * - AWS CloudTrail User Guide, "CloudTrail digest file structure"
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html)
 * - AWS CloudTrail User Guide, "Custom implementations of CloudTrail log file integrity validation"
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-custom-validation.html)
 * - AWS CloudTrail API Reference, ListPublicKeys (linked from both pages), and the reference
 *   verifier `awscli/customizations/cloudtrail/validation.py` in github.com/aws/aws-cli (read, not copied).
 *
 * Facts this module relies on:
 *
 * - Location: `[prefix/]AWSLogs/[o-orgid/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/`
 *   `<account>_CloudTrail-Digest_<region>_<trail-name>_<home-region>_<YYYYMMDDTHHmmssZ>.json.gz`; the
 *   date folders and the timestamp are the digest's end time; the first region is the one the digest
 *   was delivered from, the last the trail's home region. Backfill digests (log files CloudTrail
 *   delivered too late for their hour) end in `_backfill.json.gz` and carry the S3 metadata
 *   `backfill-generation-timestamp`; the AWS CLI walks them as a chain of their own.
 * - The object is gzip-compressed JSON. Every hash — the digest's own (signing string,
 *   `previousDigestHashValue`) and each `logFiles[].hashValue` — is the hex SHA-256 of the
 *   UNCOMPRESSED content.
 * - The signature is not in the file: S3 user metadata `x-amz-meta-signature` (hex) and
 *   `x-amz-meta-signature-algorithm` (`SHA256withRSA`); the SDKs return them as `signature` and
 *   `signature-algorithm`. RSASSA-PKCS1-v1_5 with SHA-256 over the UTF-8 "data signing string":
 *   `digestEndTime + '\n' + digestS3Bucket + '/' + digestS3Object + '\n' + hex(sha256(content)) + '\n'
 *   + previousDigestSignature`, with the literal `null` for a starting digest (the AWS CLI notes it
 *   must be `null` to match AWS's Java implementation). `digestEndTime` is used as written in the file.
 * - The public key: ListPublicKeys returns `Value` (DER, PKCS#1 RSAPublicKey — the documentation's
 *   own sample also holds one SubjectPublicKeyInfo, so both are accepted), `Fingerprint` (hex) and
 *   `ValidityStartTime`/`ValidityEndTime`; keys are per region and their validity ranges overlap. The
 *   fingerprint is the hex MD5 of the `Value` bytes: not stated by AWS, but true of all three keys in
 *   the documented `list-public-keys` sample, and checked here so that a key list whose bytes were
 *   swapped under a genuine fingerprint is not trusted.
 * - Chain: each digest names the previous one (`previousDigestS3Bucket`, `previousDigestS3Object`,
 *   `previousDigestHashValue` with `previousDigestHashAlgorithm` `SHA-256`, `previousDigestSignature`).
 *   A starting digest (validation or logging just (re)enabled) has all five null. A digest is written
 *   every hour even when no log file was delivered (`logFiles: []`, event times null), and each
 *   digest's `[digestStartTime, digestEndTime]` is a range of DELIVERY time, so consecutive digests
 *   meet end to start.
 *
 * Statuses of a log file that was read: `verified` (listed in a trusted digest with the same hash),
 * `failed` (hash differs, or a digest listing it is not trusted: signature invalid, key unknown or not
 * valid at the digest's time, moved, or contradicted by its successor in the chain), `not-covered`
 * (listed in no digest given). Files a digest lists but collection did not read are reported apart,
 * as missing, and as a problem each. `not-validated` (see the manifest) stays for inputs where no
 * validation was attempted (local files, LookupEvents): when a trail has no digest files for the
 * period, every file read is `not-covered` with the problem `no-digest-files`, never
 * `not-validated` — deleting every digest file must not soften "unproven" into "not checked".
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { describeIssue, formatIssuePath } from '../shared/zodIssues.js';

/** The only signature algorithm CloudTrail uses for digest files. */
const DIGEST_SIGNATURE_ALGORITHM = 'SHA256withRSA';
/** The only hash algorithm CloudTrail uses for log files and previous digests. */
const DIGEST_HASH_ALGORITHM = 'SHA-256';
/** Inflated size above which a digest file is refused (an hour of an organization trail is far below). */
const MAX_DIGEST_CONTENT_BYTES = 64 * 1024 * 1024;

/** Status of a log file that collection read (the manifest's `digest` field, minus `not-validated`). */
const LOG_FILE_STATUSES = ['verified', 'failed', 'not-covered'] as const;
type LogFileStatus = (typeof LOG_FILE_STATUSES)[number];

/** One entry of a digest's `logFiles`. */
interface DigestLogFileEntry {
  readonly s3Bucket: string;
  readonly s3Object: string;
  /** Hex hash of the uncompressed log file. */
  readonly hashValue: string;
  readonly hashAlgorithm: string;
  readonly newestEventTime: string | null;
  readonly oldestEventTime: string | null;
}

/** The content of a CloudTrail digest file, as documented (unknown fields are dropped). */
interface CloudTrailDigest {
  readonly awsAccountId: string;
  /** UTC extended format, e.g. `2015-08-17T14:01:31Z`; delivery-time range of the listed log files. */
  readonly digestStartTime: string;
  readonly digestEndTime: string;
  readonly digestS3Bucket: string;
  readonly digestS3Object: string;
  /** Hex fingerprint of the public key whose private key signed this digest. */
  readonly digestPublicKeyFingerprint: string;
  readonly digestSignatureAlgorithm: string | null;
  readonly newestEventTime: string | null;
  readonly oldestEventTime: string | null;
  /** All five `previousDigest*` fields are null in a starting digest. */
  readonly previousDigestS3Bucket: string | null;
  readonly previousDigestS3Object: string | null;
  readonly previousDigestHashValue: string | null;
  readonly previousDigestHashAlgorithm: string | null;
  readonly previousDigestSignature: string | null;
  readonly logFiles: readonly DigestLogFileEntry[];
}

/** A parsed digest file with the bytes its hashes are computed over. */
interface ParsedDigestFile {
  /** What the file was called in messages (an `s3://` URI or a path). */
  readonly object: string;
  readonly digest: CloudTrailDigest;
  /** The uncompressed JSON bytes. */
  readonly content: Uint8Array;
  /** Hex SHA-256 of {@link content}: what the signing string and the next digest's `previousDigestHashValue` hold. */
  readonly sha256: string;
}

/** A public key from CloudTrail ListPublicKeys (for the digest's region). */
interface CloudTrailPublicKey {
  /** Hex, as ListPublicKeys returns it (the MD5 of {@link value}). */
  readonly fingerprint: string;
  /** DER: PKCS#1 RSAPublicKey as ListPublicKeys returns it, or SubjectPublicKeyInfo. */
  readonly value: Uint8Array;
  readonly validityStartTime: Date;
  readonly validityEndTime: Date;
}

/**
 * A ListPublicKeys `PublicKeyList` entry as the SDK (bytes, Dates) or the CLI's JSON (base64 string,
 * epoch seconds such as `"1436317441.0"`) gives it. Structural, so that no AWS SDK type is imported.
 */
interface ListPublicKeysEntry {
  readonly Value?: Uint8Array | string | undefined;
  readonly Fingerprint?: string | undefined;
  readonly ValidityStartTime?: Date | string | number | undefined;
  readonly ValidityEndTime?: Date | string | number | undefined;
}

/** Why a digest's signature does not verify. */
type SignatureFailure =
  | 'missing-signature'
  | 'malformed-signature'
  | 'unsupported-algorithm'
  | 'unknown-key'
  | 'key-not-valid'
  | 'invalid-key'
  | 'signature-mismatch';

type DigestSignatureCheck =
  | { readonly valid: true; readonly fingerprint: string }
  | { readonly valid: false; readonly reason: SignatureFailure; readonly message: string };

interface VerifySignatureOptions {
  /**
   * When the digest was signed, for choosing the key by validity: a backfill digest's
   * `backfill-generation-timestamp` metadata. @default the digest's `digestEndTime`
   */
  readonly signedAt?: string | null | undefined;
}

/** One digest object of the period, as collection fetched it. */
interface DigestObject {
  readonly bucket: string;
  readonly key: string;
  /** The object's bytes as stored (gzip), or already inflated. */
  readonly bytes: Uint8Array;
  /**
   * `x-amz-meta-signature` (hex). Without it the signature the next digest records in
   * `previousDigestSignature` is used (an offline copy); the newest digest always needs it.
   */
  readonly signature?: string | null | undefined;
  /** `x-amz-meta-signature-algorithm`. */
  readonly signatureAlgorithm?: string | null | undefined;
  /** `x-amz-meta-backfill-generation-timestamp` (backfill digests only). */
  readonly backfillGenerationTimestamp?: string | null | undefined;
}

interface ValidateDigestChainOptions {
  /** Every digest object of the trail for the period, every region and account (any order). */
  readonly digests: readonly DigestObject[];
  /** ListPublicKeys for the period, every region the digests come from. */
  readonly publicKeys: readonly CloudTrailPublicKey[];
  /**
   * The log files collection read: `s3://<bucket>/<key>` (key as is, not URL-encoded) → hex SHA-256 of
   * the uncompressed bytes that were parsed ({@link logFileContentSha256}). Every log file that the
   * given digests list is expected here; one that is not is reported missing.
   */
  readonly logFiles: ReadonlyMap<string, string>;
  /** When given, each digest chain must span it (delivery time): `period-not-covered` otherwise. */
  readonly period?: { readonly from: string; readonly to: string } | undefined;
}

type DigestKind = 'standard' | 'backfill';

/** The parts of a digest object key. */
interface DigestKeyParts {
  /** The trail's S3 key prefix with its trailing slash, or ''. */
  readonly prefix: string;
  readonly organizationId: string | null;
  readonly account: string;
  /** The region the digest was delivered from. */
  readonly region: string;
  readonly trailName: string;
  readonly homeRegion: string;
  /** `YYYYMMDDTHHmmssZ`, the digest's end time. */
  readonly timestamp: string;
  readonly kind: DigestKind;
}

const PROBLEM_KINDS = [
  'no-digest-files',
  'digest-unreadable',
  'digest-moved',
  'signature-invalid',
  'unknown-key',
  'key-not-valid',
  'previous-hash-mismatch',
  'previous-signature-mismatch',
  'chain-gap',
  'chain-link-mismatch',
  'chain-restarted',
  'period-not-covered',
  'log-file-missing',
  'log-files-not-covered',
] as const;
type DigestProblemKind = (typeof PROBLEM_KINDS)[number];

interface DigestProblem {
  readonly kind: DigestProblemKind;
  readonly message: string;
  /** The digest at fault (`s3://` URI), when one is. */
  readonly digest?: string;
  /** The log file concerned (`s3://` URI), when one is. */
  readonly logFile?: string;
}

/** Why a read log file is `failed`. */
type LogFileFailure = 'hash-mismatch' | 'digest-not-trusted' | 'unsupported-hash-algorithm';

interface LogFileCheck {
  readonly uri: string;
  readonly status: LogFileStatus;
  /** The hash of what was read. */
  readonly sha256: string;
  /** The digest that decided the status (the failing one for `failed`); absent for `not-covered`. */
  readonly digest?: string;
  /** The hash that digest records. */
  readonly expectedSha256?: string;
  readonly reason?: LogFileFailure;
}

interface MissingLogFile {
  readonly uri: string;
  /** The first digest (by URI) listing it. */
  readonly digest: string;
  readonly digestTrusted: boolean;
  readonly expectedSha256: string;
}

interface DigestCheck {
  readonly uri: string;
  readonly kind: DigestKind;
  /** `<org/>account/region/trail/home-region`, or null for a key not in CloudTrail's layout. */
  readonly chain: string | null;
  readonly digestStartTime: string | null;
  readonly digestEndTime: string | null;
  /** True when every log file it lists can be judged by it. */
  readonly trusted: boolean;
  readonly signature: 'valid' | SignatureFailure | 'not-checked';
  readonly logFiles: number;
  /** The kinds of the problems this digest is at fault for, in problem order. */
  readonly problems: readonly DigestProblemKind[];
}

interface DigestValidationResult {
  /** Every log file read, by URI. */
  readonly logFiles: readonly LogFileCheck[];
  /** Listed in a digest but not read, by URI. */
  readonly missingLogFiles: readonly MissingLogFile[];
  /** Every digest given, by URI. */
  readonly digests: readonly DigestCheck[];
  /** By kind (in {@link PROBLEM_KINDS} order), then subject, then message. */
  readonly problems: readonly DigestProblem[];
  readonly counts: Readonly<Record<LogFileStatus | 'missing', number>>;
}

/** A digest file that cannot be read: `object` names the file, `field` the first invalid field. */
class DigestFileError extends Error {
  override name = 'DigestFileError' as const;
  constructor(
    readonly object: string,
    message: string,
    readonly field?: string,
  ) {
    super(`${object}: ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------

const HEX = /^[0-9a-fA-F]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** UTC extended format as CloudTrail writes it; fractions tolerated. */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

const utcTime = z
  .string()
  .regex(UTC_TIME, 'UTC time like 2015-08-17T14:01:31Z expected')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a valid date');
const hex = z.string().regex(HEX, 'hexadecimal expected');
const nonEmpty = z.string().min(1);

const logFileSchema = z.looseObject({
  s3Bucket: nonEmpty,
  s3Object: nonEmpty,
  hashValue: hex,
  hashAlgorithm: nonEmpty,
  newestEventTime: utcTime.nullish(),
  oldestEventTime: utcTime.nullish(),
});

/** What the validation needs is required; informative fields may be absent. */
const digestSchema = z.looseObject({
  awsAccountId: z.string().regex(/^\d{12}$/, '12-digit account id expected'),
  digestStartTime: utcTime,
  digestEndTime: utcTime,
  digestS3Bucket: nonEmpty,
  digestS3Object: nonEmpty,
  digestPublicKeyFingerprint: hex,
  digestSignatureAlgorithm: nonEmpty.nullish(),
  newestEventTime: utcTime.nullish(),
  oldestEventTime: utcTime.nullish(),
  previousDigestS3Bucket: nonEmpty.nullable(),
  previousDigestS3Object: nonEmpty.nullable(),
  previousDigestHashValue: hex.nullable(),
  previousDigestHashAlgorithm: nonEmpty.nullable(),
  previousDigestSignature: hex.nullable(),
  logFiles: z.array(logFileSchema),
});

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gzip (every member) or plain bytes → content. Throws zlib's error. */
function inflate(bytes: Uint8Array): Uint8Array {
  return isGzip(bytes) ? gunzipSync(bytes, { maxOutputLength: MAX_DIGEST_CONTENT_BYTES }) : bytes;
}

/**
 * The hex SHA-256 a digest records for a log file: over the uncompressed content, every gzip member
 * of it (what the ingest parses), so that data appended to a delivered file changes the hash.
 *
 * @throws Error (zlib's) for gzip bytes that do not inflate
 */
function logFileContentSha256(bytes: Uint8Array): string {
  return sha256Hex(isGzip(bytes) ? gunzipSync(bytes) : bytes);
}

/**
 * Parses and validates a digest file (gzip or plain JSON).
 *
 * @param object what to call it in messages, e.g. `s3://bucket/AWSLogs/…json.gz`
 * @throws DigestFileError naming the object and the first invalid field
 */
function parseDigestFile(object: string, bytes: Uint8Array): ParsedDigestFile {
  let content: Uint8Array;
  try {
    content = inflate(bytes);
  } catch (error) {
    throw new DigestFileError(object, `not a readable gzip file (${(error as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
  } catch (error) {
    throw new DigestFileError(object, `not UTF-8 JSON (${(error as Error).message})`);
  }
  const parsed = digestSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const problems = issues.map((issue) => describeIssue(issue, formatIssuePath(issue.path, data)));
    const field = issues[0] ? formatIssuePath(issues[0].path, data) : undefined;
    throw new DigestFileError(
      object,
      `not a CloudTrail digest file: ${problems.slice(0, 5).join('; ')}`,
      field,
    );
  }
  const d = parsed.data;
  const digest: CloudTrailDigest = {
    awsAccountId: d.awsAccountId,
    digestStartTime: d.digestStartTime,
    digestEndTime: d.digestEndTime,
    digestS3Bucket: d.digestS3Bucket,
    digestS3Object: d.digestS3Object,
    digestPublicKeyFingerprint: d.digestPublicKeyFingerprint,
    digestSignatureAlgorithm: d.digestSignatureAlgorithm ?? null,
    newestEventTime: d.newestEventTime ?? null,
    oldestEventTime: d.oldestEventTime ?? null,
    previousDigestS3Bucket: d.previousDigestS3Bucket,
    previousDigestS3Object: d.previousDigestS3Object,
    previousDigestHashValue: d.previousDigestHashValue,
    previousDigestHashAlgorithm: d.previousDigestHashAlgorithm,
    previousDigestSignature: d.previousDigestSignature,
    logFiles: d.logFiles.map((f) => ({
      s3Bucket: f.s3Bucket,
      s3Object: f.s3Object,
      hashValue: f.hashValue,
      hashAlgorithm: f.hashAlgorithm,
      newestEventTime: f.newestEventTime ?? null,
      oldestEventTime: f.oldestEventTime ?? null,
    })),
  };
  return { object, digest, content, sha256: sha256Hex(content) };
}

const DIGEST_KEY =
  /^(?<prefix>(?:.*\/)?)AWSLogs\/(?:(?<org>o-[a-z0-9]{10,32})\/)?(?<account>\d{12})\/CloudTrail-Digest\/(?<region>[a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/\k<account>_CloudTrail-Digest_\k<region>_(?<trail>.+)_(?<home>[a-z0-9-]+)_(?<stamp>\d{8}T\d{6}Z)(?<backfill>_backfill)?\.json\.gz$/;

/** The parts of a digest object key in CloudTrail's layout, or undefined for any other key. */
function parseDigestKey(key: string): DigestKeyParts | undefined {
  const g = DIGEST_KEY.exec(key)?.groups;
  if (!g) return undefined;
  return {
    prefix: g.prefix ?? '',
    organizationId: g.org ?? null,
    account: g.account ?? '',
    region: g.region ?? '',
    trailName: g.trail ?? '',
    homeRegion: g.home ?? '',
    timestamp: g.stamp ?? '',
    kind: g.backfill ? 'backfill' : 'standard',
  };
}

// ---------------------------------------------------------------------------------------------------
// Keys and signatures
// ---------------------------------------------------------------------------------------------------

/** Hex MD5 of a key's DER bytes: what ListPublicKeys reports as its `Fingerprint`. */
function publicKeyFingerprint(der: Uint8Array): string {
  return createHash('md5').update(der).digest('hex');
}

function toDate(field: string, value: Date | string | number | undefined): Date {
  let date: Date | undefined;
  if (value instanceof Date) date = new Date(value.getTime());
  else if (typeof value === 'number') date = new Date(value * 1000);
  else if (typeof value === 'string' && /^\d+(?:\.\d+)?$/.test(value)) date = new Date(Number(value) * 1000);
  else if (typeof value === 'string') date = new Date(Date.parse(value));
  if (!date || Number.isNaN(date.getTime())) {
    throw new TypeError(`ListPublicKeys entry: ${field} is not a time (${JSON.stringify(value)})`);
  }
  return date;
}

/**
 * Converts a ListPublicKeys entry (SDK or CLI JSON shape) to a {@link CloudTrailPublicKey}.
 *
 * @throws TypeError naming the missing or invalid field
 */
function publicKeyFromListPublicKeys(entry: ListPublicKeysEntry): CloudTrailPublicKey {
  const raw = entry.Value;
  if (raw === undefined || raw.length === 0) throw new TypeError('ListPublicKeys entry: Value is missing');
  const value = typeof raw === 'string' ? new Uint8Array(Buffer.from(raw, 'base64')) : Uint8Array.from(raw);
  if (typeof entry.Fingerprint !== 'string' || !HEX.test(entry.Fingerprint)) {
    throw new TypeError('ListPublicKeys entry: Fingerprint is missing or not hexadecimal');
  }
  return {
    fingerprint: entry.Fingerprint.toLowerCase(),
    value,
    validityStartTime: toDate('ValidityStartTime', entry.ValidityStartTime),
    validityEndTime: toDate('ValidityEndTime', entry.ValidityEndTime),
  };
}

function rsaKeyOf(der: Uint8Array): KeyObject | undefined {
  for (const type of ['pkcs1', 'spki'] as const) {
    try {
      const key = createPublicKey({ key: Buffer.from(der), format: 'der', type });
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // try the other encoding
    }
  }
  return undefined;
}

/** The UTF-8 string CloudTrail signs for a digest whose uncompressed content hashes to `contentSha256`. */
function digestSigningString(digest: CloudTrailDigest, contentSha256: string): string {
  return [
    digest.digestEndTime,
    `${digest.digestS3Bucket}/${digest.digestS3Object}`,
    contentSha256,
    digest.previousDigestSignature ?? 'null',
  ].join('\n');
}

function fail(reason: SignatureFailure, message: string): DigestSignatureCheck {
  return { valid: false, reason, message };
}

/**
 * Verifies a digest's signature with the public key whose fingerprint is the digest's
 * `digestPublicKeyFingerprint`, whose bytes hash to that fingerprint, and whose validity covers the
 * digest's end time (or `options.signedAt`). Never throws for hostile input.
 *
 * @param digestBytes the digest file's bytes, gzip or inflated
 * @param signatureHex `x-amz-meta-signature` (or the next digest's `previousDigestSignature`)
 * @param algorithm `x-amz-meta-signature-algorithm`; when absent the digest's own field is used
 */
function verifyDigestSignature(
  digest: CloudTrailDigest,
  digestBytes: Uint8Array,
  signatureHex: string | null | undefined,
  algorithm: string | null | undefined,
  publicKeys: readonly CloudTrailPublicKey[],
  options: VerifySignatureOptions = {},
): DigestSignatureCheck {
  const claimed = [algorithm, digest.digestSignatureAlgorithm].filter((a): a is string => !!a);
  const wrong = claimed.find((a) => a !== DIGEST_SIGNATURE_ALGORITHM);
  if (wrong !== undefined) {
    return fail('unsupported-algorithm', `signature algorithm ${JSON.stringify(wrong)} is not SHA256withRSA`);
  }
  const signature = signatureHex?.trim() ?? '';
  if (signature === '') return fail('missing-signature', 'no signature (x-amz-meta-signature) to verify');
  if (!HEX.test(signature) || signature.length % 2 !== 0) {
    return fail('malformed-signature', 'the signature is not an even-length hexadecimal string');
  }
  const fingerprint = digest.digestPublicKeyFingerprint.toLowerCase();
  const named = publicKeys.filter((k) => k.fingerprint.toLowerCase() === fingerprint);
  if (named.length === 0) {
    return fail('unknown-key', `no public key with fingerprint ${fingerprint} was given`);
  }
  const genuine = named.filter((k) => publicKeyFingerprint(k.value) === fingerprint);
  if (genuine.length === 0) {
    return fail('invalid-key', `the public key listed as ${fingerprint} has bytes with another fingerprint`);
  }
  const signedAt = options.signedAt ? Date.parse(options.signedAt) : Number.NaN;
  const at = Number.isNaN(signedAt) ? Date.parse(digest.digestEndTime) : signedAt;
  const valid = genuine.filter(
    (k) => k.validityStartTime.getTime() <= at && at <= k.validityEndTime.getTime(),
  );
  if (valid.length === 0) {
    const ranges = genuine
      .map((k) => `${k.validityStartTime.toISOString()} – ${k.validityEndTime.toISOString()}`)
      .join(', ');
    return fail(
      'key-not-valid',
      `public key ${fingerprint} is valid ${ranges}, not at ${new Date(at).toISOString()}`,
    );
  }
  let content: Uint8Array;
  try {
    content = inflate(digestBytes);
  } catch {
    return fail('signature-mismatch', 'the digest bytes do not inflate');
  }
  const data = Buffer.from(digestSigningString(digest, sha256Hex(content)), 'utf8');
  const signatureBytes = Buffer.from(signature, 'hex');
  let loaded = false;
  for (const k of valid) {
    const key = rsaKeyOf(k.value);
    if (!key) continue;
    loaded = true;
    if (verify('sha256', data, key, signatureBytes)) return { valid: true, fingerprint };
  }
  if (!loaded) return fail('invalid-key', `public key ${fingerprint} is not a DER RSA public key`);
  return fail('signature-mismatch', `the signature does not verify with public key ${fingerprint}`);
}

// ---------------------------------------------------------------------------------------------------
// Chain validation
// ---------------------------------------------------------------------------------------------------

interface DigestState {
  readonly uri: string;
  readonly object: DigestObject;
  readonly parsed: ParsedDigestFile | undefined;
  readonly keyParts: DigestKeyParts | undefined;
  readonly chain: string | null;
  readonly kind: DigestKind;
  readonly located: boolean;
  check: DigestSignatureCheck | undefined;
  contradicted: boolean;
}

function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

function chainOf(parts: DigestKeyParts | undefined): string | null {
  if (!parts) return null;
  const org = parts.organizationId ? `${parts.organizationId}/` : '';
  const tail = parts.kind === 'backfill' ? ' (backfill)' : '';
  return `${org}${parts.account}/${parts.region}/${parts.trailName}/${parts.homeRegion}${tail}`;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function selfValid(s: DigestState): boolean {
  return s.parsed !== undefined && s.located && s.check?.valid === true;
}

function previousUri(d: CloudTrailDigest): string | undefined {
  return d.previousDigestS3Bucket && d.previousDigestS3Object
    ? s3Uri(d.previousDigestS3Bucket, d.previousDigestS3Object)
    : undefined;
}

/**
 * Signatures from metadata first. A digest without one (an offline copy) is checked with the
 * signature its successor recorded, once that successor verified: walking back from verified digests.
 */
function checkSignatures(
  states: readonly DigestState[],
  byUri: ReadonlyMap<string, DigestState>,
  keys: readonly CloudTrailPublicKey[],
): void {
  const verifyWith = (s: DigestState, signature: string | null | undefined) => {
    if (!s.parsed) return;
    s.check = verifyDigestSignature(
      s.parsed.digest,
      s.parsed.content,
      signature,
      s.object.signatureAlgorithm,
      keys,
      {
        signedAt: s.kind === 'backfill' ? s.object.backfillGenerationTimestamp : undefined,
      },
    );
  };
  for (const s of states) if (s.object.signature?.trim()) verifyWith(s, s.object.signature);
  const queue = states.filter(selfValid);
  for (let t = queue.pop(); t !== undefined; t = queue.pop()) {
    const digest = t.parsed?.digest;
    const ref = digest && previousUri(digest);
    const previous = ref === undefined ? undefined : byUri.get(ref);
    if (!previous?.parsed || previous.check || !digest?.previousDigestSignature) continue;
    verifyWith(previous, digest.previousDigestSignature);
    if (selfValid(previous)) queue.push(previous);
  }
  for (const s of states) if (s.parsed && !s.check) verifyWith(s, undefined);
}

function signatureProblemKind(reason: SignatureFailure): DigestProblemKind {
  if (reason === 'unknown-key') return 'unknown-key';
  if (reason === 'key-not-valid') return 'key-not-valid';
  return 'signature-invalid';
}

function checkPeriod(from: string, to: string): { from: number; to: number } {
  const f = Date.parse(from);
  const t = Date.parse(to);
  if (Number.isNaN(f) || Number.isNaN(t) || f >= t) {
    throw new RangeError(
      `period: from ${JSON.stringify(from)} must be an instant before to ${JSON.stringify(to)}`,
    );
  }
  return { from: f, to: t };
}

/**
 * Validates the period's digest files and the log files collection read against them.
 *
 * @throws RangeError for a digest object given twice, a log-file hash that is not 64 hex digits, or an
 *   invalid period (caller errors; hostile file content never throws)
 */
function validateDigestChain(options: ValidateDigestChainOptions): DigestValidationResult {
  const problems: DigestProblem[] = [];
  const period = options.period ? checkPeriod(options.period.from, options.period.to) : undefined;
  const read = new Map<string, string>();
  for (const [uri, hash] of options.logFiles) {
    const normal = hash.toLowerCase();
    if (!SHA256_HEX.test(normal)) throw new RangeError(`logFiles: ${uri} has no 64-hex-digit SHA-256`);
    read.set(uri, normal);
  }

  // 1. Read every digest object: parse, check its location.
  const states: DigestState[] = [];
  const byUri = new Map<string, DigestState>();
  const objects = [...options.digests].sort((a, b) =>
    byCodeUnits(s3Uri(a.bucket, a.key), s3Uri(b.bucket, b.key)),
  );
  for (const object of objects) {
    const uri = s3Uri(object.bucket, object.key);
    if (byUri.has(uri)) throw new RangeError(`digests: ${uri} is given twice`);
    let parsed: ParsedDigestFile | undefined;
    try {
      parsed = parseDigestFile(uri, object.bytes);
    } catch (error) {
      problems.push({ kind: 'digest-unreadable', digest: uri, message: (error as Error).message });
    }
    const keyParts = parseDigestKey(object.key);
    const located =
      parsed !== undefined &&
      parsed.digest.digestS3Bucket === object.bucket &&
      parsed.digest.digestS3Object === object.key;
    if (parsed && !located) {
      const says = s3Uri(parsed.digest.digestS3Bucket, parsed.digest.digestS3Object);
      problems.push({
        kind: 'digest-moved',
        digest: uri,
        message: `${uri} says it was delivered to ${says}: it has been moved or copied from its original location`,
      });
    }
    const state: DigestState = {
      uri,
      object,
      parsed,
      keyParts,
      chain: chainOf(keyParts),
      kind: keyParts?.kind ?? 'standard',
      located,
      check: undefined,
      contradicted: false,
    };
    states.push(state);
    byUri.set(uri, state);
  }

  // 2. Signatures.
  checkSignatures(states, byUri, options.publicKeys);
  for (const s of states) {
    if (s.check && !s.check.valid) {
      problems.push({
        kind: signatureProblemKind(s.check.reason),
        digest: s.uri,
        message: `${s.uri}: ${s.check.message}`,
      });
    }
  }

  // 3. The chain: every trusted digest vouches for its previous one.
  const chains = new Map<string, DigestState[]>();
  for (const s of states) {
    if (!s.parsed || s.chain === null) continue;
    const list = chains.get(s.chain) ?? [];
    list.push(s);
    chains.set(s.chain, list);
  }
  const endOf = (s: DigestState) => Date.parse(s.parsed?.digest.digestEndTime ?? '');
  for (const list of chains.values()) list.sort((a, b) => endOf(a) - endOf(b) || byCodeUnits(a.uri, b.uri));

  for (const list of chains.values()) {
    list.forEach((d, index) => {
      const digest = d.parsed?.digest;
      if (!digest || !selfValid(d)) return;
      const before = index > 0 ? list[index - 1] : undefined;
      const ref = previousUri(digest);
      if (ref === undefined) {
        if (before && d.kind === 'standard') {
          problems.push({
            kind: 'chain-restarted',
            digest: d.uri,
            message: `${d.uri} starts a new digest chain after ${before.uri} (ended ${before.parsed?.digest.digestEndTime}): log files delivered between then and ${digest.digestStartTime} have no digest (validation or logging was off)`,
          });
        }
        return;
      }
      const previous = byUri.get(ref);
      if (!previous) {
        if (before && d.kind === 'standard') {
          problems.push({
            kind: 'chain-gap',
            digest: ref,
            message: `${d.uri} names ${ref} as its previous digest, which is missing: the log files it listed cannot be checked`,
          });
        }
        return;
      }
      if (!previous.parsed) return;
      if (previous.chain === d.chain && before !== previous) {
        problems.push({
          kind: 'chain-link-mismatch',
          digest: previous.uri,
          message: `${d.uri} names ${previous.uri} as its previous digest, but the digest before it in time is ${before?.uri ?? 'none'}`,
        });
        previous.contradicted = true;
      }
      const hashOk =
        digest.previousDigestHashAlgorithm === DIGEST_HASH_ALGORITHM &&
        digest.previousDigestHashValue?.toLowerCase() === previous.parsed.sha256;
      if (!hashOk) {
        problems.push({
          kind: 'previous-hash-mismatch',
          digest: previous.uri,
          message: `${d.uri} records ${digest.previousDigestHashAlgorithm} ${digest.previousDigestHashValue} for its previous digest ${previous.uri}, whose content hashes to SHA-256 ${previous.parsed.sha256}`,
        });
        previous.contradicted = true;
      }
      const recorded = digest.previousDigestSignature?.toLowerCase();
      const own = previous.object.signature?.trim().toLowerCase();
      if (own && recorded !== own) {
        problems.push({
          kind: 'previous-signature-mismatch',
          digest: previous.uri,
          message: `${d.uri} records another signature for its previous digest ${previous.uri} than that object's x-amz-meta-signature`,
        });
        previous.contradicted = true;
      }
    });
  }

  if (period) {
    for (const [chain, list] of [...chains].sort(([a], [b]) => byCodeUnits(a, b))) {
      if (list[0]?.kind !== 'standard') continue;
      const first = list[0].parsed?.digest;
      const last = list[list.length - 1]?.parsed?.digest;
      if (first && Date.parse(first.digestStartTime) > period.from) {
        problems.push({
          kind: 'period-not-covered',
          digest: list[0].uri,
          message: `digest chain ${chain} starts at ${first.digestStartTime}, after the period start ${options.period?.from}: no digest covers log files delivered before`,
        });
      }
      if (last && Date.parse(last.digestEndTime) < period.to) {
        problems.push({
          kind: 'period-not-covered',
          digest: list[list.length - 1]?.uri,
          message: `digest chain ${chain} ends at ${last.digestEndTime}, before the period end ${options.period?.to}: later digests are missing or not yet delivered`,
        });
      }
    }
  }

  const trusted = (s: DigestState) => selfValid(s) && !s.contradicted;

  // 4. Log files: listed (by which digests) and read.
  interface Listing {
    readonly digest: DigestState;
    readonly entry: DigestLogFileEntry;
  }
  const listings = new Map<string, Listing[]>();
  for (const s of states) {
    for (const entry of s.parsed?.digest.logFiles ?? []) {
      const uri = s3Uri(entry.s3Bucket, entry.s3Object);
      const list = listings.get(uri) ?? [];
      list.push({ digest: s, entry });
      listings.set(uri, list);
    }
  }

  const logFiles: LogFileCheck[] = [];
  for (const uri of [...read.keys()].sort(byCodeUnits)) {
    const sha256 = read.get(uri) ?? '';
    const listed = listings.get(uri);
    if (!listed) {
      logFiles.push({ uri, status: 'not-covered', sha256 });
      continue;
    }
    let result: LogFileCheck | undefined;
    for (const { digest, entry } of listed) {
      const expectedSha256 = entry.hashValue.toLowerCase();
      const base = { uri, sha256, digest: digest.uri, expectedSha256 };
      let reason: LogFileFailure | undefined;
      if (!trusted(digest)) reason = 'digest-not-trusted';
      else if (entry.hashAlgorithm !== DIGEST_HASH_ALGORITHM) reason = 'unsupported-hash-algorithm';
      else if (expectedSha256 !== sha256) reason = 'hash-mismatch';
      if (reason) {
        result = { ...base, status: 'failed', reason };
        break;
      }
      result ??= { ...base, status: 'verified' };
    }
    if (result) logFiles.push(result);
  }

  const missingLogFiles: MissingLogFile[] = [];
  for (const uri of [...listings.keys()].sort(byCodeUnits)) {
    if (read.has(uri)) continue;
    const first = listings.get(uri)?.[0];
    if (!first) continue;
    const digestTrusted = trusted(first.digest);
    missingLogFiles.push({
      uri,
      digest: first.digest.uri,
      digestTrusted,
      expectedSha256: first.entry.hashValue.toLowerCase(),
    });
    problems.push({
      kind: 'log-file-missing',
      logFile: uri,
      digest: first.digest.uri,
      message: `${uri} is listed in ${first.digest.uri}${digestTrusted ? '' : ' (not trusted)'} but was not read: deleted, or not collected`,
    });
  }

  const counts = { verified: 0, failed: 0, 'not-covered': 0, missing: missingLogFiles.length };
  for (const f of logFiles) counts[f.status]++;
  if (states.length === 0) {
    problems.push({
      kind: 'no-digest-files',
      message: `no CloudTrail digest files for the period: log-file validation is off for the trail, or its digest files were deleted; none of the ${read.size} log files read can be proven complete and unmodified`,
    });
  } else if (counts['not-covered'] > 0) {
    problems.push({
      kind: 'log-files-not-covered',
      message: `${counts['not-covered']} of the ${read.size} log files read are listed in no digest file, so their integrity is unproven`,
    });
  }

  const order = new Map<DigestProblemKind, number>(PROBLEM_KINDS.map((k, i) => [k, i]));
  problems.sort(
    (a, b) =>
      (order.get(a.kind) ?? 0) - (order.get(b.kind) ?? 0) ||
      byCodeUnits(a.digest ?? a.logFile ?? '', b.digest ?? b.logFile ?? '') ||
      byCodeUnits(a.logFile ?? '', b.logFile ?? '') ||
      byCodeUnits(a.message, b.message),
  );

  const kindsByDigest = new Map<string, DigestProblemKind[]>();
  for (const p of problems) {
    if (p.digest === undefined || p.kind === 'log-file-missing') continue;
    const list = kindsByDigest.get(p.digest) ?? [];
    list.push(p.kind);
    kindsByDigest.set(p.digest, list);
  }
  const digests: DigestCheck[] = states.map((s) => ({
    uri: s.uri,
    kind: s.kind,
    chain: s.chain,
    digestStartTime: s.parsed?.digest.digestStartTime ?? null,
    digestEndTime: s.parsed?.digest.digestEndTime ?? null,
    trusted: trusted(s),
    signature: s.check ? (s.check.valid ? 'valid' : s.check.reason) : 'not-checked',
    logFiles: s.parsed?.digest.logFiles.length ?? 0,
    problems: kindsByDigest.get(s.uri) ?? [],
  }));

  return { logFiles, missingLogFiles, digests, problems, counts };
}

export type {
  CloudTrailDigest,
  CloudTrailPublicKey,
  DigestCheck,
  DigestKeyParts,
  DigestKind,
  DigestLogFileEntry,
  DigestObject,
  DigestProblem,
  DigestProblemKind,
  DigestSignatureCheck,
  DigestValidationResult,
  ListPublicKeysEntry,
  LogFileCheck,
  LogFileFailure,
  LogFileStatus,
  MissingLogFile,
  ParsedDigestFile,
  SignatureFailure,
  ValidateDigestChainOptions,
  VerifySignatureOptions,
};
export {
  DIGEST_HASH_ALGORITHM,
  DIGEST_SIGNATURE_ALGORITHM,
  DigestFileError,
  digestSigningString,
  LOG_FILE_STATUSES,
  logFileContentSha256,
  PROBLEM_KINDS,
  parseDigestFile,
  parseDigestKey,
  publicKeyFingerprint,
  publicKeyFromListPublicKeys,
  validateDigestChain,
  verifyDigestSignature,
};
