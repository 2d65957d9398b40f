/**
 * @module Analyze job: local files → `analysis.json` + `evidence.ndjson` in an output directory.
 *
 * Large inputs are cut into contiguous shards analysed by worker threads, the same way the
 * deployed pipeline fans shards out to Lambda; the partial analyses merge in order into the
 * analysis a single pass gives, and the shards' evidence files are joined in order.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { ChunkFileWriter } from '../adapters/fs/ChunkFileWriter.js';
import { fileSources, type LocalFile, listLocalFiles } from '../adapters/fs/localSources.js';
import {
  analyzePartial,
  type MergeOptions,
  type PartialAnalysis,
  PartialMerger,
} from '../core/analysis/runAnalysis.js';
import type { Analysis } from '../core/analysis/types.js';
import type { DigestStatus } from '../core/collect/collectState.js';
import { EventDeduplicator } from '../core/ingest/EventDeduplicator.js';
import { InputLedger, type InputObject } from '../core/ingest/InputLedger.js';
import type { IngestProgress, TimeWindow } from '../core/ingest/ingestEvents.js';
import { groupRuns, orderByGroup, planShards } from '../core/ingest/planShards.js';
import { inOrderAhead } from '../core/shared/inOrderAhead.js';
import { TOOL_VERSION } from '../core/version.js';
import type { ShardResult, ShardTask, WorkerSetup } from './analyzeShardWorker.js';
import type { PipelineData } from './loadPipelineData.js';
import { needsRemoteInput, resolveInputs } from './remoteInput.js';
import { READS_AHEAD, type StagedPartialRef } from './stagedPartials.js';
import { timing } from './timing.js';

/** Below this many files a single thread is faster than starting workers. */
const PARALLEL_MIN_FILES = 2_000;

interface AnalyzeJobOptions {
  readonly inputs: readonly string[];
  readonly outDir: string;
  readonly data: PipelineData;
  readonly window?: TimeWindow;
  /** Write analysis.json and evidence.ndjson (default true); reports may ask for renderings only. */
  readonly writeFiles?: boolean;
  /** Worker threads; `undefined` picks by input size and cores (1 for small inputs). */
  readonly jobs?: number;
  readonly onProgress?: (progress: IngestProgress & { events: number }) => void;
}

interface AnalyzeJobResult {
  readonly analysis: Analysis;
  /** Paths written, or null when `writeFiles` is false. */
  readonly analysisFile: string | null;
  readonly evidenceFile: string | null;
  /** Every trail object read, with size, SHA-256 and record count, in input order (and digest status when collection validated it). */
  readonly inputs: readonly (InputObject & { readonly digest?: DigestStatus })[];
  /** Accounts whose collection failed (from a staging area's collect.json). */
  readonly failedAccounts: readonly { readonly account: string; readonly reason: string }[];
  /** Collection's own coverage notes (LookupEvents limits…). */
  readonly coverageNotes: readonly string[];
  readonly jobs: number;
  /** Shard analyses merged from a staging area (0: the records were analysed here). */
  readonly partialsMerged?: number;
}

function chooseJobs(requested: number | undefined, files: number): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  if (files < PARALLEL_MIN_FILES) return 1;
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/**
 * Analyses shards on `jobs` worker threads; each idle worker takes the next shard, so a few
 * heavy shards do not leave the other workers waiting. Results come back in shard order.
 */
async function runShards(
  shards: readonly (readonly LocalFile[])[],
  jobs: number,
  setup: WorkerSetup,
  evidencePaths: readonly (string | null)[],
): Promise<ShardResult[]> {
  const results: ShardResult[] = new Array(shards.length);
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./analyzeShardWorker.bootstrap.mjs', import.meta.url), {
        workerData: setup,
      });
      const handOut = () => {
        if (next >= shards.length) {
          worker.postMessage(null);
          return;
        }
        const index = next++;
        const task: ShardTask = { index, files: shards[index]!, evidencePath: evidencePaths[index]! };
        worker.postMessage(task);
      };
      worker.on('message', (message: 'ready' | ShardResult) => {
        if (message !== 'ready') results[message.index] = message;
        handOut();
      });
      worker.once('error', reject);
      worker.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`analysis worker exited with code ${code}`)),
      );
    });
  await Promise.all(Array.from({ length: Math.min(jobs, shards.length) }, runWorker));
  if (results.some((r) => r === undefined)) throw new Error('an analysis worker did not report every shard');
  return results;
}

