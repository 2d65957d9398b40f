/**
 * @module `trailproof verify <dir> [--public-key file.pem] [--json]`: checks a report folder against
 * its signed manifest. Exit 0 only when every artifact matches and the signature is valid.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { SigningKeyError } from '../../adapters/crypto/localSigning.js';
import {
  MANIFEST_PUBLIC_KEY_FILE,
  type ReportVerification,
  verifyReportDirectory,
} from '../../adapters/fs/reportManifest.js';
import { S3ObjectStore } from '../../adapters/store/S3ObjectStore.js';
import { createS3Client, isS3Uri, parseS3Uri } from '../../adapters/store/s3Access.js';
import { type ArtifactCheck, ManifestError } from '../../core/report/manifest.js';
import { downloadPrefix } from '../../jobs/reportLocation.js';
import { ExitCode } from '../exitCodes.js';
import { UsageError } from './analyzeCommand.js';

interface VerifyCommandOptions {
  publicKey?: string;
  json?: boolean;
}

/** File names and tenant names come from the folder: printed as data, never as terminal controls. */
function printable(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  return /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value) ? JSON.stringify(value) : value;
}

const LABELS: Readonly<Record<ArtifactCheck['status'], string>> = {
  ok: 'ok',
  changed: 'CHANGED',
  missing: 'MISSING',
  extra: 'EXTRA',
};

function describeCheck(check: ArtifactCheck): string {
  const line = `${LABELS[check.status].padEnd(8)} ${printable(check.name)}`;
  if (check.status === 'changed' && check.expected && check.actual) {
    const what = check.actual.bytes === check.expected.bytes ? 'sha256 differs' : 'size and sha256 differ';
    return `${line} (${what}: ${check.actual.bytes} bytes, manifest says ${check.expected.bytes})`;
  }
  if (check.status === 'missing') return `${line} (in the manifest, not in the folder)`;
  if (check.status === 'extra') return `${line} (in the folder, not in the manifest)`;
  return line;
}

function formatVerification(result: ReportVerification): string {
  const { manifest, signature, key, counts } = result;
  const lines: string[] = [];
  const period = manifest.period ? `period ${printable(manifest.period.label)}` : 'all records';
  lines.push(
    `Report ${printable(manifest.reportId)} — ${printable(manifest.tenant.name)} (${printable(manifest.tenant.id)}), ${period}, generated ${printable(manifest.generatedAt)}`,
  );
  for (const check of result.artifacts) lines.push(describeCheck(check));
  const keyNote =
    key.source === 'pinned'
      ? 'the pinned key'
      : key.source === 'embedded'
        ? `${MANIFEST_PUBLIC_KEY_FILE} in the folder`
        : 'no key';
  if (signature.valid) {
    lines.push(`Signature valid — key ${signature.keyId} (${keyNote}, ${signature.algorithm})`);
    if (key.source === 'embedded') {
      lines.push(
        '          anyone can re-sign a folder with their own key: compare this key id with the one your MSSP published, or pass --public-key',
      );
    }
  } else {
    lines.push(
      `Signature INVALID — manifest names key ${printable(signature.keyId)}, checked with ${key.keyId ?? 'no key'} (${keyNote})${key.problem ? `: ${printable(key.problem)}` : ''}`,
    );
  }
  const total = result.artifacts.length - counts.extra;
  if (result.ok) {
    lines.push(`Verified: all ${total} artifacts match the signed manifest`);
  } else {
    const problems = [
      counts.changed && `${counts.changed} changed`,
      counts.missing && `${counts.missing} missing`,
      counts.extra && `${counts.extra} extra`,
      !signature.valid && 'signature invalid',
    ].filter(Boolean);
    lines.push(`FAILED: ${problems.join(', ')} (${counts.ok} of ${total} artifacts ok)`);
  }
  return lines.join('\n');
}

async function readPublicKey(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--public-key: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

async function runVerify(dir: string, options: VerifyCommandOptions): Promise<void> {
  if (isS3Uri(dir)) {
    // Every object under the prefix is downloaded and checked exactly as a local folder is.
    const { bucket, prefix } = parseS3Uri(dir);
    const local = await mkdtemp(path.join(tmpdir(), 'trailproof-verify-'));
    try {
      const count = await downloadPrefix(new S3ObjectStore(createS3Client(), bucket), prefix, local);
      if (count === 0) throw new UsageError(`verify: nothing under ${dir}`);
      await verifyLocal(local, dir, options);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
    return;
  }
  await verifyLocal(dir, dir, options);
}

async function verifyLocal(dir: string, shownAs: string, options: VerifyCommandOptions): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new UsageError(`verify: ${dir} does not exist`);
  if (!info.isDirectory()) throw new UsageError(`verify: ${dir} is not a directory (give the report folder)`);
  const publicKeyPem = options.publicKey ? await readPublicKey(options.publicKey) : undefined;

  let result: ReportVerification;
  try {
    result = await verifyReportDirectory(dir, publicKeyPem === undefined ? {} : { publicKeyPem });
  } catch (error) {
    if (error instanceof SigningKeyError)
      throw new UsageError(`--public-key ${options.publicKey}: ${error.message}`);
    if (!(error instanceof ManifestError)) throw error;
    if (options.json)
      process.stdout.write(`${JSON.stringify({ ok: false, error: error.message }, null, 2)}\n`);
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = ExitCode.VerificationFailed;
    return;
  }

  if (options.json) {
    const { manifest, ...rest } = result;
    const out = {
      ok: rest.ok,
      directory: shownAs,
      reportId: manifest.reportId,
      tenant: manifest.tenant,
      period: manifest.period,
      generatedAt: manifest.generatedAt,
      toolVersion: manifest.toolVersion,
      signature: rest.signature,
      key: rest.key,
      counts: rest.counts,
      artifacts: rest.artifacts,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatVerification(result)}\n`);
  }
  process.exitCode = result.ok ? ExitCode.Ok : ExitCode.VerificationFailed;
}

function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'check a report folder against its signed manifest (manifest.json): every file and the signature',
    )
    .argument('<dir>', 'the report folder, local or s3://bucket/prefix')
    .option(
      '--public-key <file>',
      'accept only this public key (PEM: Ed25519, ECDSA P-256 or RSA), e.g. the MSSP signing-key.pub.pem',
    )
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, options: VerifyCommandOptions) => runVerify(dir, options));
}

export { formatVerification, registerVerifyCommand };
