import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadOrCreateSigningKey,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  type SigningKey,
  SigningKeyError,
  verifierFromPublicKeyPem,
} from '../../../functions/adapters/crypto/localSigning.js';
import {
  inputEntryForFile,
  MANIFEST_FILE,
  MANIFEST_PUBLIC_KEY_FILE,
  verifyReportDirectory,
  writeSignedManifest,
} from '../../../functions/adapters/fs/reportManifest.js';
import { ManifestError, type ManifestFields } from '../../../functions/core/report/manifest.js';
import { runCli } from '../../helpers/runCli.js';

let work: string;
let keyDir: string;
let key: SigningKey;

const FIELDS: Omit<ManifestFields, 'artifacts'> = {
  reportId: 'acme-202611-0123456789',
  tenant: { id: 'acme', name: 'Acme Corp' },
  period: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', label: '2026-11' },
  generatedAt: '2026-12-01T06:00:00.000Z',
  toolVersion: '0.1.0',
  catalogVersion: 'abcdef012345',
  rulesVersion: '543210fedcba',
  configHash: null,
  inputs: [],
};

/** A report folder as reportJob writes it, signed with `key`. */
async function signedFolder(name: string, signingKey = key): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(path.join(dir, 'extra-evidence'), { recursive: true });
  await writeFile(path.join(dir, 'report.html'), '<html><body>Acme evidence</body></html>');
  await writeFile(path.join(dir, 'report.pdf'), Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
  await writeFile(path.join(dir, 'analysis.json'), '{"schema":"trailproof/analysis@1"}\n');
  await writeFile(path.join(dir, 'evidence.ndjson'), '{"eventID":"e1"}\n{"eventID":"e2"}\n');
  await writeFile(path.join(dir, 'findings.csv'), 'id,severity\nTP-1,high\n');
  await writeFile(path.join(dir, 'extra-evidence', 'notes.txt'), 'nested artifact\n');
  await writeSignedManifest(dir, FIELDS, signingKey.signer);
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trailproof-manifest-'));
  keyDir = path.join(work, 'keys');
  key = await loadOrCreateSigningKey(undefined, { TRAILPROOF_SIGNING_KEY_DIR: keyDir });
});

