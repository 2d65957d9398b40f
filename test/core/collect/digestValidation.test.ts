/**
 * @module Tests of CloudTrail log-file integrity validation on real delivery files: the sample tenant's
 * first hours of October 2026, laid out by writeTrailFiles, with digest chains written exactly as
 * CloudTrail writes them (test/helpers/cloudTrailDigests.ts).
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTrailFiles } from '../../../functions/adapters/fs/writeTrailFiles.js';
import {
  type CloudTrailDigest,
  type CloudTrailPublicKey,
  DigestFileError,
  type DigestObject,
  type DigestValidationResult,
  digestSigningString,
  logFileContentSha256,
  parseDigestFile,
  parseDigestKey,
  publicKeyFingerprint,
  publicKeyFromListPublicKeys,
  validateDigestChain,
  verifyDigestSignature,
} from '../../../functions/core/collect/digestValidation.js';
import {
  type CloudTrailRecord,
  generateTenantMonth,
} from '../../../functions/core/sample/generateTenantMonth.js';
import {
  cloudTrailDigestChains,
  createDigestSigningKey,
  type DigestChainOptions,
  type DigestSigningKey,
  type GeneratedDigest,
  type TrailLogFile,
} from '../../helpers/cloudTrailDigests.js';

const LOG_BUCKET = 'acme-cloudtrail-logs';
const PERIOD = { from: '2026-10-01T00:00:00Z', to: '2026-10-01T06:00:00Z' };
/** Log files are stamped from 00:00 to 05:55; seven hourly digests ending at hh:01:31 cover them. */
const CHAIN: Omit<DigestChainOptions, 'logFiles' | 'signingKey'> = {
  bucket: LOG_BUCKET,
  trailName: 'acme-org-trail',
  homeRegion: 'eu-west-1',
  firstDigestEnd: '2026-10-01T00:01:31Z',
  digestCount: 7,
};

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const uriOf = (o: { bucket: string; key: string }) => `s3://${o.bucket}/${o.key}`;

let dir = '';
let logFiles: TrailLogFile[] = [];
let keyA: DigestSigningKey;
let keyB: DigestSigningKey;
let chains: GeneratedDigest[] = [];