/** Joins the shards' evidence files, in shard order, into one file. */
async function joinFiles(parts: readonly string[], target: string): Promise<void> {
  const out = createWriteStream(target);
  for (const part of parts) {
    for await (const chunk of createReadStream(part, { highWaterMark: 1 << 20 })) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  await Promise.all(parts.map((p) => rm(p, { force: true })));
}

/**
 * S3 inputs and staging areas are read in this process (the deployed pipeline fans out with
 * its Distributed Map instead); object reads run in parallel through the ingest read-ahead.
 */
async function analyzeRemote(options: AnalyzeJobOptions, shared: MergeOptions): Promise<AnalyzeJobResult> {
  const writeFiles = options.writeFiles ?? true;
  const evidenceFile = join(options.outDir, 'evidence.ndjson');
  const analysisFile = join(options.outDir, 'analysis.json');
  const resolved = await resolveInputs(options.inputs, options.data.config.id, options.window?.label ?? null);
  timing('listed');
  const evidence = writeFiles ? new ChunkFileWriter(evidenceFile) : undefined;
  const merger = new PartialMerger(shared, resolved.listing);
  const objects: InputObject[] = [];
  // Shards are not trail objects: the collect stage's ledger already counts those.
  const add = (partial: PartialAnalysis) => {
    if (!resolved.staged) objects.push(...partial.input.objects);
    merger.add(
      resolved.staged
        ? { ...partial, input: { ...partial.input, sources: 0, bytes: 0, objects: [] } }
        : partial,
    );
  };
  try {
    if (resolved.partials) {
      // The map step analysed each unit where it collected it: merge them one at a time, and
      // join their evidence in the same order. Reads run a few units ahead of the merge.
      const load = (ref: StagedPartialRef) => ref.load(evidence !== undefined);
      for await (const { partial, evidenceGzip } of inOrderAhead(resolved.partials, READS_AHEAD, load)) {
        if (evidence && evidenceGzip) {
          const gunzip = createGunzip();
          const done = pipeline(Readable.from([evidenceGzip]), gunzip);
          for await (const chunk of gunzip) await evidence.write(chunk as Buffer);
          await done;
        }
        add(partial);
      }
      timing('partials read');
    } else {
      // Unit by unit, as the map step does, with one dedupe table for the period: the same
      // Analysis whichever path made it.
      const dedupe = new EventDeduplicator();
      for (const unit of resolved.units)
        add(
          await analyzePartial({
            ...shared,
            dedupe,
            sources: unit,
            writeEvidence: evidence ? (chunk) => evidence.write(chunk) : undefined,
            onProgress: options.onProgress,
          }),
        );
    }
  } finally {
    await evidence?.close();
  }
  const merged = merger.finish();
  // A staging area's coverage gaps belong in the machine-readable record too, not only the report.
  const analysis = resolved.staged
    ? { ...merged, collection: { failedAccounts: resolved.failedAccounts, notes: resolved.coverageNotes } }
    : merged;
  timing('merged');
  const inputs = resolved.objects ?? objects;
  const result = {
    analysis,
    inputs,
    failedAccounts: resolved.failedAccounts,
    coverageNotes: resolved.coverageNotes,
    jobs: 1,
    partialsMerged: resolved.partials?.length ?? 0,
  };
  if (!writeFiles) return { ...result, analysisFile: null, evidenceFile: null };
  await writeFile(analysisFile, `${JSON.stringify(analysis, null, 2)}\n`);
  return { ...result, analysisFile, evidenceFile };
}

async function analyzeJob(options: AnalyzeJobOptions): Promise<AnalyzeJobResult> {
  await mkdir(options.outDir, { recursive: true });
  const writeFiles = options.writeFiles ?? true;
  const evidenceFile = join(options.outDir, 'evidence.ndjson');
  const analysisFile = join(options.outDir, 'analysis.json');
  const { data } = options;
  const shared: MergeOptions = {
    config: data.config,
    configHash: data.configHash,
    catalog: data.catalog,
    rules: data.rules,
    window: options.window,
    toolVersion: TOOL_VERSION,
  };
  if (await needsRemoteInput(options.inputs, data.config.id, options.window?.label ?? null))
    return analyzeRemote(options, shared);
  const listing = new InputLedger();
  // Grouped by account/region/day: the copies of an event (org and account trails) stay together.
  const files: LocalFile[] = orderByGroup(listLocalFiles(options.inputs, listing));
  timing('listed');
  let jobs = chooseJobs(options.jobs, files.length);
  // More shards than workers, so that idle workers can take over the remaining work.
  const shards = planShards(files, jobs === 1 ? 1 : jobs * 4);
  // The listing's skipped and unreadable paths come first, as a single pass would meet them.
  const merger = new PartialMerger(shared, listing.exportState());
  const inputs: InputObject[] = [];
  const add = (partial: PartialAnalysis) => {
    merger.add(partial);
    inputs.push(...partial.input.objects);
  };
  // Group by group (account/region/day), one dedupe table: the units every path merges in order.
  const singlePass = async () => {
    const evidence = writeFiles ? new ChunkFileWriter(evidenceFile) : undefined;
    const dedupe = new EventDeduplicator();
    const done = { sources: 0, records: 0, bytes: 0, events: 0 };
    const report = options.onProgress;
    try {
      for (const group of groupRuns(files)) {
        const partial = await analyzePartial({
          ...shared,
          dedupe,
          sources: fileSources(group),
          writeEvidence: evidence ? (chunk) => evidence.write(chunk) : undefined,
          // Progress over the whole run, not per group.
          onProgress: report
            ? (p) =>
                report({
                  ...p,
                  sources: done.sources + p.sources,
                  records: done.records + p.records,
                  bytes: done.bytes + p.bytes,
                  events: done.events + p.events,
                })
            : undefined,
        });
        add(partial);
        done.sources += partial.input.sources;
        done.records += partial.input.records;
        done.bytes += partial.input.bytes;
        done.events += partial.input.accepted;
      }
    } finally {
      await evidence?.close();
    }
  };
  if (shards.length === 1) await singlePass();
  else {
    const parts = shards.map((_, i) =>
      writeFiles ? join(options.outDir, `.evidence.part-${i}.ndjson`) : null,
    );
    const results = await runShards(
      shards,
      jobs,
      { configFile: data.configFile, window: options.window },
      parts,
    );
    timing('workers done');
    // An eventID in two shards (a copy delivered on another day) would count twice in a merge:
    // then the files are analysed again in one pass, which counts it once.
    const seen = new EventDeduplicator();
    if (results.some((r) => seen.importFingerprints(r.fingerprints) > 0)) {
      await Promise.all(parts.map((p) => (p ? rm(p, { force: true }) : undefined)));
      jobs = 1;
      await singlePass();
    } else {
      for (const r of results) for (const partial of r.partials) add(partial);
      if (writeFiles) await joinFiles(parts as string[], evidenceFile);
      timing('evidence joined');
    }
  }
  timing('shards analysed');
  const analysis = merger.finish();
  timing('merged');
  if (!writeFiles)
    return {
      analysis,
      analysisFile: null,
      evidenceFile: null,
      inputs,
      failedAccounts: [],
      coverageNotes: [],
      jobs,
    };
  await writeFile(analysisFile, `${JSON.stringify(analysis, null, 2)}\n`);
  return { analysis, analysisFile, evidenceFile, inputs, failedAccounts: [], coverageNotes: [], jobs };
}

export type { AnalyzeJobOptions, AnalyzeJobResult };
export { analyzeJob };
