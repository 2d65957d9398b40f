/**
 * @module The signed manifest of a report directory on disk: written after the artifacts, verified
 * by `trailproof verify`.
 *
 * Layout, at the top of the report directory:
 * - `manifest.json`: the {@link SignedManifest} (manifest + signature), indented for reading;
 * - `manifest.pub.pem`: the signer's public key, so a downloaded folder can be checked on its own.
 * Every other file under the directory (recursively) is an artifact. Anyone can rewrite a folder
 * and re-sign it with their own key, so a verifier that must trust the MSSP pins its public key.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  buildManifest,
  checkReport,
  type FileDigest,
  type InputEntry,
  type Manifest,
  ManifestError,
  type ManifestFields,
  type ManifestSigner,
  type ManifestVerifier,
  parseSignedManifest,
  type SignedManifest,
  signManifest,
  type VerifyResult,
} from '../../core/report/manifest.js';
import { SigningKeyError, verifierFromPublicKeyPem } from '../crypto/localSigning.js';

const MANIFEST_FILE = 'manifest.json';
const MANIFEST_PUBLIC_KEY_FILE = 'manifest.pub.pem';
/** The manifest's own files: never artifacts. */
const LAYOUT_FILES: ReadonlySet<string> = new Set([MANIFEST_FILE, MANIFEST_PUBLIC_KEY_FILE]);

/** Streams a file through sha256: evidence files can be far larger than memory should hold. */
async function hashFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

interface ListedFile {
  /** Relative to the report directory, forward slashes. */
  readonly name: string;
  readonly regular: boolean;
}

/** Every non-directory entry under `dir`, recursively, without following symbolic links. */
async function walk(dir: string, prefix = ''): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(path.join(dir, entry.name), name)));
    else out.push({ name, regular: entry.isFile() });
  }
  return out;
}