function* firstSixHours(): Generator<CloudTrailRecord> {
  for (const record of generateTenantMonth({ month: '2026-10' })) {
    if ((record.eventTime as string) >= PERIOD.to) return;
    yield record;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trailproof-digests-'));
  await writeTrailFiles(firstSixHours(), dir);
  const names = (await readdir(dir, { recursive: true }))
    .map((n) => n.split('\\').join('/'))
    .filter((n) => n.endsWith('.json.gz'))
    .sort();
  logFiles = await Promise.all(
    names.map(async (key) => ({
      bucket: LOG_BUCKET,
      key,
      bytes: new Uint8Array(await readFile(join(dir, key))),
    })),
  );
  keyA = createDigestSigningKey();
  keyB = createDigestSigningKey();
  chains = cloudTrailDigestChains({ ...CHAIN, logFiles, signingKey: keyA });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function objectsOf(digests: readonly GeneratedDigest[]): DigestObject[] {
  return digests.map((d) => ({
    bucket: d.bucket,
    key: d.key,
    bytes: d.bytes,
    signature: d.metadata.signature,
    signatureAlgorithm: d.metadata['signature-algorithm'],
    backfillGenerationTimestamp: d.metadata['backfill-generation-timestamp'],
  }));
}

/** What collection computes for the files it read. */
function readHashes(files: readonly TrailLogFile[]): Map<string, string> {
  return new Map(files.map((f) => [uriOf(f), logFileContentSha256(f.bytes)]));
}

const keys = (...signing: DigestSigningKey[]): CloudTrailPublicKey[] =>
  signing.map((k) => publicKeyFromListPublicKeys(k.publicKey));

function validate(
  digests: readonly DigestObject[],
  files: readonly TrailLogFile[] = logFiles,
  publicKeys: readonly CloudTrailPublicKey[] = keys(keyA),
): DigestValidationResult {
  return validateDigestChain({ digests, publicKeys, logFiles: readHashes(files), period: PERIOD });
}

/** A digest in the middle of a chain that lists log files, and the one after it. */
function middleDigest(digests: readonly GeneratedDigest[] = chains): {
  digest: GeneratedDigest;
  next: GeneratedDigest;
} {
  for (let i = 2; i < digests.length - 1; i++) {
    const digest = digests[i]!;
    const next = digests[i + 1]!;
    if (digest.logFiles.length >= 2 && next.account === digest.account && next.region === digest.region) {
      return { digest, next };
    }
  }
  throw new Error('no middle digest with log files');
}

function rewriteGzipJson(bytes: Uint8Array, edit: (text: string) => string): Uint8Array {
  const text = gunzipSync(bytes).toString('utf8');
  const changed = edit(text);
  expect(changed).not.toBe(text);
  return new Uint8Array(gzipSync(Buffer.from(changed, 'utf8')));
}

const statusOf = (result: DigestValidationResult, uri: string) => result.logFiles.find((f) => f.uri === uri);
const kinds = (result: DigestValidationResult) => [...new Set(result.problems.map((p) => p.kind))];

describe('cloudTrailDigestChains (test helper)', () => {
  it('writes digests exactly in the documented layout, fields, hashes and signature', () => {
    expect(logFiles.length).toBeGreaterThan(40);
    const byChain = new Set(chains.map((d) => `${d.account}/${d.region}`));
    expect(byChain.size).toBeGreaterThanOrEqual(4);
    expect(chains).toHaveLength(byChain.size * CHAIN.digestCount);

    const name =
      /^AWSLogs\/(\d{12})\/CloudTrail-Digest\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/\1_CloudTrail-Digest_\2_acme-org-trail_eu-west-1_(\d{8}T\d{6}Z)\.json\.gz$/;
    const fields = [
      'awsAccountId',
      'digestStartTime',
      'digestEndTime',
      'digestS3Bucket',
      'digestS3Object',
      'digestPublicKeyFingerprint',
      'digestSignatureAlgorithm',
      'newestEventTime',
      'oldestEventTime',
      'previousDigestS3Bucket',
      'previousDigestS3Object',
      'previousDigestHashValue',
      'previousDigestHashAlgorithm',
      'previousDigestSignature',
      'logFiles',
    ];
    const publicKey = createPublicKey({
      key: Buffer.from(keyA.publicKey.Value),
      format: 'der',
      type: 'pkcs1',
    });
    let previous: GeneratedDigest | undefined;
    let emptyDigests = 0;
    for (const d of chains) {
      const m = name.exec(d.key);
      expect(m, d.key).not.toBeNull();
      const content = gunzipSync(d.bytes);
      const json = JSON.parse(content.toString('utf8')) as Record<string, unknown> & CloudTrailDigest;
      expect(Object.keys(json)).toEqual(fields);
      expect(`${m![3]}-${m![4]}-${m![5]}`).toBe(json.digestEndTime.slice(0, 10));
      expect(m![6]).toBe(json.digestEndTime.replace(/[-:]/g, ''));
      expect(json.digestS3Object).toBe(d.key);
      expect(d.metadata['signature-algorithm']).toBe('SHA256withRSA');
      expect(d.metadata.signature).toMatch(/^[0-9a-f]{512}$/);
      const first = previous === undefined || previous.account !== d.account || previous.region !== d.region;
      if (first) {
        expect(json.previousDigestS3Object).toBeNull();
        expect(json.previousDigestSignature).toBeNull();
      } else {
        expect(json.previousDigestS3Object).toBe(previous!.key);
        expect(json.previousDigestHashValue).toBe(sha256(gunzipSync(previous!.bytes)));
        expect(json.previousDigestHashAlgorithm).toBe('SHA-256');
        expect(json.previousDigestSignature).toBe(previous!.metadata.signature);
      }
      const signed = `${json.digestEndTime}\n${LOG_BUCKET}/${d.key}\n${sha256(content)}\n${json.previousDigestSignature ?? 'null'}`;
      expect(
        verify('sha256', Buffer.from(signed), publicKey, Buffer.from(d.metadata.signature!, 'hex')),
      ).toBe(true);
      if (json.logFiles.length === 0) {
        emptyDigests++;
        expect(json.newestEventTime).toBeNull();
      }
      for (const entry of json.logFiles) {
        const file = logFiles.find((f) => f.key === entry.s3Object)!;
        expect(entry.hashValue).toBe(sha256(gunzipSync(file.bytes)));
        expect(entry.hashValue).not.toBe(sha256(file.bytes));
        expect(logFileContentSha256(file.bytes)).toBe(entry.hashValue);
      }
      previous = d;
    }
    expect(emptyDigests).toBeGreaterThan(0);
    // Every log file is listed exactly once.
    expect(chains.flatMap((d) => d.logFiles).sort()).toEqual(logFiles.map(uriOf).sort());
    expect(keyA.publicKey.Fingerprint).toBe(createHash('md5').update(keyA.publicKey.Value).digest('hex'));
  });
});

describe('validateDigestChain', () => {
  it('verifies every log file of an intact chain and reports no problem', () => {
    const result = validate(objectsOf(chains));
    expect(result.problems).toEqual([]);
    expect(result.counts).toEqual({ verified: logFiles.length, failed: 0, 'not-covered': 0, missing: 0 });
    expect(result.digests.every((d) => d.trusted && d.signature === 'valid')).toBe(true);
    expect(result.digests.map((d) => d.uri)).toEqual([...result.digests.map((d) => d.uri)].sort());
    const first = result.logFiles[0]!;
    expect(first.status).toBe('verified');
    expect(first.expectedSha256).toBe(first.sha256);
    expect(chains.some((d) => d.key === first.digest?.slice(`s3://${LOG_BUCKET}/`.length))).toBe(true);
  });

  it('gives the same result whatever the input order', () => {
    const shuffled = objectsOf(chains).reverse();
    const reversedFiles = [...logFiles].reverse();
    expect(validate(shuffled, reversedFiles)).toEqual(validate(objectsOf(chains)));
  });

  it('fails a log file changed by one byte, and only that one', () => {
    const target = logFiles[Math.floor(logFiles.length / 2)]!;
    const changed = rewriteGzipJson(target.bytes, (text) => {
      const at = text.indexOf('"eventName":"') + 13;
      return `${text.slice(0, at)}${text.charAt(at) === 'X' ? 'Y' : 'X'}${text.slice(at + 1)}`;
    });
    const files = logFiles.map((f) => (f === target ? { ...f, bytes: changed } : f));
    const result = validate(objectsOf(chains), files);
    const check = statusOf(result, uriOf(target))!;
    expect(check).toMatchObject({ status: 'failed', reason: 'hash-mismatch' });
    expect(check.expectedSha256).toBe(sha256(gunzipSync(target.bytes)));
    expect(check.sha256).toBe(sha256(gunzipSync(changed)));
    expect(result.counts).toEqual({ verified: logFiles.length - 1, failed: 1, 'not-covered': 0, missing: 0 });
  });

  it('fails a log file with a gzip member appended after the delivered one', () => {
    const target = logFiles[3]!;
    const appended = new Uint8Array(
      Buffer.concat([target.bytes, gzipSync('{"Records":[{"eventName":"Forged"}]}')]),
    );
    const result = validate(
      objectsOf(chains),
      logFiles.map((f) => (f === target ? { ...f, bytes: appended } : f)),
    );
    expect(statusOf(result, uriOf(target))).toMatchObject({ status: 'failed', reason: 'hash-mismatch' });
  });

  it('reports a log file listed in a digest but not read as missing', () => {
    const deleted = logFiles[5]!;
    const result = validate(
      objectsOf(chains),
      logFiles.filter((f) => f !== deleted),
    );
    expect(result.missingLogFiles).toEqual([
      expect.objectContaining({
        uri: uriOf(deleted),
        digestTrusted: true,
        expectedSha256: sha256(gunzipSync(deleted.bytes)),
      }),
    ]);
    expect(result.problems).toEqual([
      expect.objectContaining({ kind: 'log-file-missing', logFile: uriOf(deleted) }),
    ]);
    expect(result.counts).toEqual({ verified: logFiles.length - 1, failed: 0, 'not-covered': 0, missing: 1 });
  });

  it('reports a log file read but listed in no digest as not-covered', () => {
    const model = logFiles[7]!;
    const injected = {
      ...model,
      key: model.key.replace(/_[A-Za-z0-9]{16}\.json\.gz$/, '_INJECTEDxxxxxxxx.json.gz'),
    };
    const result = validate(objectsOf(chains), [...logFiles, injected]);
    expect(statusOf(result, uriOf(injected))).toEqual({
      uri: uriOf(injected),
      status: 'not-covered',
      sha256: sha256(gunzipSync(model.bytes)),
    });
    expect(kinds(result)).toEqual(['log-files-not-covered']);
    expect(result.counts).toEqual({ verified: logFiles.length, failed: 0, 'not-covered': 1, missing: 0 });
  });

  it('fails every log file of a tampered digest, whose signature no longer verifies', () => {
    const { digest, next } = middleDigest();
    const objects = objectsOf(chains).map((o) =>
      o.key === digest.key ? { ...o, bytes: rewriteGzipJson(o.bytes, (t) => t.replace('{', '{ ')) } : o,
    );
    const result = validate(objects);
    const check = result.digests.find((d) => d.uri === uriOf(digest))!;
    expect(check).toMatchObject({ trusted: false, signature: 'signature-mismatch' });
    expect(check.problems).toEqual(['signature-invalid', 'previous-hash-mismatch']);
    for (const uri of digest.logFiles) {
      expect(statusOf(result, uri)).toMatchObject({ status: 'failed', reason: 'digest-not-trusted' });
    }
    expect(result.counts.failed).toBe(digest.logFiles.length);
    expect(result.counts.verified).toBe(logFiles.length - digest.logFiles.length);
    const mismatch = result.problems.find((p) => p.kind === 'previous-hash-mismatch')!;
    expect(mismatch.digest).toBe(uriOf(digest));
    expect(mismatch.message).toContain(uriOf(next));
    expect(result.digests.find((d) => d.uri === uriOf(next))?.trusted).toBe(true);
  });

  it('fails a log file whose changed hash was also written into its digest', () => {
    const { digest } = middleDigest();
    const targetUri = digest.logFiles[0]!;
    const target = logFiles.find((f) => uriOf(f) === targetUri)!;
    const changed = rewriteGzipJson(target.bytes, (t) => t.replace('"eventName":"', '"eventName":"Z'));
    const objects = objectsOf(chains).map((o) =>
      o.key === digest.key
        ? {
            ...o,
            bytes: rewriteGzipJson(o.bytes, (t) =>
              t.replace(sha256(gunzipSync(target.bytes)), sha256(gunzipSync(changed))),
            ),
          }
        : o,
    );
    const result = validate(
      objects,
      logFiles.map((f) => (f === target ? { ...f, bytes: changed } : f)),
    );
    expect(statusOf(result, targetUri)).toMatchObject({ status: 'failed', reason: 'digest-not-trusted' });
    expect(kinds(result)).toEqual(['signature-invalid', 'previous-hash-mismatch']);
  });

  it('distrusts a digest replaced by another validly signed one that its successor does not vouch for', () => {
    const { digest, next } = middleDigest();
    const hidden = digest.logFiles[0]!;
    const alternative = cloudTrailDigestChains({
      ...CHAIN,
      logFiles: logFiles.filter((f) => uriOf(f) !== hidden),
      signingKey: keyA,
    }).find((d) => d.key === digest.key)!;
    expect(alternative.signature).not.toBe(digest.signature);
    const objects = objectsOf(chains.map((d) => (d === digest ? alternative : d)));
    const result = validate(objects);
    expect(result.digests.find((d) => d.uri === uriOf(digest))).toMatchObject({
      signature: 'valid',
      trusted: false,
      problems: ['previous-hash-mismatch', 'previous-signature-mismatch'],
    });
    expect(result.problems.find((p) => p.kind === 'previous-signature-mismatch')?.message).toContain(
      uriOf(next),
    );
    expect(statusOf(result, hidden)?.status).toBe('not-covered');
    for (const uri of digest.logFiles.slice(1)) {
      expect(statusOf(result, uri)).toMatchObject({ status: 'failed', reason: 'digest-not-trusted' });
    }
  });

  it('reports a digest removed from the middle of a chain as a gap, its log files not covered', () => {
    const { digest, next } = middleDigest();
    const result = validate(objectsOf(chains.filter((d) => d !== digest)));
    expect(kinds(result)).toEqual(['chain-gap', 'log-files-not-covered']);
    const gap = result.problems.find((p) => p.kind === 'chain-gap')!;
    expect(gap.digest).toBe(uriOf(digest));
    expect(gap.message).toContain(uriOf(next));
    for (const uri of digest.logFiles) expect(statusOf(result, uri)?.status).toBe('not-covered');
    expect(result.counts).toEqual({
      verified: logFiles.length - digest.logFiles.length,
      failed: 0,
      'not-covered': digest.logFiles.length,
      missing: 0,
    });
  });

  it('reports the newest digests removed when a period is given', () => {
    const last = chains[chains.length - 1]!;
    const result = validate(objectsOf(chains.filter((d) => d !== last)));
    expect(result.problems.filter((p) => p.kind === 'period-not-covered')).toEqual([
      expect.objectContaining({ digest: uriOf(chains[chains.length - 2]!) }),
    ]);
  });

  it('fails the log files of a digest signed by an unknown key', () => {
    const { digest } = middleDigest();
    const index = chains
      .filter((d) => d.account === digest.account && d.region === digest.region)
      .indexOf(digest);
    const mixed = cloudTrailDigestChains({
      ...CHAIN,
      logFiles,
      signingKey: (i, account, region) =>
        i === index && account === digest.account && region === digest.region ? keyB : keyA,
    });
    const result = validate(objectsOf(mixed));
    expect(kinds(result)).toEqual(['unknown-key']);
    expect(result.problems[0]?.digest).toBe(uriOf(digest));
    for (const uri of digest.logFiles) {
      expect(statusOf(result, uri)).toMatchObject({ status: 'failed', reason: 'digest-not-trusted' });
    }
    expect(result.counts.verified).toBe(logFiles.length - digest.logFiles.length);
    // With key B published too, the same chain verifies.
    expect(validate(objectsOf(mixed), logFiles, keys(keyA, keyB)).problems).toEqual([]);
  });

  it('fails a digest signed with another key under the genuine fingerprint', () => {
    const impostor: DigestSigningKey = { privateKey: keyB.privateKey, publicKey: keyA.publicKey };
    const forged = cloudTrailDigestChains({ ...CHAIN, logFiles, signingKey: impostor });
    const result = validate(objectsOf(forged));
    expect(result.digests.every((d) => d.signature === 'signature-mismatch')).toBe(true);
    expect(result.counts.failed).toBe(logFiles.length);
    // A key list whose bytes were swapped under the genuine fingerprint is not trusted either.
    const swapped = { ...keys(keyA)[0]!, value: keyB.publicKey.Value };
    const swappedResult = validate(objectsOf(forged), logFiles, [swapped]);
    expect(swappedResult.digests.every((d) => d.signature === 'invalid-key')).toBe(true);
    expect(swappedResult.counts.verified).toBe(0);
  });

  it('uses a key only within its validity window', () => {
    const expiring = createDigestSigningKey({ start: '2026-09-01T00:00:00Z', end: '2026-10-01T03:00:00Z' });
    const signed = cloudTrailDigestChains({ ...CHAIN, logFiles, signingKey: expiring });
    const result = validate(objectsOf(signed), logFiles, keys(expiring));
    const late = signed.filter((d) => d.digestEndTime > '2026-10-01T03:00:00Z');
    expect(late.length).toBeGreaterThan(0);
    expect(result.digests.filter((d) => d.signature === 'key-not-valid').map((d) => d.uri)).toEqual(
      late.map(uriOf).sort(),
    );
    expect(kinds(result)).toEqual(['key-not-valid']);
    for (const uri of late.flatMap((d) => d.logFiles)) expect(statusOf(result, uri)?.status).toBe('failed');
    for (const uri of signed.filter((d) => !late.includes(d)).flatMap((d) => d.logFiles)) {
      expect(statusOf(result, uri)?.status).toBe('verified');
    }

    // Rotation: the old key until 03:00, the new one (valid from 02:30) after; both published.
    const successor = createDigestSigningKey({ start: '2026-10-01T02:30:00Z', end: '2026-11-01T00:00:00Z' });
    const rotated = cloudTrailDigestChains({
      ...CHAIN,
      logFiles,
      signingKey: (i) => (i <= 2 ? expiring : successor),
    });
    expect(validate(objectsOf(rotated), logFiles, keys(expiring, successor)).problems).toEqual([]);
    // The new key published as valid only from 04:00 does not cover the digests ending at 03:01:31.
    const tooLate = { ...keys(successor)[0]!, validityStartTime: new Date('2026-10-01T04:00:00Z') };
    const early = validate(objectsOf(rotated), logFiles, [...keys(expiring), tooLate]);
    const notValid = early.digests.filter((d) => d.signature === 'key-not-valid').map((d) => d.digestEndTime);
    expect(notValid.length).toBe(new Set(rotated.map((d) => `${d.account}/${d.region}`)).size);
    expect(new Set(notValid)).toEqual(new Set(['2026-10-01T03:01:31Z']));
  });

  it('fails the log files of a digest moved from its original location', () => {
    const { digest } = middleDigest();
    const objects = objectsOf(chains).map((o) => (o.key === digest.key ? { ...o, bucket: 'elsewhere' } : o));
    const result = validate(objects);
    expect(kinds(result)).toContain('digest-moved');
    for (const uri of digest.logFiles) expect(statusOf(result, uri)?.status).toBe('failed');
  });

  it('reports a digest that is not a digest file, naming it', () => {
    const { digest } = middleDigest();
    const objects = objectsOf(chains).map((o) =>
      o.key === digest.key ? { ...o, bytes: new Uint8Array(gzipSync('{"Records":[]}')) } : o,
    );
    const result = validate(objects);
    const unreadable = result.problems.find((p) => p.kind === 'digest-unreadable')!;
    expect(unreadable.digest).toBe(uriOf(digest));
    expect(unreadable.message).toContain(uriOf(digest));
    expect(unreadable.message).toContain('awsAccountId');
    for (const uri of digest.logFiles) expect(statusOf(result, uri)?.status).toBe('not-covered');
  });

  it('verifies an offline copy without metadata through the signatures the chain records', () => {
    const newestKeys = new Set<string>();
    for (let i = 0; i < chains.length; i++) {
      const d = chains[i]!;
      const after = chains[i + 1];
      if (!after || after.account !== d.account || after.region !== d.region) newestKeys.add(d.key);
    }
    const offline = objectsOf(chains).map((o) =>
      newestKeys.has(o.key) ? o : { ...o, signature: undefined },
    );
    const result = validate(offline);
    expect(result.problems).toEqual([]);
    expect(result.counts.verified).toBe(logFiles.length);

    const noneAtAll = validate(objectsOf(chains).map((o) => ({ ...o, signature: undefined })));
    expect(noneAtAll.digests.every((d) => d.signature === 'missing-signature')).toBe(true);
    expect(noneAtAll.counts.failed).toBe(logFiles.length);
  });

  it('reports every file not-covered and the problem no-digest-files when the trail has no digests', () => {
    const result = validate([]);
    expect(result.counts).toEqual({ verified: 0, failed: 0, 'not-covered': logFiles.length, missing: 0 });
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'no-digest-files' })]);
    expect(result.digests).toEqual([]);
  });

  it('reports a chain restarted mid-period (validation switched off and on)', () => {
    const account = chains[0]!.account;
    const region = chains[0]!.region;
    const before = cloudTrailDigestChains({ ...CHAIN, digestCount: 3, logFiles, signingKey: keyA });
    const after = cloudTrailDigestChains({
      ...CHAIN,
      firstDigestEnd: '2026-10-01T04:01:31Z',
      digestCount: 3,
      logFiles,
      signingKey: keyA,
    });
    const one = (d: GeneratedDigest) => d.account === account && d.region === region;
    const result = validateDigestChain({
      digests: objectsOf([...before.filter(one), ...after.filter(one)]),
      publicKeys: keys(keyA),
      logFiles: readHashes(
        logFiles.filter((f) => f.key.startsWith(`AWSLogs/${account}/CloudTrail/${region}/`)),
      ),
    });
    expect(kinds(result)).toContain('chain-restarted');
    expect(result.problems.find((p) => p.kind === 'chain-restarted')?.message).toContain(
      '2026-10-01T02:01:31Z',
    );
  });

  it('validates an organization trail with a key prefix', () => {
    const org = cloudTrailDigestChains({
      ...CHAIN,
      organizationId: 'o-a1b2c3d4e5',
      keyPrefix: 'trails/acme',
      logFiles,
      signingKey: keyA,
    });
    expect(org[0]!.key).toMatch(/^trails\/acme\/AWSLogs\/o-a1b2c3d4e5\/\d{12}\/CloudTrail-Digest\//);
    expect(parseDigestKey(org[0]!.key)).toMatchObject({
      prefix: 'trails/acme/',
      organizationId: 'o-a1b2c3d4e5',
      trailName: 'acme-org-trail',
      homeRegion: 'eu-west-1',
      kind: 'standard',
    });
    const result = validate(objectsOf(org));
    expect(result.problems).toEqual([]);
    expect(result.counts.verified).toBe(logFiles.length);
    expect(result.digests[0]?.chain).toMatch(/^o-a1b2c3d4e5\/\d{12}\/[a-z0-9-]+\/acme-org-trail\/eu-west-1$/);
  });

  it('chooses the key of a backfill digest by its backfill-generation-timestamp', () => {
    const late = logFiles.slice(0, 1);
    const generated = createDigestSigningKey({ start: '2026-10-02T00:00:00Z', end: '2026-11-01T00:00:00Z' });
    const backfill = cloudTrailDigestChains({
      ...CHAIN,
      digestCount: 1,
      logFiles: late,
      signingKey: generated,
      backfillGeneratedAt: '2026-10-03T00:00:00Z',
    });
    expect(backfill[0]!.key).toMatch(/_\d{8}T\d{6}Z_backfill\.json\.gz$/);
    const run = (objects: DigestObject[]) =>
      validateDigestChain({ digests: objects, publicKeys: keys(generated), logFiles: readHashes(late) });
    const result = run(objectsOf(backfill));
    expect(result.digests[0]).toMatchObject({ kind: 'backfill', trusted: true });
    expect(result.counts.verified).toBe(1);
    const withoutTimestamp = run(
      objectsOf(backfill).map((o) => ({ ...o, backfillGenerationTimestamp: undefined })),
    );
    expect(withoutTimestamp.digests[0]?.signature).toBe('key-not-valid');
  });

  it('rejects caller errors', () => {
    const objects = objectsOf(chains.slice(0, 1));
    expect(() => validate([...objects, ...objects])).toThrow(/given twice/);
    expect(() =>
      validateDigestChain({ digests: [], publicKeys: [], logFiles: new Map([['s3://b/k', 'abc']]) }),
    ).toThrow(/SHA-256/);
    expect(() =>
      validateDigestChain({
        digests: [],
        publicKeys: [],
        logFiles: new Map(),
        period: { from: 'x', to: 'y' },
      }),
    ).toThrow(/period/);
  });
});

