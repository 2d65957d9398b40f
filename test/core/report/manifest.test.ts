import { createHash, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  canonicalManifestBytes,
  checkReport,
  type Manifest,
  ManifestError,
  type ManifestFields,
  type ManifestSigner,
  type ManifestVerifier,
  parseSignedManifest,
  type SignedManifest,
  signManifest,
} from '../../../functions/core/report/manifest.js';

interface TestKey {
  readonly signer: ManifestSigner;
  readonly verifier: ManifestVerifier;
}

function testKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = `ed25519:${createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16)}`;
  return {
    signer: { keyId, algorithm: 'ed25519', sign: async (data) => sign(null, data, privateKey) },
    verifier: verifierFor(keyId, publicKey),
  };
}

function verifierFor(keyId: string, publicKey: KeyObject): ManifestVerifier {
  return {
    verify: async (data, signature, signedBy, algorithm) =>
      signedBy === keyId && algorithm === 'ed25519' && verify(null, data, publicKey, signature),
  };
}

const encoder = new TextEncoder();
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function artifactFiles(): Map<string, Uint8Array> {
  return new Map([
    ['report.html', encoder.encode('<html>report</html>')],
    ['findings.csv', encoder.encode('id,severity\nTP-1,high\n')],
    ['analysis.json', encoder.encode('{"schema":"trailproof/analysis@1"}')],
    ['evidence/part-0001.ndjson', encoder.encode('{"eventID":"e1"}\n')],
  ]);
}

function fields(files: Map<string, Uint8Array>): ManifestFields {
  return {
    reportId: 'acme-202611-0123456789',
    tenant: { id: 'acme', name: 'Acme Corp' },
    period: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', label: '2026-11' },
    generatedAt: '2026-12-01T06:00:00.000Z',
    toolVersion: '0.1.0',
    catalogVersion: 'abcdef012345',
    rulesVersion: '543210fedcba',
    configHash: 'c'.repeat(64),
    artifacts: [...files].map(([name, data]) => ({ name, bytes: data.byteLength, sha256: sha(data) })),
    inputs: [
      { name: 'trail/b.json.gz', bytes: 20, sha256: 'b'.repeat(64), records: 7, digest: 'not-validated' },
      { name: 'trail/a.json.gz', bytes: 10, sha256: 'a'.repeat(64), records: 3, digest: 'not-validated' },
    ],
  };
}

function reader(files: Map<string, Uint8Array>) {
  return async (name: string) => files.get(name);
}

async function signedReport(key: TestKey, files = artifactFiles()): Promise<SignedManifest> {
  return signManifest(buildManifest(fields(files)), key.signer);
}

describe('buildManifest', () => {
  it('sorts artifacts and inputs by name and totals the inputs', () => {
    const manifest = buildManifest(fields(artifactFiles()));
    expect(manifest.schema).toBe('trailproof/manifest@1');
    expect(manifest.artifacts.map((a) => a.name)).toEqual([
      'analysis.json',
      'evidence/part-0001.ndjson',
      'findings.csv',
      'report.html',
    ]);
    expect(manifest.inputs.map((i) => i.name)).toEqual(['trail/a.json.gz', 'trail/b.json.gz']);
    expect(manifest.inputTotals).toEqual({
      files: 2,
      bytes: 30,
      records: 10,
      byDigest: { verified: 0, 'not-covered': 0, failed: 0, 'not-validated': 2 },
    });
  });

  it('rejects names that could leave the report directory, duplicates and bad hashes', () => {
    const base = fields(artifactFiles());
    const entry = { bytes: 1, sha256: 'd'.repeat(64) };
    for (const name of ['../escape', '/etc/passwd', 'a/../b', 'a\\b', 'a//b', '', 'bad\nname']) {
      expect(() => buildManifest({ ...base, artifacts: [{ name, ...entry }] })).toThrow(ManifestError);
    }
    expect(() =>
      buildManifest({
        ...base,
        artifacts: [
          { name: 'x', ...entry },
          { name: 'x', ...entry },
        ],
      }),
    ).toThrow(/listed twice/);
    expect(() => buildManifest({ ...base, artifacts: [{ name: 'x', bytes: 1, sha256: 'ABC' }] })).toThrow(
      /sha256/,
    );
  });
});

