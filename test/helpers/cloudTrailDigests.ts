/**
 * @module Writes CloudTrail digest files for test log files exactly as CloudTrail does, signed with an
 * RSA-2048 key made in the test, plus the matching ListPublicKeys entry.
 *
 * Deliberately independent of functions/core/collect/digestValidation.ts (it imports nothing from it),
 * so that the tests check the validator against the documented format rather than against itself.
 * Format per the AWS CloudTrail User Guide pages "CloudTrail digest file structure" and "Custom
 * implementations of CloudTrail log file integrity validation":
 *
 * - key `[prefix/]AWSLogs/[o-id/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/`
 *   `<account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<YYYYMMDDTHHmmssZ>[_backfill].json.gz`
 *   (date folders and timestamp: the digest's end time);
 * - body: gzip of the JSON object with the documented fields in the documented order; hashes are hex
 *   SHA-256 over uncompressed bytes (log files, and the previous digest);
 * - S3 user metadata (as the SDK returns it, without `x-amz-meta-`): `signature` (hex) and
 *   `signature-algorithm` (`SHA256withRSA`), and `backfill-generation-timestamp` for backfill digests;
 * - signature: RSASSA-PKCS1-v1_5 / SHA-256 over `digestEndTime\nbucket/key\nhex(sha256(json))\n`
 *   followed by the previous digest's signature, or `null` for a starting digest.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

const HOUR = 3_600_000;

/** A delivered log file: its S3 location and its bytes as stored (gzip). */
interface TrailLogFile {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: Uint8Array;
}

/** A ListPublicKeys `PublicKeyList` entry, in the SDK's shape. */
interface PublicKeyEntry {
  readonly Value: Uint8Array;
  readonly Fingerprint: string;
  readonly ValidityStartTime: Date;
  readonly ValidityEndTime: Date;
}

interface DigestSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: PublicKeyEntry;
}

/** A digest object as S3 would return it. */
interface GeneratedDigest {
  readonly bucket: string;
  readonly key: string;
  /** gzip of {@link json}. */
  readonly bytes: Uint8Array;
  readonly json: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Hex, as in `metadata.signature`. */
  readonly signature: string;
  readonly account: string;
  readonly region: string;
  readonly digestEndTime: string;
  /** `s3://bucket/key` of the log files it lists. */
  readonly logFiles: readonly string[];
}

interface DigestChainOptions {
  /** Bucket the digests go to (log files keep their own). */
  readonly bucket: string;
  readonly trailName: string;
  readonly homeRegion: string;
  readonly organizationId?: string;
  /** Trail S3 key prefix, without trailing slash. */
  readonly keyPrefix?: string;
  /** End of the first digest, `YYYY-MM-DDTHH:mm:ssZ`; one digest per hour from there. */
  readonly firstDigestEnd: string;
  readonly digestCount: number;
  /**
   * Log files in CloudTrail's layout; each is listed in the digest of its account and region whose hour
   * contains its delivery stamp (the `YYYYMMDDTHHmmZ` of its name). Files outside every hour are left out.
   */
  readonly logFiles: readonly TrailLogFile[];
  /** The key, or the key per digest (index within its chain, account, region). */
  readonly signingKey:
    | DigestSigningKey
    | ((index: number, account: string, region: string) => DigestSigningKey);
  /** Extra (account, region) chains to write even without log files (all-empty digests). */
  readonly chains?: readonly { readonly account: string; readonly region: string }[];
  /** Writes backfill digests (`_backfill.json.gz`) generated at this time. */
  readonly backfillGeneratedAt?: string;
}

/** `2026-10-01T01:01:31.000Z` → `2026-10-01T01:01:31Z`, CloudTrail's UTC extended format. */
function utc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A fresh RSA-2048 key and its ListPublicKeys entry (PKCS#1 DER, MD5 fingerprint). */
function createDigestSigningKey(
  validity: { start: string; end: string } = {
    start: '2026-01-01T00:00:00Z',
    end: '2027-01-01T00:00:00Z',
  },
): DigestSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = new Uint8Array(publicKey.export({ type: 'pkcs1', format: 'der' }));
  return {
    privateKey,
    publicKey: {
      Value: der,
      Fingerprint: createHash('md5').update(der).digest('hex'),
      ValidityStartTime: new Date(validity.start),
      ValidityEndTime: new Date(validity.end),
    },
  };
}

const LOG_KEY =
  /AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/\1_CloudTrail_\2_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[A-Za-z0-9]{16}\.json\.gz$/;

interface PlacedLogFile {
  readonly file: TrailLogFile;
  readonly account: string;
  readonly region: string;
  readonly deliveredAt: number;
}

function place(file: TrailLogFile): PlacedLogFile {
  const m = LOG_KEY.exec(file.key);
  if (!m) throw new Error(`not a CloudTrail log file key: ${file.key}`);
  const [, account, region, y, mo, d, h, mi] = m;
  return {
    file,
    account: account!,
    region: region!,
    deliveredAt: Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi)),
  };
}

