/**
 * @module Ed25519 manifest signing with a local key file (PEM), on `node:crypto`, and verification
 * of manifest signatures by Ed25519, ECDSA P-256 (an AWS KMS `ECC_NIST_P256` key) and RSA-PSS
 * (a KMS `RSA_*` key) public keys.
 *
 * The private key lives only in its key file (mode 0600) and in a KeyObject held by the signer;
 * it is never printed, logged, returned or written anywhere else. The key id names the public key:
 * its type (`ed25519`, `ecdsa-p256`, `rsa-<bits>`) + `:` + the first 16 hex digits of the sha256
 * of its SPKI DER encoding.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  constants as cryptoConstants,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ManifestSigner, ManifestVerifier, SignatureAlgorithm } from '../../core/report/manifest.js';

const PRIVATE_KEY_FILE = 'signing-key.pem';
const PUBLIC_KEY_FILE = 'signing-key.pub.pem';

/** A signer that can also hand out its public key (written beside the manifest). */
interface LocalSigner extends ManifestSigner {
  readonly algorithm: 'ed25519';
  readonly publicKeyPem: string;
}

/** A verifier for one public key; it accepts only signatures of {@link algorithm} by {@link keyId}. */
interface LocalVerifier extends ManifestVerifier {
  readonly keyId: string;
  /** The one signature algorithm this key type verifies. */
  readonly algorithm: SignatureAlgorithm;
  readonly publicKeyPem: string;
}

interface SigningKey {
  readonly signer: LocalSigner;
  readonly keyId: string;
  readonly publicKeyPem: string;
  /** Where the private key is (the path only). */
  readonly privateKeyFile: string;
  /** True when this call generated the key pair. */
  readonly created: boolean;
}

/** A key file that cannot be read or used; the message names the file, never its content. */
class SigningKeyError extends Error {
  override name = 'SigningKeyError' as const;
}

/** RSA keys shorter than this are refused (KMS offers 2048, 3072 and 4096 bits). */
const MIN_RSA_BITS = 2048;
/** RSA-PSS as KMS `RSASSA_PSS_SHA_256` signs: MGF1 with SHA-256, salt as long as the digest. */
const PSS_SALT_LENGTH = 32;

/**
 * The signature algorithm a public key verifies, and the key-id prefix naming its type.
 *
 * @throws SigningKeyError for a key type or size a manifest cannot be signed with
 */
function keyTypeOf(publicKey: KeyObject): { algorithm: SignatureAlgorithm; prefix: string } {
  const type = publicKey.asymmetricKeyType;
  if (type === 'ed25519') return { algorithm: 'ed25519', prefix: 'ed25519' };
  if (type === 'ec') {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (curve !== 'prime256v1') {
      throw new SigningKeyError(`expected an EC key on P-256, got curve ${curve ?? 'unknown'}`);
    }
    return { algorithm: 'ecdsa-p256-sha256', prefix: 'ecdsa-p256' };
  }
  if (type === 'rsa') {
    const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw new SigningKeyError(`expected an RSA key of at least ${MIN_RSA_BITS} bits, got ${bits}`);
    }
    return { algorithm: 'rsa-pss-sha256', prefix: `rsa-${bits}` };
  }
  throw new SigningKeyError(`expected an Ed25519, ECDSA P-256 or RSA public key, got ${type ?? 'unknown'}`);
}

/**
 * The key id of a public key: `ed25519:`, `ecdsa-p256:` or `rsa-<bits>:` + the first 16 hex
 * digits of the sha256 of its SPKI DER encoding.
 *
 * @throws SigningKeyError for another key type
 */
function keyIdOf(publicKey: KeyObject): string {
  const { prefix } = keyTypeOf(publicKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `${prefix}:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

/** Checks one signature of `algorithm` (already matched to the key type) over `data`. */
function verifySignature(
  algorithm: SignatureAlgorithm,
  publicKey: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  switch (algorithm) {
    case 'ed25519':
      return verify(null, data, publicKey, signature);
    case 'ecdsa-p256-sha256':
      // DER-encoded (r, s), as KMS returns ECDSA signatures.
      return verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
    case 'rsa-pss-sha256':
      return verify(
        'sha256',
        data,
        { key: publicKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_LENGTH },
        signature,
      );
  }
}

function publicPemOf(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function signerFromPrivateKey(privateKey: KeyObject): LocalSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(
      `expected an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  const publicKeyPem = publicPemOf(publicKey);
  // The private KeyObject stays in this closure: not a property, so never serialized or logged.
  return Object.freeze({
    keyId,
    algorithm: 'ed25519' as const,
    publicKeyPem,
    sign: async (data: Uint8Array) => new Uint8Array(sign(null, data, privateKey)),
  });
}

function verifierFromPublicKey(publicKey: KeyObject): LocalVerifier {
  const { algorithm: keyAlgorithm } = keyTypeOf(publicKey);
  const keyId = keyIdOf(publicKey);
  return Object.freeze({
    keyId,
    algorithm: keyAlgorithm,
    publicKeyPem: publicPemOf(publicKey),
    verify: async (
      data: Uint8Array,
      signature: Uint8Array,
      signedBy: string,
      algorithm: SignatureAlgorithm,
    ) => {
      // A signature that claims another key or another algorithm than this key's type is invalid.
      if (signedBy !== keyId || algorithm !== keyAlgorithm) return false;
      try {
        return verifySignature(keyAlgorithm, publicKey, data, signature);
      } catch {
        return false;
      }
    },
  });
}

/**
 * A verifier for one public key (SPKI PEM): Ed25519 (`ed25519` signatures), EC P-256
 * (`ecdsa-p256-sha256`: ECDSA with SHA-256 over the data, DER signature) or RSA of 2048 bits or
 * more (`rsa-pss-sha256`: PSS with SHA-256, MGF1-SHA-256, 32-byte salt). It rejects signatures
 * that name another key or another algorithm than the key type's.
 *
 * @throws SigningKeyError for a private key, another key type or text that is not a public key
 */
function verifierFromPublicKeyPem(pem: string): LocalVerifier {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new SigningKeyError(
      'this is a private key; pass the public key (manifest.pub.pem or signing-key.pub.pem)',
    );
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new SigningKeyError('not a PEM public key');
  }
  return verifierFromPublicKey(publicKey);
}