/** The artifact files of a report directory (everything but the manifest's own files), sorted. */
async function listReportFiles(dir: string): Promise<ListedFile[]> {
  const files = await walk(dir);
  return files
    .filter((f) => !LAYOUT_FILES.has(f.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Size and sha256 of one local input file; digest `not-validated` until collection checks digests. */
async function inputEntryForFile(file: string, name: string, records: number): Promise<InputEntry> {
  return { name, records, digest: 'not-validated', ...(await hashFile(file)) };
}

/** A signer that can also publish its public key (the local Ed25519 signer and the KMS signer do). */
type PublishingSigner = ManifestSigner & { readonly publicKeyPem?: string };

interface WrittenManifest {
  readonly file: string;
  /** `manifest.pub.pem`, or null when the signer has no public key to publish. */
  readonly publicKeyFile: string | null;
  readonly signed: SignedManifest;
}

/**
 * Hashes every file under `dir` (recursively, except `manifest.json` and `manifest.pub.pem`),
 * signs the manifest and writes `manifest.json` and `manifest.pub.pem`. Call it last, after every
 * artifact is written: a file added later shows as EXTRA.
 *
 * @throws ManifestError for a symbolic link or special file in the directory, or invalid fields
 */
async function writeSignedManifest(
  dir: string,
  fields: Omit<ManifestFields, 'artifacts'>,
  signer: PublishingSigner,
): Promise<WrittenManifest> {
  const listed = await listReportFiles(dir);
  const irregular = listed.find((f) => !f.regular);
  if (irregular) {
    throw new ManifestError(
      `${path.join(dir, irregular.name)} is not a regular file; a report holds files only`,
    );
  }
  const artifacts = [];
  for (const f of listed) artifacts.push({ name: f.name, ...(await hashFile(path.join(dir, f.name))) });
  const signed = await signManifest(buildManifest({ ...fields, artifacts }), signer);

  const publicKeyFile = path.join(dir, MANIFEST_PUBLIC_KEY_FILE);
  if (signer.publicKeyPem) await writeFile(publicKeyFile, signer.publicKeyPem);
  else await rm(publicKeyFile, { force: true });
  const file = path.join(dir, MANIFEST_FILE);
  const temporary = path.join(dir, `.${MANIFEST_FILE}.${process.pid}.tmp`);
  await writeFile(temporary, `${JSON.stringify(signed, null, 2)}\n`);
  await rename(temporary, file);
  return { file, publicKeyFile: signer.publicKeyPem ? publicKeyFile : null, signed };
}

/** Which key the signature was checked against. */
interface KeyCheck {
  /** `pinned`: the key the caller gave; `embedded`: manifest.pub.pem; `none`: no key available. */
  readonly source: 'pinned' | 'embedded' | 'none';
  /** The id of the key used to verify, or null when there was none. */
  readonly keyId: string | null;
  /** Why the signature could not be valid, when known (another key, no key, a broken key file). */
  readonly problem?: string;
}

interface ReportVerification extends VerifyResult {
  readonly manifest: Manifest;
  readonly key: KeyCheck;
}

interface VerifyDirectoryOptions {
  /** Insist on this public key (SPKI PEM) instead of the one in the folder. */
  readonly publicKeyPem?: string;
}

const REJECT_ALL: ManifestVerifier = { verify: async () => false };

async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function chooseVerifier(
  dir: string,
  signed: SignedManifest,
  options: VerifyDirectoryOptions,
): Promise<{ verifier: ManifestVerifier; key: KeyCheck }> {
  const signedBy = signed.signature.keyId;
  if (options.publicKeyPem !== undefined) {
    const verifier = verifierFromPublicKeyPem(options.publicKeyPem);
    const problem =
      signedBy === verifier.keyId
        ? undefined
        : `signed by ${signedBy}, not by the pinned key ${verifier.keyId}`;
    return { verifier, key: { source: 'pinned', keyId: verifier.keyId, ...(problem && { problem }) } };
  }
  const pem = await readOptional(path.join(dir, MANIFEST_PUBLIC_KEY_FILE));
  if (pem === null) {
    return {
      verifier: REJECT_ALL,
      key: {
        source: 'none',
        keyId: null,
        problem: `no ${MANIFEST_PUBLIC_KEY_FILE} in the folder; pass the public key`,
      },
    };
  }
  let verifier: ReturnType<typeof verifierFromPublicKeyPem>;
  try {
    verifier = verifierFromPublicKeyPem(pem);
  } catch (error) {
    const reason = error instanceof SigningKeyError ? error.message : 'unreadable';
    return {
      verifier: REJECT_ALL,
      key: { source: 'embedded', keyId: null, problem: `${MANIFEST_PUBLIC_KEY_FILE}: ${reason}` },
    };
  }
  const problem =
    signedBy === verifier.keyId
      ? undefined
      : `${MANIFEST_PUBLIC_KEY_FILE} is key ${verifier.keyId}, but the manifest names ${signedBy}`;
  return { verifier, key: { source: 'embedded', keyId: verifier.keyId, ...(problem && { problem }) } };
}

/**
 * Checks every artifact of a report directory against its signed manifest. With `publicKeyPem`
 * only that key is accepted; without it the folder's own `manifest.pub.pem` is used and `key.keyId`
 * says which key that was (compare it with the MSSP's published key id).
 *
 * A symbolic link or special file in place of an artifact counts as missing; one that is not in
 * the manifest as extra.
 *
 * @throws ManifestError when manifest.json is missing, not JSON or not a valid signed manifest
 * @throws SigningKeyError when `publicKeyPem` is not an Ed25519, ECDSA P-256 or RSA public key
 */
async function verifyReportDirectory(
  dir: string,
  options: VerifyDirectoryOptions = {},
): Promise<ReportVerification> {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const text = await readOptional(manifestFile);
  if (text === null) throw new ManifestError(`${manifestFile} does not exist: this folder was not signed`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${manifestFile} is not valid JSON (${(error as Error).message})`);
  }
  let signed: SignedManifest;
  try {
    signed = parseSignedManifest(data);
  } catch (error) {
    throw new ManifestError(`${manifestFile}: ${(error as Error).message}`);
  }
  const { verifier, key } = await chooseVerifier(dir, signed, options);
  const listed = await listReportFiles(dir);
  const regular = new Set(listed.filter((f) => f.regular).map((f) => f.name));
  const result = await checkReport({
    signed,
    verifier,
    present: listed.map((f) => f.name),
    // Only what the walk found as a regular file (it follows no link) is opened.
    files: async (name) => (regular.has(name) ? hashFile(path.join(dir, name)) : undefined),
  });
  return { ...result, manifest: signed.manifest, key };
}

export type {
  KeyCheck,
  ListedFile,
  PublishingSigner,
  ReportVerification,
  VerifyDirectoryOptions,
  WrittenManifest,
};
export {
  hashFile,
  inputEntryForFile,
  LAYOUT_FILES,
  listReportFiles,
  MANIFEST_FILE,
  MANIFEST_PUBLIC_KEY_FILE,
  verifyReportDirectory,
  writeSignedManifest,
};