/** Oldest and newest eventTime in a log file (null when it has no records). */
function eventTimes(bytes: Uint8Array): { oldest: string | null; newest: string | null } {
  const records = (JSON.parse(gunzipSync(bytes).toString('utf8')) as { Records?: { eventTime?: string }[] })
    .Records;
  const times = (records ?? [])
    .map((r) => r.eventTime)
    .filter((t): t is string => typeof t === 'string')
    .sort();
  return { oldest: times[0] ?? null, newest: times[times.length - 1] ?? null };
}

function digestKey(options: DigestChainOptions, account: string, region: string, end: number): string {
  const iso = utc(end);
  const folder = iso.slice(0, 10).replace(/-/g, '/');
  const stamp = iso.replace(/[-:]/g, '');
  const org = options.organizationId ? `${options.organizationId}/` : '';
  const prefix = options.keyPrefix ? `${options.keyPrefix}/` : '';
  const backfill = options.backfillGeneratedAt ? '_backfill' : '';
  return `${prefix}AWSLogs/${org}${account}/CloudTrail-Digest/${region}/${folder}/${account}_CloudTrail-Digest_${region}_${options.trailName}_${options.homeRegion}_${stamp}${backfill}.json.gz`;
}

/**
 * One digest chain per (account, region) of the log files (and of `options.chains`), each of
 * `digestCount` hourly digests, the first a starting digest. Ordered by chain, then time.
 */
function cloudTrailDigestChains(options: DigestChainOptions): GeneratedDigest[] {
  const placed = options.logFiles.map(place);
  const chainKeys = new Set([
    ...placed.map((p) => `${p.account} ${p.region}`),
    ...(options.chains ?? []).map((c) => `${c.account} ${c.region}`),
  ]);
  const firstEnd = Date.parse(options.firstDigestEnd);
  const out: GeneratedDigest[] = [];
  for (const chainKey of [...chainKeys].sort()) {
    const [account, region] = chainKey.split(' ') as [string, string];
    let previous: { key: string; sha256: string; signature: string } | undefined;
    for (let index = 0; index < options.digestCount; index++) {
      const end = firstEnd + index * HOUR;
      const start = end - HOUR;
      const files = placed
        .filter((p) => p.account === account && p.region === region)
        .filter((p) => p.deliveredAt >= start && p.deliveredAt < end)
        .sort((a, b) => (a.file.key < b.file.key ? -1 : a.file.key > b.file.key ? 1 : 0));
      const entries = files.map((p) => {
        const times = eventTimes(p.file.bytes);
        return {
          s3Bucket: p.file.bucket,
          s3Object: p.file.key,
          hashValue: sha256(gunzipSync(p.file.bytes)),
          hashAlgorithm: 'SHA-256',
          newestEventTime: times.newest,
          oldestEventTime: times.oldest,
        };
      });
      const newest = entries.map((e) => e.newestEventTime).filter((t): t is string => t !== null);
      const oldest = entries.map((e) => e.oldestEventTime).filter((t): t is string => t !== null);
      const key = digestKey(options, account, region, end);
      const signingKey =
        typeof options.signingKey === 'function'
          ? options.signingKey(index, account, region)
          : options.signingKey;
      const digestEndTime = utc(end);
      const document = {
        awsAccountId: account,
        digestStartTime: utc(start),
        digestEndTime,
        digestS3Bucket: options.bucket,
        digestS3Object: key,
        digestPublicKeyFingerprint: signingKey.publicKey.Fingerprint,
        digestSignatureAlgorithm: 'SHA256withRSA',
        newestEventTime: newest.length ? newest.sort()[newest.length - 1] : null,
        oldestEventTime: oldest.length ? oldest.sort()[0] : null,
        previousDigestS3Bucket: previous ? options.bucket : null,
        previousDigestS3Object: previous?.key ?? null,
        previousDigestHashValue: previous?.sha256 ?? null,
        previousDigestHashAlgorithm: previous ? 'SHA-256' : null,
        previousDigestSignature: previous?.signature ?? null,
        logFiles: entries,
      };
      const json = JSON.stringify(document);
      const content = Buffer.from(json, 'utf8');
      const contentSha256 = sha256(content);
      const signingString = `${digestEndTime}\n${options.bucket}/${key}\n${contentSha256}\n${previous?.signature ?? 'null'}`;
      const signature = sign('sha256', Buffer.from(signingString, 'utf8'), signingKey.privateKey).toString(
        'hex',
      );
      const metadata: Record<string, string> = { signature, 'signature-algorithm': 'SHA256withRSA' };
      if (options.backfillGeneratedAt)
        metadata['backfill-generation-timestamp'] = options.backfillGeneratedAt;
      out.push({
        bucket: options.bucket,
        key,
        bytes: new Uint8Array(gzipSync(content)),
        json,
        metadata,
        signature,
        account,
        region,
        digestEndTime,
        logFiles: entries.map((e) => `s3://${e.s3Bucket}/${e.s3Object}`),
      });
      previous = { key, sha256: contentSha256, signature };
    }
  }
  return out;
}

export type { DigestChainOptions, DigestSigningKey, GeneratedDigest, PublicKeyEntry, TrailLogFile };
export { cloudTrailDigestChains, createDigestSigningKey };