describe('canonicalManifestBytes', () => {
  it('is the same for any key order, and has no whitespace outside strings', () => {
    const manifest = buildManifest(fields(artifactFiles()));
    const reordered = Object.fromEntries(
      Object.entries(manifest)
        .reverse()
        .map(([k, v]) => [
          k,
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ]),
    ) as unknown as Manifest;
    expect(Object.keys(reordered)[0]).not.toBe(Object.keys(manifest)[0]);
    const a = Buffer.from(canonicalManifestBytes(manifest)).toString('utf8');
    const b = Buffer.from(canonicalManifestBytes(reordered)).toString('utf8');
    expect(b).toBe(a);
    expect(a.startsWith('{"artifacts":[{"bytes":')).toBe(true);
    expect(a).not.toMatch(/[:,]\s/);
    // A JSON round trip (what a verifier reads back from manifest.json) gives the same bytes.
    expect(
      Buffer.from(canonicalManifestBytes(JSON.parse(JSON.stringify(manifest, null, 2)))).toString(),
    ).toBe(a);
  });

  it('encodes non-ASCII text as UTF-8', () => {
    const manifest = buildManifest({
      ...fields(artifactFiles()),
      tenant: { id: 'x', name: 'Müller · 東京' },
    });
    const text = Buffer.from(canonicalManifestBytes(manifest)).toString('utf8');
    expect(text).toContain('"name":"Müller · 東京"');
  });
});

