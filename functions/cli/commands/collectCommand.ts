/**
 * @module `trailproof collect --config tenant.yaml --period 2026-11 [--out DIR|s3://bucket/prefix]`
 */
import type { Command } from 'commander';
import { FsObjectStore } from '../../adapters/store/FsObjectStore.js';
import type { ObjectStore } from '../../adapters/store/ObjectStore.js';
import { PrefixedObjectStore } from '../../adapters/store/PrefixedObjectStore.js';
import { S3ObjectStore } from '../../adapters/store/S3ObjectStore.js';
import { createS3Client, isS3Uri, parseS3Uri } from '../../adapters/store/s3Access.js';
import { stagingPrefix } from '../../core/collect/collectState.js';
import { collectJob } from '../../jobs/collectJob.js';
import { loadPipelineData } from '../../jobs/loadPipelineData.js';
import { trailOpener } from '../../jobs/openTrail.js';
import { ExitCode } from '../exitCodes.js';
import { addWindowOptions, UsageError, windowFromOptions } from './analyzeCommand.js';

/** `--out DIR` or `--out s3://bucket/prefix` as the root of the staging area. */
function outputStore(out: string): ObjectStore {
  if (!isS3Uri(out)) return new FsObjectStore(out);
  const { bucket, prefix } = parseS3Uri(out);
  const store = new S3ObjectStore(createS3Client(), bucket);
  return prefix ? new PrefixedObjectStore(store, prefix) : store;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function registerCollectCommand(program: Command): void {
  addWindowOptions(
    program
      .command('collect')
      .description(
        "read each account's CloudTrail for the period into staging shards (only what earlier runs have not read)",
      )
      .requiredOption('-c, --config <file>', 'tenant config (YAML): accounts, their sources and roles')
      .option('-o, --out <dir|s3-uri>', 'where the staging area is written', 'out/collect'),
  ).action(async (options: { config: string; out: string; period?: string; from?: string; to?: string }) => {
    const window = windowFromOptions(options);
    if (!window) throw new UsageError('collect needs --period (or --from/--to)');
    const data = await loadPipelineData(options.config);
    const staging = outputStore(options.out);
    const run = await collectJob({
      config: data.config,
      window,
      staging,
      openTrail: trailOpener(data.config, data.configFile, window),
      onProgress: process.stderr.isTTY ? (m) => process.stderr.write(`${m}\n`) : undefined,
    });
    for (const account of run.accounts) {
      const regions = account.regions.map(
        (r) => `${r.region} ${fmt(r.read)}/${fmt(r.listed)} objects, ${fmt(r.accepted)} records`,
      );
      process.stdout.write(
        `${account.status.padEnd(7)} ${account.name} (${account.account}) ${regions.join('; ')}\n`,
      );
      if (account.reason)
        process.stderr.write(`warning: ${account.name} (${account.account}): ${account.reason}\n`);
    }
    process.stdout.write(
      `Collected ${fmt(run.totals.read)} new objects, ${fmt(run.totals.accepted)} records (${fmt(run.totals.rejected)} rejected) into ${staging.uri(stagingPrefix(data.config.id, window.label))}\n`,
    );
    if (run.accounts.every((a) => a.status === 'failed')) process.exitCode = ExitCode.NoUsableInput;
  });
}

export { registerCollectCommand };
