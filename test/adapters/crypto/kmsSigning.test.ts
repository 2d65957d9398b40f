import {
  constants,
  createECDH,
  createHash,
  generateKeyPairSync,
  type KeyObject,
  privateEncrypt,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  KMSClient,
  NotFoundException,
  SignCommand,
  type SignCommandInput,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKmsSigner } from '../../../functions/adapters/crypto/kmsSigning.js';
import {
  keyIdOf,
  loadOrCreateSigningKey,
  SigningKeyError,
  verifierFromPublicKeyPem,
} from '../../../functions/adapters/crypto/localSigning.js';
import {
  MANIFEST_FILE,
  MANIFEST_PUBLIC_KEY_FILE,
  verifyReportDirectory,
  writeSignedManifest,
} from '../../../functions/adapters/fs/reportManifest.js';
import {
  buildManifest,
  canonicalManifestBytes,
  type ManifestFields,
  signManifest,
} from '../../../functions/core/report/manifest.js';
import { loadPipelineData } from '../../../functions/jobs/loadPipelineData.js';
import { reportJob } from '../../../functions/jobs/reportJob.js';
import { STRATUS_DIR } from '../../helpers/corpus.js';
import { runCli } from '../../helpers/runCli.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const ALIAS = 'alias/trailproof-reports';

const FIELDS: ManifestFields = {
  reportId: 'acme-202611-0123456789',
  tenant: { id: 'acme', name: 'Acme Corp' },
  period: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', label: '2026-11' },
  generatedAt: '2026-12-01T06:00:00.000Z',
  toolVersion: '0.1.0',
  catalogVersion: 'abcdef012345',
  rulesVersion: '543210fedcba',
  configHash: null,
  artifacts: [{ name: 'report.html', bytes: 3, sha256: 'a'.repeat(64) }],
  inputs: [],
};

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();
const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/** DER INTEGER of a positive value: minimal big-endian bytes, a 0x00 first when the top bit is set. */
function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** The order of the P-256 base point. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * ECDSA P-256 over a digest the caller already computed, as KMS `Sign` with `MessageType: DIGEST`
 * does. `crypto.sign` cannot do this (it hashes whatever it is given, see the first test), so the
 * scalar arithmetic is done here, with ECDH computing the point k·G.
 */
function ecdsaSignDigest(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const d = toBigInt(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  const e = toBigInt(digest); // 256 bits: the digest is as long as the order, no truncation
  for (;;) {
    const k = toBigInt(randomBytes(32));
    if (k === 0n || k >= P256_N) continue;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(toBytes(k, 32));
    const r = toBigInt(ecdh.getPublicKey().subarray(1, 33)) % P256_N; // x of k·G
    if (r === 0n) continue;
    const s = (modPow(k, P256_N - 2n, P256_N) * ((e + r * d) % P256_N)) % P256_N;
    if (s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}

function mgf1Sha256(seed: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(sha256(Buffer.concat([seed, c])));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RSASSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt) over a digest: EMSA-PSS encoding, then the raw RSA private operation. */
function rsaPssSignDigest(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const modBits = privateKey.asymmetricKeyDetails!.modulusLength!;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(32);
  const h = sha256(Buffer.concat([Buffer.alloc(8), digest, salt]));
  const db = Buffer.concat([Buffer.alloc(emLen - 32 - 32 - 2), Buffer.from([1]), salt]);
  const mask = mgf1Sha256(h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  const k = Math.ceil(modBits / 8);
  const padded = Buffer.concat([Buffer.alloc(k - em.length), em]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, padded);
}

interface FakeKmsKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly response: Partial<GetPublicKeyCommandOutput>;
}

function eccKey(): FakeKmsKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    response: {
      KeyId: KEY_ARN,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    },
  };
}

function rsaKey(): FakeKmsKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    response: {
      KeyId: KEY_ARN,
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_256'],
      PublicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    },
  };
}

const kms = mockClient(KMSClient);
const client = new KMSClient({ region: 'eu-west-1' });

