/**
 * @module Analyze job: local or S3 sources → `analysis.json` + `evidence.ndjson` in an output directory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkFileWriter } from '../adapters/fs/ChunkFileWriter.js';
import { localSources } from '../adapters/fs/localSources.js';
import { runAnalysis } from '../core/analysis/runAnalysis.js';
import type { Analysis } from '../core/analysis/types.js';
import { InputLedger } from '../core/ingest/InputLedger.js';
import type { IngestProgress, TimeWindow } from '../core/ingest/ingestEvents.js';
import { TOOL_VERSION } from '../core/version.js';
import type { PipelineData } from './loadPipelineData.js';

interface AnalyzeJobOptions {
  readonly inputs: readonly string[];
  readonly outDir: string;
  readonly data: PipelineData;
  readonly window?: TimeWindow;
  /** Write analysis.json and evidence.ndjson (default true); reports may ask for renderings only. */
  readonly writeFiles?: boolean;
  readonly onProgress?: (progress: IngestProgress & { events: number }) => void;
}

interface AnalyzeJobResult {
  readonly analysis: Analysis;
  /** Paths written, or null when `writeFiles` is false. */
  readonly analysisFile: string | null;
  readonly evidenceFile: string | null;
}

async function analyzeJob(options: AnalyzeJobOptions): Promise<AnalyzeJobResult> {
  await mkdir(options.outDir, { recursive: true });
  const writeFiles = options.writeFiles ?? true;
  const evidenceFile = join(options.outDir, 'evidence.ndjson');
  const analysisFile = join(options.outDir, 'analysis.json');
  const evidence = writeFiles ? new ChunkFileWriter(evidenceFile) : undefined;
  const ledger = new InputLedger();
  const { data } = options;
  let analysis: Analysis;
  try {
    analysis = await runAnalysis({
      sources: localSources(options.inputs, ledger),
      ledger,
      config: data.config,
      configHash: data.configHash,
      catalog: data.catalog,
      rules: data.rules,
      window: options.window,
      toolVersion: TOOL_VERSION,
      writeEvidence: evidence ? (chunk) => evidence.write(chunk) : undefined,
      onProgress: options.onProgress,
    });
  } finally {
    await evidence?.close();
  }
  if (!writeFiles) return { analysis, analysisFile: null, evidenceFile: null };
  await writeFile(analysisFile, `${JSON.stringify(analysis, null, 2)}\n`);
  return { analysis, analysisFile, evidenceFile };
}

export type { AnalyzeJobOptions, AnalyzeJobResult };
export { analyzeJob };
