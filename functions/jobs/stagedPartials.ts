/**
 * @module Analyses made where records are collected. In the pipeline each Distributed Map item
 * collects a shard and then analyses each unit (account × day × region) it staged records for
 * into a partial analysis and its evidence lines, stored beside the staging data; the Report
 * step merges the partials in staging order — the same Analysis a single pass over every
 * record gives — instead of reading every record again. One partial per unit, whatever the
 * shard held, keeps the merge order the staging order however shards are cut.
 *
 * A partial records which checkpoint and batches it covers. It is used only when the partials
 * together cover exactly the checkpoints and batches the staging area holds, in order, and were
 * made by this tool version; otherwise the records are read again (never a stale analysis).
 *
 * Duplicates are removed within a unit: the copies of an event (an organization trail and an
 * account trail, or a redelivery) share its account, region and day of delivery. The local
 * parallel analysis groups files the same way (core/ingest/planShards.ts).
 */
import { once } from 'node:events';
import { deserialize, serialize } from 'node:v8';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { getIfExists, type ObjectStore } from '../adapters/store/ObjectStore.js';
import { analyzePartial, type PartialAnalysis } from '../core/analysis/runAnalysis.js';
import { stagingPrefix } from '../core/collect/collectState.js';
import type { TimeWindow } from '../core/ingest/ingestEvents.js';
import { TOOL_VERSION } from '../core/version.js';
import type { PipelineData } from './loadPipelineData.js';
import { readStagedRegion, type StagedRegion } from './stagingArea.js';

const STAGED_PARTIAL_SCHEMA = 'trailproof/staged-partial@2';
const PARTIALS_FOLDER = 'partials/';

interface StagedPartialRecord {
  readonly schema: typeof STAGED_PARTIAL_SCHEMA;
  readonly toolVersion: string;
  /** The checkpoint (relative to the period's staging folder) and batch ids it covers. */
  readonly regions: readonly { readonly checkpoint: string; readonly batches: readonly string[] }[];
  readonly evidenceKey: string;
  readonly partial: PartialAnalysis;
}

/** A usable partial and where its evidence lines are (gzip). */
interface StagedPartialRef {
  readonly partial: PartialAnalysis;
  readonly evidence: { readonly store: ObjectStore; readonly key: string };
}

/**
 * Analyses one unit's staged records (every committed batch of its checkpoint) and stores the
 * partial analysis and its evidence beside the staging data.
 * @param checkpointKey the unit's `…/<account>/<day>/<region>/checkpoint.json`
 * @returns the key of the stored partial and the number of records analysed
 */
async function analyzeStagedUnit(options: {
  readonly staging: ObjectStore;
  readonly data: PipelineData;
  readonly window: TimeWindow;
  readonly checkpointKey: string;
}): Promise<{ readonly key: string; readonly records: number }> {
  const { staging, data, window, checkpointKey } = options;
  const base = stagingPrefix(data.config.id, window.label);
  if (!checkpointKey.startsWith(base) || !checkpointKey.endsWith('/checkpoint.json'))
    throw new RangeError(`${checkpointKey} is not a checkpoint of ${base}`);
  const region = await readStagedRegion(staging, checkpointKey);

  // Evidence lines are gzipped as they come; only the compressed bytes are held.
  const gzip = createGzip();
  const compressed: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
  const partial = await analyzePartial({
    sources: region.sources,
    config: data.config,
    configHash: data.configHash,
    catalog: data.catalog,
    rules: data.rules,
    window,
    toolVersion: TOOL_VERSION,
    writeEvidence: (chunk) => {
      if (!gzip.write(chunk)) return once(gzip, 'drain').then(() => undefined);
    },
  });
  const ended = once(gzip, 'end');
  gzip.end();
  await ended;

  const unit = checkpointKey.slice(base.length, -'/checkpoint.json'.length);
  const name = unit.replaceAll('/', '_');
  const evidenceKey = `${base}${PARTIALS_FOLDER}${name}.evidence.ndjson.gz`;
  const key = `${base}${PARTIALS_FOLDER}${name}.v8.gz`;
  const record: StagedPartialRecord = {
    schema: STAGED_PARTIAL_SCHEMA,
    toolVersion: TOOL_VERSION,
    regions: [{ checkpoint: checkpointKey.slice(base.length), batches: region.batches }],
    evidenceKey: evidenceKey.slice(base.length),
    partial,
  };
  // Evidence first: a partial is never visible without its evidence.
  await staging.put(evidenceKey, Buffer.concat(compressed), { contentType: 'application/gzip' });
  await staging.put(key, gzipSync(serialize(record)), { contentType: 'application/octet-stream' });
  return { key, records: partial.input.accepted };
}

/**
 * The partials of a staging area at `base`, in staging order, when they cover exactly `regions`
 * (the checkpoints just read, sorted) with the same batches; otherwise null.
 */
async function readStagedPartials(
  store: ObjectStore,
  base: string,
  regions: readonly StagedRegion[],
): Promise<StagedPartialRef[] | null> {
  const keys: string[] = [];
  for await (const o of store.list(`${base}${PARTIALS_FOLDER}`))
    if (o.key.endsWith('.v8.gz')) keys.push(o.key);
  if (!keys.length || !regions.length) return null;
  const records: StagedPartialRecord[] = [];
  for (const key of keys) {
    const bytes = await getIfExists(store, key);
    if (!bytes) return null;
    let record: StagedPartialRecord;
    try {
      record = deserialize(gunzipSync(bytes)) as StagedPartialRecord;
    } catch {
      return null;
    }
    if (record.schema !== STAGED_PARTIAL_SCHEMA || record.toolVersion !== TOOL_VERSION) return null;
    if (!record.regions.length) continue;
    records.push(record);
  }
  records.sort((a, b) => (a.regions[0]!.checkpoint < b.regions[0]!.checkpoint ? -1 : 1));
  const covered = records.flatMap((r) => r.regions);
  const expected = regions.map((r) => ({
    checkpoint: r.checkpointKey.slice(base.length),
    batches: r.batches,
  }));
  if (JSON.stringify(covered) !== JSON.stringify(expected)) return null;
  return records.map((r) => ({ partial: r.partial, evidence: { store, key: `${base}${r.evidenceKey}` } }));
}

export type { StagedPartialRef };
export { analyzeStagedUnit, readStagedPartials };