/** A KMS holding `key`: GetPublicKey and Sign behave as the service does for the supported algorithms. */
function serve(key: FakeKmsKey): void {
  kms.reset();
  kms.on(GetPublicKeyCommand).callsFake(({ KeyId }) => {
    if (KeyId !== ALIAS && KeyId !== KEY_ARN)
      throw new NotFoundException({ message: `Key '${KeyId}' does not exist`, $metadata: {} });
    return { ...key.response };
  });
  kms.on(SignCommand).callsFake((input: SignCommandInput) => {
    if (input.KeyId !== ALIAS && input.KeyId !== KEY_ARN)
      throw new NotFoundException({ message: `Key '${input.KeyId}' does not exist`, $metadata: {} });
    const message = input.Message!;
    const digest = input.MessageType === 'DIGEST' ? message : sha256(message);
    if (digest.byteLength !== 32) throw new Error('ValidationException: digest length is not 32');
    let signature: Buffer;
    if (input.SigningAlgorithm === 'ECDSA_SHA_256' && key.response.KeySpec === 'ECC_NIST_P256')
      signature = ecdsaSignDigest(key.privateKey, digest);
    else if (input.SigningAlgorithm === 'RSASSA_PSS_SHA_256' && key.response.KeySpec?.startsWith('RSA_'))
      signature = rsaPssSignDigest(key.privateKey, digest);
    else throw new Error(`KMSInvalidSigningAlgorithm: ${input.SigningAlgorithm}`);
    return { KeyId: KEY_ARN, Signature: new Uint8Array(signature), SigningAlgorithm: input.SigningAlgorithm };
  });
}

function signInputs(): SignCommandInput[] {
  return kms.commandCalls(SignCommand).map((call) => call.args[0].input);
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trailproof-kms-'));
});

afterEach(() => {
  kms.reset();
});

describe('test helpers: signing a prehashed digest', () => {
  it('crypto.sign hashes its input again, the helpers do not', () => {
    const { privateKey, publicKey } = eccKey();
    const message = Buffer.from('manifest bytes');
    const digest = sha256(message);
    const doubleHashed = sign(null, digest, { key: privateKey, dsaEncoding: 'der' });
    expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, doubleHashed)).toBe(false);
    expect(
      verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, ecdsaSignDigest(privateKey, digest)),
    ).toBe(true);
    const rsa = rsaKey();
    const pss = { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    expect(verify('sha256', message, pss, rsaPssSignDigest(rsa.privateKey, digest))).toBe(true);
    expect(verify('sha256', Buffer.from('other bytes'), pss, rsaPssSignDigest(rsa.privateKey, digest))).toBe(
      false,
    );
  });
});