describe('verifyDigestSignature', () => {
  it('verifies a digest and names why one does not', () => {
    const d = chains[1]!;
    const { digest, content } = parseDigestFile(uriOf(d), d.bytes);
    const publicKeys = keys(keyA);
    expect(verifyDigestSignature(digest, d.bytes, d.signature, 'SHA256withRSA', publicKeys)).toEqual({
      valid: true,
      fingerprint: keyA.publicKey.Fingerprint,
    });
    expect(
      verifyDigestSignature(digest, content, d.signature.toUpperCase(), undefined, publicKeys).valid,
    ).toBe(true);
    const reason = (...args: Parameters<typeof verifyDigestSignature>) => {
      const check = verifyDigestSignature(...args);
      return check.valid ? 'valid' : check.reason;
    };
    expect(reason(digest, d.bytes, d.signature, 'SHA1withRSA', publicKeys)).toBe('unsupported-algorithm');
    expect(reason(digest, d.bytes, undefined, 'SHA256withRSA', publicKeys)).toBe('missing-signature');
    expect(reason(digest, d.bytes, 'xyz', 'SHA256withRSA', publicKeys)).toBe('malformed-signature');
    expect(reason(digest, d.bytes, d.signature, 'SHA256withRSA', [])).toBe('unknown-key');
    expect(reason(digest, d.bytes, chains[2]!.signature, 'SHA256withRSA', publicKeys)).toBe(
      'signature-mismatch',
    );
    expect(reason({ ...digest, previousDigestSignature: null }, d.bytes, d.signature, null, publicKeys)).toBe(
      'signature-mismatch',
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// The documented examples. Source: AWS CloudTrail User Guide, "CloudTrail digest file structure"
// (sample digest file contents; an "empty" digest file) and "Custom implementations of CloudTrail log
// file integrity validation" (list-public-keys sample response), docs.aws.amazon.com/awscloudtrail/
// latest/userguide/, transcribed by hand (the bucket is the docs' placeholder `S3-bucket-name`).
// ---------------------------------------------------------------------------------------------------

const DOCS_PREVIOUS_SIGNATURE =
  '50887ccffad4c002b97caa37cc9dc626e3c680207d41d27fa5835458e066e0d3652fc4dfc30937e4d5f4cc7f796e7a258fb50a43ac427f2237f6e505d4efaf373d156e15e3b68dea9f58111d395b62628d6bd367a9024d2183b5c5f6e19466d3a996b92df705bc997b8a0e13430f241d733cf95df4e41bb6c304c3f58363043572ea57a27085639ce187e679c0d81c7519b1184fa77fb7ab0b0e40a32dace6e1eefc3995c5ae182da49b62b26398cebb52a2201a6387b75b89c83e5570bcb9bba6c34a80f2f00a1c6ebe07d1ff149eccd812dc805bb3eeff6657db32a6cb48d2d096404eb76181877bc6ebb8cd0b23f823200155b2fd8848d428e46e8456328a';

const DOCS_DIGEST = {
  awsAccountId: '111122223333',
  digestStartTime: '2015-08-17T14:01:31Z',
  digestEndTime: '2015-08-17T15:01:31Z',
  digestS3Bucket: 'S3-bucket-name',
  digestS3Object:
    'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz',
  digestPublicKeyFingerprint: '31e8b5433410dfb61a9dc45cc65b22ff',
  digestSignatureAlgorithm: 'SHA256withRSA',
  newestEventTime: '2015-08-17T14:52:27Z',
  oldestEventTime: '2015-08-17T14:42:27Z',
  previousDigestS3Bucket: 'S3-bucket-name',
  previousDigestS3Object:
    'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T140131Z.json.gz',
  previousDigestHashValue: '97fb791cf91ffc440d274f8190dbdd9aa09c34432aba82739df18b6d3c13df2d',
  previousDigestHashAlgorithm: 'SHA-256',
  previousDigestSignature: DOCS_PREVIOUS_SIGNATURE,
  logFiles: [
    {
      s3Bucket: 'S3-bucket-name',
      s3Object:
        'AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz',
      hashValue: '9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6',
      hashAlgorithm: 'SHA-256',
      newestEventTime: '2015-08-17T14:52:27Z',
      oldestEventTime: '2015-08-17T14:42:27Z',
    },
  ],
};

const DOCS_EMPTY_DIGEST = {
  ...DOCS_DIGEST,
  digestStartTime: '2015-08-20T17:01:31Z',
  digestEndTime: '2015-08-20T18:01:31Z',
  digestS3Bucket: 'example-bucket-name',
  digestS3Object:
    'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/20/111122223333_CloudTrail-Digest_us-east-2_example-trail-name_us-east-2_20150820T180131Z.json.gz',
  newestEventTime: null,
  oldestEventTime: null,
  previousDigestS3Bucket: 'example-bucket-name',
  previousDigestS3Object:
    'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/20/111122223333_CloudTrail-Digest_us-east-2_example-trail-name_us-east-2_20150820T170131Z.json.gz',
  previousDigestHashValue: 'ed96c4bac9eaa8fe9716ca0e515da51938be651b1db31d781956416a9d05cdfa',
  logFiles: [],
};

/** `aws cloudtrail list-public-keys` sample response (CLI JSON: base64 Value, epoch-second times). */
const DOCS_PUBLIC_KEYS = [
  {
    ValidityStartTime: '1436317441.0',
    ValidityEndTime: '1438909441.0',
    Value:
      'MIIBCgKCAQEAn11L2YZ9h7onug2ILi1MWyHiMRsTQjfWE+pHVRLk1QjfWhirG+lpOa8NrwQ/r7Ah5bNL6HepznOU9XTDSfmmnP97mqyc7z/upfZdS/AHhYcGaz7n6Wc/RRBU6VmiPCrAUojuSk6/GjvA8iOPFsYDuBtviXarvuLPlrT9kAd4Lb+rFfR5peEgBEkhlzc5HuWO7S0y+KunqxX6jQBnXGMtxmPBPP0FylgWGNdFtks/4YSKcgqwH0YDcawP9GGGDAeCIqPWIXDLG1jOjRRzWfCmD0iJUkz8vTsn4hq/5ZxRFE7UBAUiVcGbdnDdvVfhF9C3dQiDq3k7adQIziLT0cShgQIDAQAB',
    Fingerprint: '8eba5db5bea9b640d1c96a77256fe7f2',
  },
  {
    ValidityStartTime: '1434589460.0',
    ValidityEndTime: '1437181460.0',
    Value:
      'MIIBCgKCAQEApfYL2FiZhpN74LNWVUzhR+VheYhwhYm8w0n5Gf6i95ylW5kBAWKVEmnAQG7BvS5g9SMqFDQx52fW7NWV44IvfJ2xGXT+wT+DgR6ZQ+6yxskQNqV5YcXj4Aa5Zz4jJfsYjDuO2MDTZNIzNvBNzaBJ+r2WIWAJ/Xq54kyF63B6WE38vKuDE7nSd1FqQuEoNBFLPInvgggYe2Ym1Refe2z71wNcJ2kY+q0h1BSHrSM8RWuJIw7MXwF9iQncg9jYzUlNJomozQzAG5wSRfbplcCYNY40xvGd/aAmO0m+Y+XFMrKwtLCwseHPvj843qVno6x4BJN9bpWnoPo9sdsbGoiK3QIDAQAB',
    Fingerprint: '8933b39ddc64d26d8e14ffbf6566fee4',
  },
  {
    ValidityStartTime: '1434589370.0',
    ValidityEndTime: '1437181370.0',
    Value:
      'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqlzPJbvZJ42UdcmLfPUqXYNfOs6I8lCfao/tOs8CmzPOEdtLWugB9xoIUz78qVHdKIqxbaG4jWHfJBiOSSFBM0lt8cdVo4TnRa7oG9io5pysS6DJhBBAeXsicufsiFJR+wrUNh8RSLxL4k6G1+BhLX20tJkZ/erT97tDGBujAelqseGg3vPZbTx9SMfOLN65PdLFudLP7Gat0Z9p5jw/rjpclKfo9Bfc3heeBxWGKwBBOKnFAaN9V57pOaosCvPKmHd9bg7jsQkI9Xp22IzGLsTFJZYVA3KiTAElDMu80iFXPHEq9hKNbt9e4URFam+1utKVEiLkR2disdCmPTK0VQIDAQAB',
    Fingerprint: '31e8b5433410dfb61a9dc45cc65b22ff',
  },
];

describe('the AWS documentation examples', () => {
  it('parses the documented sample digest, plain and gzip', () => {
    const plain = Buffer.from(JSON.stringify(DOCS_DIGEST, null, 2));
    const parsed = parseDigestFile('docs-sample.json', plain);
    expect(parsed.digest).toEqual(DOCS_DIGEST);
    expect(parsed.sha256).toBe(sha256(plain));
    expect(parseDigestFile('docs-sample.json.gz', gzipSync(plain)).sha256).toBe(parsed.sha256);
    expect(parseDigestKey(DOCS_DIGEST.digestS3Object)).toEqual({
      prefix: '',
      organizationId: null,
      account: '111122223333',
      region: 'us-east-2',
      trailName: 'your-trail-name',
      homeRegion: 'us-east-2',
      timestamp: '20150817T150131Z',
      kind: 'standard',
    });
  });

  it('parses the documented empty digest (no log files, null event times)', () => {
    const parsed = parseDigestFile('docs-empty.json', Buffer.from(JSON.stringify(DOCS_EMPTY_DIGEST)));
    expect(parsed.digest.logFiles).toEqual([]);
    expect(parsed.digest.newestEventTime).toBeNull();
  });

  it('builds the data signing string in the documented order, with null for a starting digest', () => {
    const hash = '4ff08d7c6ecd6eb313257e839645d20363ee3784a2328a7d76b99b53cc9bcacd';
    expect(digestSigningString(DOCS_DIGEST, hash)).toBe(
      `2015-08-17T15:01:31Z\nS3-bucket-name/${DOCS_DIGEST.digestS3Object}\n${hash}\n${DOCS_PREVIOUS_SIGNATURE}`,
    );
    const starting = { ...DOCS_DIGEST, previousDigestSignature: null };
    expect(digestSigningString(starting, hash).endsWith(`\n${hash}\nnull`)).toBe(true);
  });

  it('reads the documented list-public-keys sample; each fingerprint is the MD5 of the key bytes', () => {
    const parsed = DOCS_PUBLIC_KEYS.map(publicKeyFromListPublicKeys);
    for (const key of parsed) expect(publicKeyFingerprint(key.value)).toBe(key.fingerprint);
    expect(parsed[0]?.validityStartTime.toISOString()).toBe('2015-07-08T01:04:01.000Z');
    // Every sample key is RSA: PKCS#1 for the first two, SubjectPublicKeyInfo for the third.
    for (const key of parsed) {
      let rsa = false;
      for (const type of ['pkcs1', 'spki'] as const) {
        try {
          rsa ||=
            createPublicKey({ key: Buffer.from(key.value), format: 'der', type }).asymmetricKeyType === 'rsa';
        } catch {
          // the other encoding
        }
      }
      expect(rsa).toBe(true);
    }
    // The digest names the third key, but the two samples are from different months: the key's
    // validity (2015-06-18 – 2015-07-18) does not cover the digest's end time (2015-08-17).
    const verifyDocs = (signedAt?: string) =>
      verifyDigestSignature(
        DOCS_DIGEST,
        Buffer.from(JSON.stringify(DOCS_DIGEST)),
        'ab'.repeat(256),
        'SHA256withRSA',
        parsed,
        { signedAt },
      );
    expect(verifyDocs()).toMatchObject({ valid: false, reason: 'key-not-valid' });
    // Within its validity, verification runs to the signature itself (the docs publish no matching one).
    const check = verifyDocs('2015-07-01T00:00:00Z');
    expect(check).toMatchObject({ valid: false, reason: 'signature-mismatch' });
  });

  it('names the object and the field of an invalid digest file', () => {
    const { digestEndTime: _, ...noEnd } = DOCS_DIGEST;
    let error: unknown;
    try {
      parseDigestFile('s3://b/AWSLogs/x.json.gz', Buffer.from(JSON.stringify(noEnd)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DigestFileError);
    expect((error as DigestFileError).object).toBe('s3://b/AWSLogs/x.json.gz');
    expect((error as DigestFileError).field).toBe('digestEndTime');
    expect((error as Error).message).toMatch(/^s3:\/\/b\/AWSLogs\/x\.json\.gz: .*digestEndTime/);

    const badHash = { ...DOCS_DIGEST, logFiles: [{ ...DOCS_DIGEST.logFiles[0], hashValue: 'not-hex' }] };
    expect(() => parseDigestFile('d', Buffer.from(JSON.stringify(badHash)))).toThrow(
      /logFiles\[0\]\.hashValue/,
    );
    expect(() => parseDigestFile('d', Buffer.from('{'))).toThrow(/^d: not UTF-8 JSON/);
    expect(() => parseDigestFile('d', new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).toThrow(
      /^d: not a readable gzip/,
    );
  });
});