describe('loadOrCreateSigningKey', () => {
  it('creates an Ed25519 key pair once, private key mode 0600, and reuses it', async () => {
    expect(key.created).toBe(true);
    expect(key.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(key.privateKeyFile).toBe(path.join(keyDir, PRIVATE_KEY_FILE));
    expect((await stat(key.privateKeyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(keyDir)).mode & 0o077).toBe(0);
    expect(await readFile(path.join(keyDir, PUBLIC_KEY_FILE), 'utf8')).toBe(key.publicKeyPem);
    const again = await loadOrCreateSigningKey(undefined, { TRAILPROOF_SIGNING_KEY_DIR: keyDir });
    expect(again.created).toBe(false);
    expect(again.keyId).toBe(key.keyId);
    expect(verifierFromPublicKeyPem(key.publicKeyPem).keyId).toBe(key.keyId);
  });

  it('uses TRAILPROOF_SIGNING_KEY as an explicit private key and never creates it', async () => {
    const explicit = await loadOrCreateSigningKey(undefined, { TRAILPROOF_SIGNING_KEY: key.privateKeyFile });
    expect(explicit.keyId).toBe(key.keyId);
    await expect(
      loadOrCreateSigningKey(undefined, { TRAILPROOF_SIGNING_KEY: path.join(work, 'absent.pem') }),
    ).rejects.toThrow(SigningKeyError);
  });

  it('keeps the private key out of the signer object and out of error messages', async () => {
    const privatePem = await readFile(key.privateKeyFile, 'utf8');
    expect(privatePem).toContain('PRIVATE KEY');
    expect(JSON.stringify(key)).not.toContain('PRIVATE KEY');
    const body = privatePem.split('\n')[1]!;
    expect(JSON.stringify(key)).not.toContain(body);
    expect(() => verifierFromPublicKeyPem(privatePem)).toThrow(/private key/);
    try {
      verifierFromPublicKeyPem(privatePem);
    } catch (error) {
      expect((error as Error).message).not.toContain(body);
    }
  });
});

describe('writeSignedManifest and verifyReportDirectory', () => {
  it('signs every file (recursively) and writes manifest.json and manifest.pub.pem', async () => {
    const dir = await signedFolder('plain');
    const written = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
    expect(Object.keys(written)).toEqual(['manifest', 'signature']);
    expect(written.manifest.artifacts.map((a: { name: string }) => a.name)).toEqual([
      'analysis.json',
      'evidence.ndjson',
      'extra-evidence/notes.txt',
      'findings.csv',
      'report.html',
      'report.pdf',
    ]);
    expect(written.signature.keyId).toBe(key.keyId);
    expect(await readFile(path.join(dir, MANIFEST_PUBLIC_KEY_FILE), 'utf8')).toBe(key.publicKeyPem);
    expect((await readdir(dir)).sort()).toEqual([
      'analysis.json',
      'evidence.ndjson',
      'extra-evidence',
      'findings.csv',
      MANIFEST_FILE,
      MANIFEST_PUBLIC_KEY_FILE,
      'report.html',
      'report.pdf',
    ]);
    const result = await verifyReportDirectory(dir);
    expect(result.ok).toBe(true);
    expect(result.key).toEqual({ source: 'embedded', keyId: key.keyId });
    const pinned = await verifyReportDirectory(dir, { publicKeyPem: key.publicKeyPem });
    expect(pinned.ok).toBe(true);
    expect(pinned.key).toEqual({ source: 'pinned', keyId: key.keyId });
  });

  it('re-signing an unchanged folder gives the same manifest', async () => {
    const dir = await signedFolder('twice');
    const first = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
    await writeSignedManifest(dir, FIELDS, key.signer);
    expect(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')).toBe(first);
  });

  it('hashes input files for the manifest', async () => {
    const file = path.join(work, 'input.json');
    await writeFile(file, '{"Records":[]}');
    expect(await inputEntryForFile(file, 'trail/input.json', 0)).toEqual({
      name: 'trail/input.json',
      bytes: 14,
      sha256: createHash('sha256').update('{"Records":[]}').digest('hex'),
      records: 0,
      digest: 'not-validated',
    });
  });

  it('detects changed, missing and extra files', async () => {
    const dir = await signedFolder('tampered');
    await writeFile(path.join(dir, 'findings.csv'), 'id,severity\nTP-1,low!\n');
    await rm(path.join(dir, 'report.pdf'));
    await writeFile(path.join(dir, 'extra-evidence', 'injected.txt'), 'x');
    const result = await verifyReportDirectory(dir);
    expect(result.ok).toBe(false);
    expect(result.signature.valid).toBe(true);
    expect(result.artifacts.filter((a) => a.status !== 'ok').map((a) => [a.name, a.status])).toEqual([
      ['findings.csv', 'changed'],
      ['report.pdf', 'missing'],
      ['extra-evidence/injected.txt', 'extra'],
    ]);
  });

  it('a symbolic link in place of an artifact is not followed', async () => {
    const dir = await signedFolder('linked');
    await rm(path.join(dir, 'report.html'));
    await cp(path.join(work, 'plain', 'report.html'), path.join(work, 'outside.html'));
    await symlink(path.join(work, 'outside.html'), path.join(dir, 'report.html'));
    const result = await verifyReportDirectory(dir);
    expect(result.ok).toBe(false);
    expect(result.artifacts.find((a) => a.name === 'report.html')?.status).toBe('missing');
    await expect(writeSignedManifest(dir, FIELDS, key.signer)).rejects.toThrow(/not a regular file/);
  });

  it('a folder re-signed with another key verifies on its own key but fails when the MSSP key is pinned', async () => {
    const otherDir = path.join(work, 'other-keys');
    const other = await loadOrCreateSigningKey(otherDir);
    expect(other.keyId).not.toBe(key.keyId);
    const dir = await signedFolder('resigned', other);
    const embedded = await verifyReportDirectory(dir);
    expect(embedded.ok).toBe(true);
    expect(embedded.key.keyId).toBe(other.keyId);
    const pinned = await verifyReportDirectory(dir, { publicKeyPem: key.publicKeyPem });
    expect(pinned.ok).toBe(false);
    expect(pinned.signature.valid).toBe(false);
    expect(pinned.key.problem).toBe(`signed by ${other.keyId}, not by the pinned key ${key.keyId}`);
  });

  it('an edited manifest.json or a swapped manifest.pub.pem fails', async () => {
    const dir = await signedFolder('edited');
    const file = path.join(dir, MANIFEST_FILE);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"Acme Corp"', '"Acme Corp (amended)"'));
    expect((await verifyReportDirectory(dir)).signature.valid).toBe(false);
    await writeFile(file, text);
    const other = await loadOrCreateSigningKey(path.join(work, 'other-keys'));
    await writeFile(path.join(dir, MANIFEST_PUBLIC_KEY_FILE), other.publicKeyPem);
    const swapped = await verifyReportDirectory(dir);
    expect(swapped.ok).toBe(false);
    expect(swapped.key.problem).toMatch(/manifest\.pub\.pem is key .* but the manifest names/);
  });

  it('throws ManifestError for a folder without a valid manifest', async () => {
    const dir = path.join(work, 'unsigned');
    await mkdir(dir);
    await expect(verifyReportDirectory(dir)).rejects.toThrow(ManifestError);
    await writeFile(path.join(dir, MANIFEST_FILE), '{"manifest": {}, "signature": {}}');
    await expect(verifyReportDirectory(dir)).rejects.toThrow(/not a trailproof\/manifest@1 file/);
  });
});

describe('trailproof verify', () => {
  it('exits 0 and prints one ok line per artifact for an intact folder', async () => {
    const dir = await signedFolder('cli-ok');
    const r = await runCli(['verify', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'Report acme-202611-0123456789 — Acme Corp (acme), period 2026-11, generated 2026-12-01T06:00:00.000Z',
    );
    expect(lines).toContain('ok       report.pdf');
    expect(lines).toContain('ok       extra-evidence/notes.txt');
    expect(lines.filter((l) => l.startsWith('ok '))).toHaveLength(6);
    expect(r.stdout).toContain(
      `Signature valid — key ${key.keyId} (manifest.pub.pem in the folder, ed25519)`,
    );
    expect(lines.at(-1)).toBe('Verified: all 6 artifacts match the signed manifest');

    const pinned = await runCli([
      'verify',
      dir,
      '--public-key',
      path.join(keyDir, PUBLIC_KEY_FILE),
      '--json',
    ]);
    expect(pinned.code).toBe(0);
    const json = JSON.parse(pinned.stdout);
    expect(json).toMatchObject({ ok: true, key: { source: 'pinned', keyId: key.keyId }, counts: { ok: 6 } });
  });

  it('exits 4 and prints CHANGED, MISSING and EXTRA lines for a tampered folder', async () => {
    const dir = await signedFolder('cli-tampered');
    await writeFile(path.join(dir, 'report.html'), '<html><body>Acme evidencf</body></html>');
    await rm(path.join(dir, 'findings.csv'));
    await writeFile(path.join(dir, 'report-corrected.pdf'), '%PDF');
    const r = await runCli(['verify', dir]);
    expect(r.code).toBe(4);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('CHANGED  report.html (sha256 differs: 39 bytes, manifest says 39)');
    expect(lines).toContain('MISSING  findings.csv (in the manifest, not in the folder)');
    expect(lines).toContain('EXTRA    report-corrected.pdf (in the folder, not in the manifest)');
    expect(lines).toContain('ok       analysis.json');
    expect(lines.at(-1)).toBe('FAILED: 1 changed, 1 missing, 1 extra (4 of 6 artifacts ok)');
  });

  it('exits 4 when the pinned key did not sign the folder', async () => {
    const dir = await signedFolder(
      'cli-resigned',
      await loadOrCreateSigningKey(path.join(work, 'other-keys')),
    );
    const r = await runCli(['verify', dir, '--public-key', path.join(keyDir, PUBLIC_KEY_FILE)]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^Signature INVALID — manifest names key ed25519:[0-9a-f]{16}, checked with /m);
    expect(r.stdout).toContain(`not by the pinned key ${key.keyId}`);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('FAILED: signature invalid (6 of 6 artifacts ok)');
  });

  it('exits 4 without a manifest, 2 for a malformed s3:// location and for a missing folder', async () => {
    const unsigned = path.join(work, 'cli-unsigned');
    await mkdir(unsigned);
    const none = await runCli(['verify', unsigned]);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/^error: .*manifest\.json does not exist: this folder was not signed/);

    // Verifying a real S3 prefix is tested against the S3-compatible server (test/adapters/s3/).
    const s3 = await runCli(['verify', 's3://Not_A_Bucket/reports/']);
    expect(s3.code).toBe(2);
    expect(s3.stderr).toContain('is not an S3 location; expected s3://bucket or s3://bucket/prefix');

    const missing = await runCli(['verify', path.join(work, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });
});