describe('createKmsSigner with an ECC_NIST_P256 key', () => {
  it('names the public key like the local signer does and keeps the KMS key ARN', async () => {
    const key = eccKey();
    serve(key);
    const signer = await createKmsSigner(client, ALIAS);
    expect(signer.algorithm).toBe('ecdsa-p256-sha256');
    expect(signer.keyId).toBe(
      `ecdsa-p256:${sha256(key.publicKey.export({ type: 'spki', format: 'der' }))
        .toString('hex')
        .slice(0, 16)}`,
    );
    expect(signer.keyId).toBe(keyIdOf(key.publicKey));
    expect(signer.kmsKeyArn).toBe(KEY_ARN);
    expect(signer.publicKeyPem).toBe(key.publicKey.export({ type: 'spki', format: 'pem' }));
    expect(verifierFromPublicKeyPem(signer.publicKeyPem).keyId).toBe(signer.keyId);
    expect(kms.commandCalls(GetPublicKeyCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: ALIAS }]);
  });

  it('sends the SHA-256 of the canonical manifest bytes as a DIGEST, and the signature verifies', async () => {
    serve(eccKey());
    const signer = await createKmsSigner(client, ALIAS);
    const manifest = buildManifest(FIELDS);
    const signed = await signManifest(manifest, signer);
    const inputs = signInputs();
    expect(inputs).toHaveLength(1);
    const { Message, ...rest } = inputs[0]!;
    expect(rest).toStrictEqual({ KeyId: KEY_ARN, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(Message!).toString('hex')).toBe(
      sha256(canonicalManifestBytes(manifest)).toString('hex'),
    );
    expect(signed.signature.keyId).toBe(signer.keyId);
    expect(signed.signature.algorithm).toBe('ecdsa-p256-sha256');

    const verifier = verifierFromPublicKeyPem(signer.publicKeyPem);
    const bytes = canonicalManifestBytes(manifest);
    const value = Buffer.from(signed.signature.value, 'base64');
    expect(value[0]).toBe(0x30); // DER, as KMS returns it
    expect(await verifier.verify(bytes, value, signer.keyId, 'ecdsa-p256-sha256')).toBe(true);
    const changed = Buffer.from(bytes);
    changed[changed.length - 2]! ^= 1;
    expect(await verifier.verify(changed, value, signer.keyId, 'ecdsa-p256-sha256')).toBe(false);
    // The same key and signature, claimed as another algorithm, are rejected.
    expect(await verifier.verify(bytes, value, signer.keyId, 'ed25519')).toBe(false);
    expect(await verifier.verify(bytes, value, signer.keyId, 'rsa-pss-sha256')).toBe(false);
    // A signature claimed by another key id is rejected.
    expect(await verifier.verify(bytes, value, 'ecdsa-p256:0000000000000000', 'ecdsa-p256-sha256')).toBe(
      false,
    );
  });

  it('reads the public key once for many signatures', async () => {
    serve(eccKey());
    const signer = await createKmsSigner(client, ALIAS);
    for (let i = 0; i < 5; i++) await signer.sign(new TextEncoder().encode(`manifest ${i}`));
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(SignCommand)).toHaveLength(5);
  });

  it('signs a report through reportJob that trailproof verify accepts, and detects a changed byte', async () => {
    serve(eccKey());
    const signer = await createKmsSigner(client, ALIAS);
    const outDir = path.join(work, 'report');
    const result = await reportJob({
      inputs: [STRATUS_DIR],
      outDir,
      data: await loadPipelineData(),
      formats: ['json', 'csv', 'ocsf'],
      generatedAt: new Date('2026-12-01T06:00:00Z'),
      signer,
    });
    expect(result.signingKeyId).toBe(signer.keyId);
    expect(await readFile(path.join(outDir, MANIFEST_PUBLIC_KEY_FILE), 'utf8')).toBe(signer.publicKeyPem);

    const manifestText = await readFile(path.join(outDir, MANIFEST_FILE), 'utf8');
    const signed = JSON.parse(manifestText);
    expect(signed.signature).toMatchObject({ keyId: signer.keyId, algorithm: 'ecdsa-p256-sha256' });
    const inputs = signInputs();
    expect(inputs).toHaveLength(1);
    expect(Buffer.from(inputs[0]!.Message!).toString('hex')).toBe(
      sha256(canonicalManifestBytes(signed.manifest)).toString('hex'),
    );

    const verified = await verifyReportDirectory(outDir);
    expect(verified.ok).toBe(true);
    expect(verified.signature).toEqual({ valid: true, keyId: signer.keyId, algorithm: 'ecdsa-p256-sha256' });
    expect(verified.key).toEqual({ source: 'embedded', keyId: signer.keyId });
    expect(verified.counts).toMatchObject({ changed: 0, missing: 0, extra: 0 });
    expect(verified.counts.ok).toBeGreaterThanOrEqual(4);
    expect((await verifyReportDirectory(outDir, { publicKeyPem: signer.publicKeyPem })).ok).toBe(true);

    const cli = await runCli(['verify', outDir]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(
      `Signature valid — key ${signer.keyId} (manifest.pub.pem in the folder, ecdsa-p256-sha256)`,
    );

    // One changed byte in an artifact.
    const csvFile = path.join(outDir, 'findings.csv');
    const csv = await readFile(csvFile);
    const tampered = Buffer.from(csv);
    tampered[0]! ^= 1;
    await writeFile(csvFile, tampered);
    const changedArtifact = await verifyReportDirectory(outDir);
    expect(changedArtifact.ok).toBe(false);
    expect(changedArtifact.signature.valid).toBe(true);
    expect(changedArtifact.artifacts.find((a) => a.name === 'findings.csv')?.status).toBe('changed');
    await writeFile(csvFile, csv);
    expect((await verifyReportDirectory(outDir)).ok).toBe(true);

    // One changed byte in the signed manifest.
    const manifestFile = path.join(outDir, MANIFEST_FILE);
    await writeFile(manifestFile, manifestText.replace('"rulesVersion": "', '"rulesVersion": "0'));
    const changedManifest = await verifyReportDirectory(outDir);
    expect(changedManifest.ok).toBe(false);
    expect(changedManifest.signature.valid).toBe(false);

    // The right signature, claimed as ed25519 against this EC key.
    await writeFile(
      manifestFile,
      `${JSON.stringify({ ...signed, signature: { ...signed.signature, algorithm: 'ed25519' } }, null, 2)}\n`,
    );
    const claimedEd25519 = await verifyReportDirectory(outDir);
    expect(claimedEd25519.ok).toBe(false);
    expect(claimedEd25519.signature).toEqual({ valid: false, keyId: signer.keyId, algorithm: 'ed25519' });
    const cliClaimed = await runCli(['verify', outDir]);
    expect(cliClaimed.code).toBe(4);
    expect(cliClaimed.stdout).toMatch(/^Signature INVALID/m);

    await writeFile(manifestFile, manifestText);
    expect((await verifyReportDirectory(outDir)).ok).toBe(true);
  });

  it('an Ed25519 key does not verify an ECDSA signature, whatever the manifest claims', async () => {
    serve(eccKey());
    const signer = await createKmsSigner(client, ALIAS);
    const local = await loadOrCreateSigningKey(path.join(work, 'local-keys'));
    const dir = path.join(work, 'swapped-key');
    await mkdir(dir);
    await writeFile(path.join(dir, 'report.html'), '<html></html>');
    const { artifacts: _, ...fields } = FIELDS;
    const written = await writeSignedManifest(dir, fields, signer);
    await writeFile(path.join(dir, MANIFEST_PUBLIC_KEY_FILE), local.publicKeyPem);
    for (const algorithm of ['ecdsa-p256-sha256', 'ed25519']) {
      const relabelled = {
        ...written.signed,
        signature: { ...written.signed.signature, keyId: local.keyId, algorithm },
      };
      await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(relabelled));
      const result = await verifyReportDirectory(dir);
      expect(result.key).toEqual({ source: 'embedded', keyId: local.keyId });
      expect(result.signature.valid).toBe(false);
      expect((await verifyReportDirectory(dir, { publicKeyPem: local.publicKeyPem })).signature.valid).toBe(
        false,
      );
    }
  });
});

