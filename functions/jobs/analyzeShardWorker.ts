/**
 * @module Worker thread of a parallel local run: analyses the shards it is handed, one at a
 * time, each into one partial analysis per account/region/day group (merged in order by the main
 * thread, as a one-thread run merges them) and that shard's own evidence file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkFileWriter } from '../adapters/fs/ChunkFileWriter.js';
import { fileSources, type LocalFile } from '../adapters/fs/localSources.js';
import { analyzePartial, type PartialAnalysis } from '../core/analysis/runAnalysis.js';
import { EventDeduplicator } from '../core/ingest/EventDeduplicator.js';
import type { TimeWindow } from '../core/ingest/ingestEvents.js';
import { groupRuns } from '../core/ingest/planShards.js';
import { TOOL_VERSION } from '../core/version.js';
import { loadPipelineData } from './loadPipelineData.js';

/** Set once per worker. */
interface WorkerSetup {
  readonly configFile: string | null;
  readonly window?: TimeWindow;
}

/** One shard to analyse; `null` ends the worker. */
type ShardTask = {
  readonly index: number;
  readonly files: readonly LocalFile[];
  readonly evidencePath: string | null;
} | null;

interface ShardResult {
  readonly index: number;
  /** One per group of the shard, in order. */
  readonly partials: readonly PartialAnalysis[];
  /** The shard's eventID fingerprints, to find an event two shards both counted. */
  readonly fingerprints: Uint32Array;
}

const setup = workerData as WorkerSetup;
const data = await loadPipelineData(setup.configFile ?? undefined);

async function analyse(task: NonNullable<ShardTask>): Promise<ShardResult> {
  const evidence = task.evidencePath ? new ChunkFileWriter(task.evidencePath) : undefined;
  const dedupe = new EventDeduplicator();
  try {
    const partials: PartialAnalysis[] = [];
    for (const group of groupRuns(task.files))
      partials.push(
        await analyzePartial({
          dedupe,
          sources: fileSources(group),
          config: data.config,
          configHash: data.configHash,
          catalog: data.catalog,
          rules: data.rules,
          window: setup.window,
          toolVersion: TOOL_VERSION,
          writeEvidence: evidence ? (chunk) => evidence.write(chunk) : undefined,
        }),
      );
    return { index: task.index, partials, fingerprints: dedupe.exportFingerprints() };
  } finally {
    await evidence?.close();
  }
}

parentPort!.on('message', (task: ShardTask) => {
  if (task === null) {
    parentPort!.close();
    return;
  }
  analyse(task).then(
    (result) => parentPort!.postMessage(result, [result.fingerprints.buffer as ArrayBuffer]),
    (error: unknown) => {
      throw error;
    },
  );
});
parentPort!.postMessage('ready');

export type { ShardResult, ShardTask, WorkerSetup };
