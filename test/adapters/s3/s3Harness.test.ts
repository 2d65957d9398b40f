/**
 * Proves the S3 test harness: the real @aws-sdk/client-s3 against the run's Ceph radosgw
 * (test/helpers/s3Server.ts), directly and through the fault proxy (test/helpers/faultProxy.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../helpers/faultProxy.js';
import { ROOT } from '../../helpers/runCli.js';
import { freshBucket, s3TestClient, s3TestServer } from '../../helpers/s3Client.js';

const s3 = s3TestClient();

async function put(bucket: string, key: string, body: string | Uint8Array = key): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function listAll(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('S3 test server (Ceph radosgw) with the real SDK', () => {
  it('stores text and gzip binary objects and reads them back byte for byte', async () => {
    const bucket = await freshBucket('harness-objects');
    await put(bucket, 'notes/hello.txt', 'hello, trail ✓');
    const text = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt' }));
    expect(await text.Body!.transformToString()).toBe('hello, trail ✓');

    const records = { Records: [{ eventID: 'e1', eventName: 'GetObject' }] };
    const gz = gzipSync(JSON.stringify(records));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/x.json.gz',
        Body: gz,
        ContentType: 'application/x-gzip',
      }),
    );
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/01/x.json.gz',
      }),
    );
    const bytes = await got.Body!.transformToByteArray();
    expect(Buffer.from(bytes).equals(gz)).toBe(true);
    expect(got.ContentLength).toBe(gz.length);
    expect(got.ContentType).toBe('application/x-gzip');
    expect(JSON.parse(gunzipSync(bytes).toString('utf8'))).toEqual(records);
  });

  it('paginates ListObjectsV2 with MaxKeys and ContinuationToken, and honours StartAfter', async () => {
    const bucket = await freshBucket('harness-pages');
    const keys = Array.from({ length: 7 }, (_, i) => `logs/k${i}`);
    await Promise.all(keys.map((k) => put(bucket, k)));

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'logs/', MaxKeys: 3, ContinuationToken: token }),
      );
      pages.push((page.Contents ?? []).map((o) => o.Key!));
      expect(page.KeyCount).toBe(pages.at(-1)!.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) expect(token).toBeTruthy();
    } while (token);
    expect(pages).toEqual([keys.slice(0, 3), keys.slice(3, 6), keys.slice(6)]);

    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'logs/k4' }));
    expect((after.Contents ?? []).map((o) => o.Key)).toEqual(['logs/k5', 'logs/k6']);
  });

  it('groups keys into CommonPrefixes with a Delimiter', async () => {
    const bucket = await freshBucket('harness-delimiter');
    const base = 'AWSLogs/111122223333/CloudTrail';
    await Promise.all(
      [
        `${base}/us-east-1/2026/10/01/a.json.gz`,
        `${base}/eu-west-1/2026/10/01/b.json.gz`,
        `${base}/x.txt`,
      ].map((k) => put(bucket, k)),
    );
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${base}/`, Delimiter: '/' }),
    );
    expect((page.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual([
      `${base}/eu-west-1/`,
      `${base}/us-east-1/`,
    ]);
    expect((page.Contents ?? []).map((o) => o.Key)).toEqual([`${base}/x.txt`]);
    expect(page.Delimiter).toBe('/');
  });

  it('gives every write of a versioned bucket its own VersionId', async () => {
    const bucket = await freshBucket('harness-versions', { versioning: true });
    const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'one' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'two' }));
    expect(first.VersionId).toBeTruthy();
    expect(second.VersionId).toBeTruthy();
    expect(second.VersionId).not.toBe(first.VersionId);

    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'k' }));
    expect((versions.Versions ?? []).map((v) => v.VersionId).sort()).toEqual(
      [first.VersionId, second.VersionId].sort(),
    );
    const old = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: first.VersionId }));
    expect(await old.Body!.transformToString()).toBe('one');
  });

  it('keeps an object under GOVERNANCE retention and refuses to delete the locked version', async () => {
    const bucket = await freshBucket('harness-lock', { objectLock: true });
    const until = new Date(Date.now() + 24 * 3600_000);
    until.setUTCMilliseconds(0);
    const written = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'reports/manifest.json',
        Body: '{}',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    expect(written.VersionId).toBeTruthy();

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'reports/manifest.json' }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    expect(head.ObjectLockRetainUntilDate?.toISOString()).toBe(until.toISOString());

    const refused = await rejection(
      s3.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: 'reports/manifest.json',
          VersionId: written.VersionId,
        }),
      ),
    );
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect(refused.name).toBe('AccessDenied');
    expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(403);
    // Still there.
    const again = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'reports/manifest.json', VersionId: written.VersionId }),
    );
    expect(again.ObjectLockMode).toBe('GOVERNANCE');
  });

  it('round-trips user metadata (x-amz-meta-*), as digest files carry their signature', async () => {
    const bucket = await freshBucket('harness-meta');
    const Metadata = { signature: 'a1b2c3'.repeat(20), 'signature-algorithm': 'SHA256withRSA' };
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'digest.json.gz', Body: gzipSync('{}'), Metadata }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'digest.json.gz' }));
    expect(head.Metadata).toEqual(Metadata);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'digest.json.gz' }));
    expect(got.Metadata?.signature).toBe(Metadata.signature);
    await got.Body!.transformToByteArray();
  });
});

describe('fault proxy in front of the S3 test server', () => {
  let proxy: FaultProxy;
  let bucket: string;

  beforeAll(async () => {
    proxy = await startFaultProxy((await s3TestServer()).endpoint);
    bucket = await freshBucket('harness-faults');
    await Promise.all(
      ['a/1', 'a/2', 'b/1', 'big.bin'].map((k) =>
        put(bucket, k, k === 'big.bin' ? 'x'.repeat(64 * 1024) : k),
      ),
    );
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('forwards signed requests unchanged and records method, path and query', async () => {
    proxy.requests.length = 0;
    const client = s3TestClient({ endpoint: proxy.endpoint });
    expect(await listAll(client, bucket, 'a/')).toEqual(['a/1', 'a/2']);
    expect(await listAll(client, bucket, 'b/')).toEqual(['b/1']);
    const listed = proxy.requests.filter((r) => r.method === 'GET' && r.query['list-type'] === '2');
    expect(listed.map((r) => r.query.prefix)).toEqual(['a/', 'b/']);
    expect(listed.map((r) => [r.path, r.fault])).toEqual([
      [`/${bucket}/`, null],
      [`/${bucket}/`, null],
    ]);
  });

  it('lets the SDK retry 503 SlowDown until it succeeds', async () => {
    proxy.requests.length = 0;
    const client = s3TestClient({ endpoint: proxy.endpoint });
    const fault = proxy.addFault({ method: 'PUT', path: /\/retried\.txt$/, times: 2, kind: 'slowdown' });
    try {
      const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'retried.txt', Body: 'ok' }));
      expect(out.$metadata.attempts).toBe(3);
      expect(fault.fired).toBe(2);
      expect(proxy.requests.map((r) => [r.method, r.path, r.fault])).toEqual([
        ['PUT', `/${bucket}/retried.txt`, 'slowdown'],
        ['PUT', `/${bucket}/retried.txt`, 'slowdown'],
        ['PUT', `/${bucket}/retried.txt`, null],
      ]);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'retried.txt' }));
      expect(await got.Body!.transformToString()).toBe('ok');
    } finally {
      proxy.clearFaults();
    }
  });

  it('surfaces SlowDown and InternalError as S3 errors when retries are off', async () => {
    const client = s3TestClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
    proxy.addFault({ method: 'GET', path: /\/a\/1$/, nth: 1, kind: 'slowdown' });
    proxy.addFault({ method: 'GET', path: /\/a\/1$/, nth: 1, kind: 'internal-error' });
    try {
      const slow = await rejection(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/1' })));
      expect(slow.name).toBe('SlowDown');
      expect((slow as S3ServiceException).$metadata.httpStatusCode).toBe(503);
      const internal = await rejection(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/1' })));
      expect(internal.name).toBe('InternalError');
      expect((internal as S3ServiceException).$metadata.httpStatusCode).toBe(500);
      const fine = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/1' }));
      expect(await fine.Body!.transformToString()).toBe('a/1');
    } finally {
      proxy.clearFaults();
    }
  });

  it('cuts a response mid-body, which the caller sees as a catchable error', async () => {
    const client = s3TestClient({ endpoint: proxy.endpoint });
    const fault = proxy.addFault({
      method: 'GET',
      path: /\/big\.bin$/,
      nth: 1,
      kind: 'truncate',
      afterBytes: 1000,
    });
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
      expect(got.ContentLength).toBe(64 * 1024);
      const error = await rejection(got.Body!.transformToByteArray());
      expect(error.message).toMatch(/aborted|premature|socket hang up|ECONNRESET|terminated/i);
      expect(fault.fired).toBe(1);
      // The next read is whole again.
      const again = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
      expect((await again.Body!.transformToByteArray()).length).toBe(64 * 1024);
    } finally {
      proxy.clearFaults();
    }
  });

  it('delays a request past the client timeout, and resets a connection; the SDK retries both', async () => {
    const client = s3TestClient({
      endpoint: proxy.endpoint,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    const delay = proxy.addFault({ method: 'HEAD', path: /\/a\/2$/, nth: 1, kind: 'delay', delayMs: 2000 });
    const reset = proxy.addFault({ method: 'HEAD', path: /\/b\/1$/, nth: 1, kind: 'reset' });
    try {
      const slow = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a/2' }));
      expect(slow.$metadata.attempts).toBe(2);
      const dropped = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'b/1' }));
      expect(dropped.$metadata.attempts).toBe(2);
      expect([delay.fired, reset.fired]).toEqual([1, 1]);

      const once = s3TestClient({
        endpoint: proxy.endpoint,
        maxAttempts: 1,
        requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
      });
      proxy.addFault({ method: 'HEAD', path: /\/a\/2$/, nth: 1, kind: 'delay', delayMs: 2000 });
      const timedOut = await rejection(once.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a/2' })));
      expect(timedOut.name).toBe('TimeoutError');
    } finally {
      proxy.clearFaults();
    }
  });

  it('faults a seeded fraction of matching requests', async () => {
    proxy.requests.length = 0;
    const client = s3TestClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
    const fault = proxy.addFault({ method: 'HEAD', fraction: 0.5, kind: 'internal-error' });
    try {
      const results = [];
      for (let i = 0; i < 20; i++) {
        results.push(
          await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a/1' })).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      }
      expect(fault.matched).toBe(20);
      expect(results.filter((r) => r !== 'ok').length).toBe(fault.fired);
      expect(fault.fired).toBeGreaterThan(3);
      expect(fault.fired).toBeLessThan(17);
      expect(proxy.requests.filter((r) => r.fault === 'internal-error').length).toBe(fault.fired);
    } finally {
      proxy.clearFaults();
    }
  });
});

describe('scripts/ceph-rgw.sh', () => {
  const script = path.join(ROOT, 'scripts/ceph-rgw.sh');
  const tmp = path.join(ROOT, '.tmp');

  it('says how to install Ceph when its binaries are missing', () => {
    mkdirSync(tmp, { recursive: true });
    const dir = mkdtempSync(path.join(tmp, 'rgw-missing-'));
    try {
      const run = spawnSync('/bin/bash', [script, dir], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
      expect(run.status).toBe(3);
      expect(run.stderr).toContain('missing monmaptool ceph-mon ceph-osd ceph radosgw radosgw-admin');
      expect(run.stderr).toContain(
        'apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to wipe a directory it did not create', () => {
    mkdirSync(tmp, { recursive: true });
    const dir = mkdtempSync(path.join(tmp, 'rgw-foreign-'));
    writeFileSync(path.join(dir, 'precious.txt'), 'keep me');
    try {
      const run = spawnSync(script, [dir, '1'], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/not empty and was not created by this script|missing/);
      expect(readFileSync(path.join(dir, 'precious.txt'), 'utf8')).toBe('keep me');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