describe('createKmsSigner refuses keys it cannot sign with', () => {
  async function refusal(response: Partial<GetPublicKeyCommandOutput>): Promise<SigningKeyError> {
    kms.reset();
    kms.on(GetPublicKeyCommand).resolves(response);
    const error = await createKmsSigner(client, ALIAS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect(kms.commandCalls(SignCommand)).toHaveLength(0);
    return error as SigningKeyError;
  }

  it('a symmetric ENCRYPT_DECRYPT key', async () => {
    const error = await refusal({
      KeyId: KEY_ARN,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
    });
    expect(error.message).toBe(
      `KMS key ${ALIAS} (${KEY_ARN}) has key usage ENCRYPT_DECRYPT; signing manifests needs an asymmetric SIGN_VERIFY key (key spec ECC_NIST_P256 or RSA_2048/3072/4096)`,
    );
  });

  it('a SIGN_VERIFY key of another spec, and one without the signing algorithm', async () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
    const secp = await refusal({
      KeyId: KEY_ARN,
      KeySpec: 'ECC_SECG_P256K1',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: new Uint8Array(k1.export({ type: 'spki', format: 'der' })),
    });
    expect(secp.message).toMatch(
      /^KMS key alias\/trailproof-reports \(arn:aws:kms:.*\) has key spec ECC_SECG_P256K1;/,
    );
    expect(secp.message).toContain('ECC_NIST_P256, RSA_2048, RSA_3072, RSA_4096');

    const noPss = await refusal({ ...rsaKey().response, SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'] });
    expect(noPss.message).toMatch(
      /\(RSA_2048\) does not offer RSASSA_PSS_SHA_256; it offers RSASSA_PKCS1_V1_5_SHA_256$/,
    );
  });

  it('a spec that does not match the public key', async () => {
    const error = await refusal({
      ...eccKey().response,
      KeySpec: 'RSA_2048',
      SigningAlgorithms: ['RSASSA_PSS_SHA_256'],
    });
    expect(error.message).toContain('its public key does not match key spec RSA_2048');
  });

  it('a key that does not exist, named in the error', async () => {
    serve(eccKey());
    const error = await createKmsSigner(client, 'alias/missing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as Error).message).toBe(
      "KMS key alias/missing: cannot read its public key (NotFoundException: Key 'alias/missing' does not exist)",
    );
  });

  it('a signature KMS returns that does not verify with the public key', async () => {
    const key = eccKey();
    serve(key);
    const signer = await createKmsSigner(client, ALIAS);
    kms.on(SignCommand).resolves({
      KeyId: KEY_ARN,
      Signature: new Uint8Array(sign('sha256', Buffer.from('x'), eccKey().privateKey)),
    });
    await expect(signer.sign(new Uint8Array([1, 2, 3]))).rejects.toThrow(
      /does not verify with its public key/,
    );
  });
});

describe('createKmsSigner with an RSA_2048 key (RSASSA_PSS_SHA_256)', () => {
  it('signs a manifest that verifies as rsa-pss-sha256 with manifest.pub.pem', async () => {
    const key = rsaKey();
    serve(key);
    const signer = await createKmsSigner(client, ALIAS);
    expect(signer.algorithm).toBe('rsa-pss-sha256');
    expect(signer.kmsSigningAlgorithm).toBe('RSASSA_PSS_SHA_256');
    expect(signer.keyId).toMatch(/^rsa-2048:[0-9a-f]{16}$/);
    expect(signer.keyId).toBe(keyIdOf(key.publicKey));

    const dir = path.join(work, 'rsa-report');
    await mkdir(dir);
    await writeFile(path.join(dir, 'report.html'), '<html><body>RSA</body></html>');
    const { artifacts: _, ...fields } = FIELDS;
    const written = await writeSignedManifest(dir, fields, signer);
    const { Message, ...rest } = signInputs()[0]!;
    expect(rest).toStrictEqual({
      KeyId: KEY_ARN,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PSS_SHA_256',
    });
    expect(Buffer.from(Message!).toString('hex')).toBe(
      sha256(canonicalManifestBytes(written.signed.manifest)).toString('hex'),
    );

    const verified = await verifyReportDirectory(dir);
    expect(verified.ok).toBe(true);
    expect(verified.signature).toEqual({ valid: true, keyId: signer.keyId, algorithm: 'rsa-pss-sha256' });

    const manifestFile = path.join(dir, MANIFEST_FILE);
    const text = await readFile(manifestFile, 'utf8');
    await writeFile(manifestFile, text.replace('"Acme Corp"', '"Acme Corq"'));
    expect((await verifyReportDirectory(dir)).signature.valid).toBe(false);
    await writeFile(manifestFile, text.replace('"rsa-pss-sha256"', '"ecdsa-p256-sha256"'));
    expect((await verifyReportDirectory(dir)).signature.valid).toBe(false);
    await writeFile(manifestFile, text);
    expect((await verifyReportDirectory(dir)).ok).toBe(true);
  });
});
