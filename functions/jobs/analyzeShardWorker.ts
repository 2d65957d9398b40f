/**
 * @module Worker thread of a parallel local run: analyses the shards it is handed, one at a
 * time, each into a partial analysis and that shard's own evidence file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkFileWriter } from '../adapters/fs/ChunkFileWriter.js';
import { fileSources, type LocalFile } from '../adapters/fs/localSources.js';
import { analyzePartial, type PartialAnalysis } from '../core/analysis/runAnalysis.js';
import type { TimeWindow } from '../core/ingest/ingestEvents.js';
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
  readonly partial: PartialAnalysis;
}

const setup = workerData as WorkerSetup;
const data = await loadPipelineData(setup.configFile ?? undefined);

async function analyse(task: NonNullable<ShardTask>): Promise<ShardResult> {
  const evidence = task.evidencePath ? new ChunkFileWriter(task.evidencePath) : undefined;
  try {
    const partial = await analyzePartial({
      sources: fileSources(task.files),
      config: data.config,
      configHash: data.configHash,
      catalog: data.catalog,
      rules: data.rules,
      window: setup.window,
      toolVersion: TOOL_VERSION,
      writeEvidence: evidence ? (chunk) => evidence.write(chunk) : undefined,
    });
    return { index: task.index, partial };
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
    (result) => parentPort!.postMessage(result),
    (error: unknown) => {
      throw error;
    },
  );
});
parentPort!.postMessage('ready');

export type { ShardResult, ShardTask, WorkerSetup };