/** A signer for an Ed25519 private key (PKCS#8 PEM); for tests and callers holding the PEM. */
function signerFromPrivateKeyPem(pem: string): LocalSigner {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new SigningKeyError('not a PEM private key');
  }
  return signerFromPrivateKey(privateKey);
}

/** The key directory: `TRAILPROOF_SIGNING_KEY_DIR`, else `~/.config/trailproof/keys`. */
function defaultKeyDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRAILPROOF_SIGNING_KEY_DIR || path.join(homedir(), '.config', 'trailproof', 'keys');
}

async function loadPrivateKeyFile(file: string): Promise<LocalSigner> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new SigningKeyError(
      `cannot read signing key ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return signerFromPrivateKeyPem(pem);
  } catch (error) {
    throw new SigningKeyError(`signing key ${file}: ${(error as Error).message}`);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/**
 * The signing key, in this order: the key directory `dir` when given; else the private key file
 * named by `TRAILPROOF_SIGNING_KEY` (never created); else the key directory from
 * {@link defaultKeyDirectory}. A key directory without a key gets a new Ed25519 key pair:
 * `signing-key.pem` (mode 0600, directory 0700) and `signing-key.pub.pem` (to hand to clients).
 *
 * @throws SigningKeyError when the key cannot be read, is not Ed25519, or cannot be created
 */
async function loadOrCreateSigningKey(
  dir?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SigningKey> {
  if (!dir && env.TRAILPROOF_SIGNING_KEY) {
    const file = path.resolve(env.TRAILPROOF_SIGNING_KEY);
    const signer = await loadPrivateKeyFile(file);
    return {
      signer,
      keyId: signer.keyId,
      publicKeyPem: signer.publicKeyPem,
      privateKeyFile: file,
      created: false,
    };
  }
  const keyDir = path.resolve(dir ?? defaultKeyDirectory(env));
  const privateFile = path.join(keyDir, PRIVATE_KEY_FILE);
  const publicFile = path.join(keyDir, PUBLIC_KEY_FILE);
  let created = false;
  try {
    await readFile(privateFile);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) {
      throw new SigningKeyError(
        `cannot read signing key ${privateFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    try {
      await mkdir(keyDir, { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
      // 'wx': two first runs at once must not overwrite each other's key; the loser reads the winner's.
      await writeFile(privateFile, pem, { flag: 'wx', mode: 0o600 });
      await chmod(privateFile, 0o600);
      created = true;
    } catch (createError) {
      if (!isErrno(createError, 'EEXIST')) {
        throw new SigningKeyError(
          `cannot create signing key in ${keyDir} (${(createError as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
  }
  const signer = await loadPrivateKeyFile(privateFile);
  let publicOnDisk: string | null = null;
  try {
    publicOnDisk = await readFile(publicFile, 'utf8');
  } catch {
    publicOnDisk = null;
  }
  if (publicOnDisk !== signer.publicKeyPem) {
    // Derived from the private key: (re)written so the key directory always holds the matching public key.
    await writeFile(publicFile, signer.publicKeyPem, { mode: 0o644 });
  }
  return {
    signer,
    keyId: signer.keyId,
    publicKeyPem: signer.publicKeyPem,
    privateKeyFile: privateFile,
    created,
  };
}

export type { LocalSigner, LocalVerifier, SigningKey };
export {
  defaultKeyDirectory,
  keyIdOf,
  keyTypeOf,
  loadOrCreateSigningKey,
  PRIVATE_KEY_FILE,
  PSS_SALT_LENGTH,
  PUBLIC_KEY_FILE,
  SigningKeyError,
  signerFromPrivateKeyPem,
  verifierFromPublicKey,
  verifierFromPublicKeyPem,
};