describe('signManifest and checkReport', () => {
  it('round-trips: every artifact ok and the signature valid', async () => {
    const key = testKey();
    const files = artifactFiles();
    const signed = await signedReport(key, files);
    expect(signed.signature.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(signed.signature.algorithm).toBe('ed25519');
    expect(Buffer.from(signed.signature.value, 'base64')).toHaveLength(64);
    const result = await checkReport({
      signed: parseSignedManifest(JSON.parse(JSON.stringify(signed))),
      files: reader(files),
      verifier: key.verifier,
      present: [...files.keys()],
    });
    expect(result.ok).toBe(true);
    expect(result.signature).toEqual({ valid: true, keyId: signed.signature.keyId, algorithm: 'ed25519' });
    expect(result.artifacts.every((a) => a.status === 'ok')).toBe(true);
    expect(result.counts).toEqual({ ok: 4, changed: 0, missing: 0, extra: 0 });
  });

  it('accepts a precomputed digest from a streaming reader', async () => {
    const key = testKey();
    const files = artifactFiles();
    const signed = await signedReport(key, files);
    const result = await checkReport({
      signed,
      verifier: key.verifier,
      files: async (name) => {
        const data = files.get(name);
        return data && { bytes: data.byteLength, sha256: sha(data) };
      },
    });
    expect(result.ok).toBe(true);
  });

  it('reports one changed byte in an artifact as changed', async () => {
    const key = testKey();
    const files = artifactFiles();
    const signed = await signedReport(key, files);
    const html = Uint8Array.from(files.get('report.html')!);
    html[5] = (html[5]! + 1) % 256;
    files.set('report.html', html);
    const result = await checkReport({ signed, files: reader(files), verifier: key.verifier });
    expect(result.ok).toBe(false);
    expect(result.signature.valid).toBe(true);
    const check = result.artifacts.find((a) => a.name === 'report.html')!;
    expect(check.status).toBe('changed');
    expect(check.actual?.bytes).toBe(check.expected?.bytes);
    expect(check.actual?.sha256).not.toBe(check.expected?.sha256);
    expect(result.counts).toMatchObject({ ok: 3, changed: 1 });
  });

  it('reports a deleted artifact as missing and an added file as extra', async () => {
    const key = testKey();
    const files = artifactFiles();
    const signed = await signedReport(key, files);
    files.delete('findings.csv');
    files.set('notes.txt', encoder.encode('added later'));
    const result = await checkReport({
      signed,
      files: reader(files),
      verifier: key.verifier,
      present: [...files.keys()],
    });
    expect(result.ok).toBe(false);
    expect(result.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['analysis.json', 'ok'],
      ['evidence/part-0001.ndjson', 'ok'],
      ['findings.csv', 'missing'],
      ['report.html', 'ok'],
      ['notes.txt', 'extra'],
    ]);
    expect(result.counts).toEqual({ ok: 3, changed: 0, missing: 1, extra: 1 });
  });

  it('an added file alone fails verification', async () => {
    const key = testKey();
    const files = artifactFiles();
    const signed = await signedReport(key, files);
    files.set('report-corrected.pdf', encoder.encode('%PDF'));
    const result = await checkReport({
      signed,
      files: reader(files),
      verifier: key.verifier,
      present: [...files.keys()],
    });
    expect(result.signature.valid).toBe(true);
    expect(result.ok).toBe(false);
  });

  it('a modified manifest field invalidates the signature', async () => {
    const key = testKey();
    const files = artifactFiles();
    const signed = await signedReport(key, files);
    const edits: ((m: Record<string, unknown>) => void)[] = [
      (m) => {
        m.tenant = { id: 'acme', name: 'Someone Else' };
      },
      (m) => {
        m.generatedAt = '2026-12-02T06:00:00.000Z';
      },
      (m) => {
        m.extraField = 'not signed';
      },
    ];
    for (const edit of edits) {
      const copy = JSON.parse(JSON.stringify(signed)) as { manifest: Record<string, unknown> };
      edit(copy.manifest);
      const result = await checkReport({
        signed: parseSignedManifest(copy),
        files: reader(files),
        verifier: key.verifier,
      });
      expect(result.signature.valid).toBe(false);
      expect(result.ok).toBe(false);
      expect(result.counts.ok).toBe(4);
    }
  });

  it('an artifact swapped together with its manifest entry breaks the signature', async () => {
    const key = testKey();
    const files = artifactFiles();
    const signed = await signedReport(key, files);
    const forged = encoder.encode('id,severity\n');
    files.set('findings.csv', forged);
    const copy = JSON.parse(JSON.stringify(signed)) as SignedManifest;
    const entry = copy.manifest.artifacts.find((a) => a.name === 'findings.csv') as {
      bytes: number;
      sha256: string;
    };
    entry.bytes = forged.byteLength;
    entry.sha256 = sha(forged);
    const result = await checkReport({ signed: copy, files: reader(files), verifier: key.verifier });
    expect(result.counts.ok).toBe(4);
    expect(result.signature.valid).toBe(false);
    expect(result.ok).toBe(false);
  });

  it('re-signed with another key: valid for that key, but the key id differs and pinned verification fails', async () => {
    const mssp = testKey();
    const attacker = testKey();
    const files = artifactFiles();
    const original = await signedReport(mssp, files);
    files.set('findings.csv', encoder.encode('id,severity\n'));
    const resigned = await signedReport(attacker, files);

    const withAttackerKey = await checkReport({
      signed: resigned,
      files: reader(files),
      verifier: attacker.verifier,
    });
    expect(withAttackerKey.ok).toBe(true);
    expect(withAttackerKey.signature.keyId).not.toBe(original.signature.keyId);

    const pinned = await checkReport({ signed: resigned, files: reader(files), verifier: mssp.verifier });
    expect(pinned.signature.valid).toBe(false);
    expect(pinned.ok).toBe(false);

    // Claiming the MSSP key id does not help: the signature does not verify under the MSSP key.
    const claimed: SignedManifest = {
      ...resigned,
      signature: { ...resigned.signature, keyId: original.signature.keyId },
    };
    const pinnedClaimed = await checkReport({
      signed: claimed,
      files: reader(files),
      verifier: mssp.verifier,
    });
    expect(pinnedClaimed.signature.valid).toBe(false);
  });
});

describe('parseSignedManifest', () => {
  it('rejects fields beside the signed manifest, unsafe names and a wrong schema', async () => {
    const signed = JSON.parse(JSON.stringify(await signedReport(testKey()))) as Record<string, unknown>;
    expect(() => parseSignedManifest({ ...signed, note: 'unsigned' })).toThrow(/unknown key/);
    const manifest = signed.manifest as Record<string, unknown>;
    expect(() =>
      parseSignedManifest({
        ...signed,
        manifest: { ...manifest, artifacts: [{ name: '../x', bytes: 1, sha256: 'a'.repeat(64) }] },
      }),
    ).toThrow(ManifestError);
    expect(() => parseSignedManifest({ ...signed, manifest: { ...manifest, schema: 'other@1' } })).toThrow(
      ManifestError,
    );
    expect(() => parseSignedManifest('not an object')).toThrow(ManifestError);
  });
});
