/**
 * @module Manifest signing with an AWS KMS asymmetric key (`SIGN_VERIFY`): the private key never
 * leaves KMS.
 *
 * Key specs: `ECC_NIST_P256` signs `ecdsa-p256-sha256` (KMS `ECDSA_SHA_256`); `RSA_2048`,
 * `RSA_3072` and `RSA_4096` sign `rsa-pss-sha256` (KMS `RSASSA_PSS_SHA_256`). The public key is
 * fetched once, when the signer is created; each signature is one `Sign` call with `MessageType`
 * `DIGEST` over the SHA-256 of the bytes (a `RAW` message is limited to 4096 bytes, a manifest is
 * not). The signature is the same as KMS would give for the `RAW` bytes, so a verifier checks it
 * over the canonical manifest bytes with the public key alone.
 *
 * The key id recorded in the manifest names the public key exactly as the local signer does
 * (`ecdsa-p256:` or `rsa-<bits>:` + 16 hex digits of the sha256 of the SPKI DER), so
 * `trailproof verify` matches it with `manifest.pub.pem`. The KMS key ARN is kept for logs.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  type KeySpec,
  type KMSClient,
  SignCommand,
  type SignCommandOutput,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import type { ManifestSigner, SignatureAlgorithm } from '../../core/report/manifest.js';
import { keyIdOf, keyTypeOf, SigningKeyError, verifierFromPublicKey } from './localSigning.js';

type KmsSignatureAlgorithm = Extract<SignatureAlgorithm, 'ecdsa-p256-sha256' | 'rsa-pss-sha256'>;

/** A manifest signer backed by a KMS key; same shape as the local signer, plus the KMS key's names. */
interface KmsSigner extends ManifestSigner {
  readonly algorithm: KmsSignatureAlgorithm;
  /** SPKI PEM of the KMS key's public key (written beside the manifest as `manifest.pub.pem`). */
  readonly publicKeyPem: string;
  /** The KMS key's ARN as GetPublicKey reported it (every Sign call names it): for logs, not the manifest. */
  readonly kmsKeyArn: string;
  readonly kmsKeySpec: KeySpec;
  readonly kmsSigningAlgorithm: SigningAlgorithmSpec;
}

/** The KMS key specs a manifest can be signed with, and how. */
const KMS_KEY_SPECS: Readonly<
  Partial<Record<KeySpec, { algorithm: KmsSignatureAlgorithm; signingAlgorithm: SigningAlgorithmSpec }>>
> = {
  ECC_NIST_P256: { algorithm: 'ecdsa-p256-sha256', signingAlgorithm: 'ECDSA_SHA_256' },
  RSA_2048: { algorithm: 'rsa-pss-sha256', signingAlgorithm: 'RSASSA_PSS_SHA_256' },
  RSA_3072: { algorithm: 'rsa-pss-sha256', signingAlgorithm: 'RSASSA_PSS_SHA_256' },
  RSA_4096: { algorithm: 'rsa-pss-sha256', signingAlgorithm: 'RSASSA_PSS_SHA_256' },
};

function describeAwsError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Reads the public key of KMS key `keyId` (key id, ARN, alias name or alias ARN) once and returns
 * a signer for it.
 *
 * @throws SigningKeyError naming the key when GetPublicKey fails, or the key is not a
 *   `SIGN_VERIFY` key of a supported spec, or does not offer the signing algorithm
 */
async function createKmsSigner(client: KMSClient, keyId: string): Promise<KmsSigner> {
  let response: GetPublicKeyCommandOutput;
  try {
    response = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  } catch (error) {
    throw new SigningKeyError(`KMS key ${keyId}: cannot read its public key (${describeAwsError(error)})`, {
      cause: error,
    });
  }
  const arn = response.KeyId ?? keyId;
  const named = arn === keyId ? `KMS key ${keyId}` : `KMS key ${keyId} (${arn})`;
  if (response.KeyUsage !== 'SIGN_VERIFY') {
    throw new SigningKeyError(
      `${named} has key usage ${response.KeyUsage ?? 'unknown'}; signing manifests needs an asymmetric SIGN_VERIFY key (key spec ECC_NIST_P256 or RSA_2048/3072/4096)`,
    );
  }
  const spec = response.KeySpec ?? response.CustomerMasterKeySpec;
  const supported = spec === undefined ? undefined : KMS_KEY_SPECS[spec];
  if (spec === undefined || supported === undefined) {
    throw new SigningKeyError(
      `${named} has key spec ${spec ?? 'unknown'}; signing manifests needs ${Object.keys(KMS_KEY_SPECS).join(', ')}`,
    );
  }
  if (!response.SigningAlgorithms?.includes(supported.signingAlgorithm)) {
    throw new SigningKeyError(
      `${named} (${spec}) does not offer ${supported.signingAlgorithm}; it offers ${response.SigningAlgorithms?.join(', ') || 'no signing algorithm'}`,
    );
  }
  if (!response.PublicKey?.byteLength) {
    throw new SigningKeyError(`${named}: GetPublicKey returned no public key`);
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(response.PublicKey), format: 'der', type: 'spki' });
  } catch {
    throw new SigningKeyError(`${named}: GetPublicKey returned a public key that is not SPKI DER`);
  }
  let keyAlgorithm: SignatureAlgorithm;
  try {
    keyAlgorithm = keyTypeOf(publicKey).algorithm;
  } catch (error) {
    throw new SigningKeyError(`${named}: ${(error as Error).message}`);
  }
  if (keyAlgorithm !== supported.algorithm) {
    throw new SigningKeyError(`${named}: its public key does not match key spec ${spec}`);
  }

  const manifestKeyId = keyIdOf(publicKey);
  const verifier = verifierFromPublicKey(publicKey);
  const { algorithm, signingAlgorithm } = supported;

  const sign = async (data: Uint8Array): Promise<Uint8Array> => {
    const digest = createHash('sha256').update(data).digest();
    let signed: SignCommandOutput;
    try {
      signed = await client.send(
        new SignCommand({
          // The ARN, not an alias: every signature comes from the key whose public key was read.
          KeyId: arn,
          Message: new Uint8Array(digest),
          MessageType: 'DIGEST',
          SigningAlgorithm: signingAlgorithm,
        }),
      );
    } catch (error) {
      throw new SigningKeyError(`${named}: Sign failed (${describeAwsError(error)})`, { cause: error });
    }
    const signature = signed.Signature;
    if (!signature?.byteLength) throw new SigningKeyError(`${named}: Sign returned no signature`);
    // Checked here rather than by the first client to run `trailproof verify`.
    if (!(await verifier.verify(data, signature, manifestKeyId, algorithm))) {
      throw new SigningKeyError(`${named}: the signature KMS returned does not verify with its public key`);
    }
    return new Uint8Array(signature);
  };

  return Object.freeze({
    keyId: manifestKeyId,
    algorithm,
    publicKeyPem: verifier.publicKeyPem,
    kmsKeyArn: arn,
    kmsKeySpec: spec,
    kmsSigningAlgorithm: signingAlgorithm,
    sign,
  });
}

export type { KmsSignatureAlgorithm, KmsSigner };
export { createKmsSigner, KMS_KEY_SPECS };
