/**
 * @module Analyses made where records are collected. In the pipeline each Distributed Map item
 * collects a shard and then analyses each unit (account × day × region) it staged records for
 * into a partial analysis and its evidence lines, stored beside the staging data; the Report
 * step merges the partials in staging order — the same Analysis a single pass over every
 * record gives — instead of reading every record again. One partial per unit, whatever the
 * shard held, keeps the merge order the staging order however shards are cut.
 *
 * A partial is two objects: its state (`<unit>.v8.gz`) and, written last, a small header
 * (`<unit>.json`) naming the checkpoint and batches it covers and the state's size and hash.
 * Partials are used only when the headers together cover exactly the checkpoints and batches the
 * staging area holds, in order, and were made by this tool version; otherwise the records are read
 * again (never a stale analysis). The Report step then loads and merges one state at a time, so
 * its memory does not grow with the number of units.
 *
 * Every eventID counts once per period, as in one pass: each partial keeps the fingerprints of
 * its eventIDs (`<unit>.ids`, 12 bytes an event), and when two units share one (a copy delivered
 * on another day) the partials are not used and the units are read again with one dedupe table.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { deserialize, serialize } from 'node:v8';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { getIfExists, type ObjectStore } from '../adapters/store/ObjectStore.js';
import { analyzePartial, type PartialAnalysis } from '../core/analysis/runAnalysis.js';
import { StagingError, stagingPrefix } from '../core/collect/collectState.js';
import { EventDeduplicator } from '../core/ingest/EventDeduplicator.js';
import type { TimeWindow } from '../core/ingest/ingestEvents.js';
import { inOrderAhead } from '../core/shared/inOrderAhead.js';
import { TOOL_VERSION } from '../core/version.js';
import type { PipelineData } from './loadPipelineData.js';
import { readStagedUnit, type StagedUnit } from './stagingArea.js';

const STAGED_PARTIAL_SCHEMA = 'trailproof/staged-partial@5';
const PARTIALS_FOLDER = 'partials/';

/** The header of a unit's partial: what it covers and where its parts are. */
interface StagedPartialHeader {
  readonly schema: typeof STAGED_PARTIAL_SCHEMA;
  readonly toolVersion: string;
  /** The unit's checkpoint (relative to the period's staging folder) and the batch ids it covers. */
  readonly unit: { readonly checkpoint: string; readonly batches: readonly string[] };
  /** Keys relative to the period's staging folder. */
  readonly evidenceKey: string;
  readonly stateKey: string;
  /** Size and SHA-256 of the state object, checked when it is loaded. */
  readonly stateBytes: number;
  readonly stateSha256: string;
  /** The fingerprints of the unit's eventIDs (three little-endian words each) and their count. */
  readonly idsKey: string;
  readonly ids: number;
}

/** A usable partial, loaded on demand: its state, and its evidence lines (gzip) when asked. */
interface StagedPartialRef {
  load(withEvidence: boolean): Promise<{ partial: PartialAnalysis; evidenceGzip: Uint8Array | null }>;
}

/** Object reads kept in flight while partials are checked and merged (latency, not bandwidth). */
const READS_AHEAD = 16;

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
  const unit = await readStagedUnit(staging, checkpointKey);
  const dedupe = new EventDeduplicator();

  // Evidence lines are gzipped as they come; only the compressed bytes are held.
  const gzip = createGzip();
  const compressed: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
  const partial = await analyzePartial({
    sources: unit.sources,
    config: data.config,
    configHash: data.configHash,
    catalog: data.catalog,
    rules: data.rules,
    window,
    toolVersion: TOOL_VERSION,
    dedupe,
    writeEvidence: (chunk) => {
      if (!gzip.write(chunk)) return once(gzip, 'drain').then(() => undefined);
    },
  });
  const ended = once(gzip, 'end');
  gzip.end();
  await ended;

  const name = checkpointKey.slice(base.length, -'/checkpoint.json'.length).replaceAll('/', '_');
  const evidenceKey = `${base}${PARTIALS_FOLDER}${name}.evidence.ndjson.gz`;
  const stateKey = `${base}${PARTIALS_FOLDER}${name}.v8.gz`;
  const idsKey = `${base}${PARTIALS_FOLDER}${name}.ids`;
  const key = `${base}${PARTIALS_FOLDER}${name}.json`;
  const state = gzipSync(serialize(partial));
  const ids = littleEndianWords(dedupe.exportFingerprints());
  const header: StagedPartialHeader = {
    schema: STAGED_PARTIAL_SCHEMA,
    toolVersion: TOOL_VERSION,
    unit: { checkpoint: checkpointKey.slice(base.length), batches: unit.batches },
    evidenceKey: evidenceKey.slice(base.length),
    stateKey: stateKey.slice(base.length),
    stateBytes: state.length,
    stateSha256: createHash('sha256').update(state).digest('hex'),
    idsKey: idsKey.slice(base.length),
    ids: ids.length / 12,
  };
  // The header last: a partial is never visible without its evidence and state.
  await staging.put(evidenceKey, Buffer.concat(compressed), { contentType: 'application/gzip' });
  await staging.put(stateKey, state, { contentType: 'application/octet-stream' });
  await staging.put(idsKey, ids, { contentType: 'application/octet-stream' });
  await staging.put(key, Buffer.from(`${JSON.stringify(header)}\n`), { contentType: 'application/json' });
  return { key, records: partial.input.accepted };
}

/**
 * The partials of a staging area at `base`, in staging order, when their headers cover exactly
 * `units` (the checkpoints just read, sorted) with the same batches; otherwise null.
 */
async function readStagedPartials(
  store: ObjectStore,
  base: string,
  units: readonly StagedUnit[],
): Promise<StagedPartialRef[] | null> {
  const headerKeys: string[] = [];
  const sizes = new Map<string, number>();
  for await (const o of store.list(`${base}${PARTIALS_FOLDER}`)) {
    if (o.key.endsWith('.json')) headerKeys.push(o.key);
    else sizes.set(o.key, o.size);
  }
  if (!headerKeys.length || !units.length) return null;
  const headers: StagedPartialHeader[] = [];
  for await (const bytes of inOrderAhead(headerKeys, READS_AHEAD, (key) => getIfExists(store, key))) {
    if (!bytes) return null;
    let header: StagedPartialHeader;
    try {
      header = JSON.parse(Buffer.from(bytes).toString('utf8')) as StagedPartialHeader;
    } catch {
      return null;
    }
    if (header.schema !== STAGED_PARTIAL_SCHEMA || header.toolVersion !== TOOL_VERSION) return null;
    // Its state must be there, as written (its hash is checked when it is loaded).
    if (sizes.get(`${base}${header.stateKey}`) !== header.stateBytes) return null;
    if (sizes.get(`${base}${header.idsKey}`) !== header.ids * 12) return null;
    headers.push(header);
  }
  headers.sort((a, b) => (a.unit.checkpoint < b.unit.checkpoint ? -1 : 1));
  const covered = headers.map((h) => h.unit);
  const expected = units.map((r) => ({
    checkpoint: r.checkpointKey.slice(base.length),
    batches: r.batches,
  }));
  if (JSON.stringify(covered) !== JSON.stringify(expected)) return null;
  // An eventID in two units (a copy delivered on another day) would count twice in a merge.
  const seen = new EventDeduplicator();
  const idsOf = (h: StagedPartialHeader) => store.get(`${base}${h.idsKey}`);
  let i = 0;
  for await (const bytes of inOrderAhead(headers, READS_AHEAD, idsOf)) {
    const h = headers[i++]!;
    if (bytes.length !== h.ids * 12 || seen.importFingerprints(wordsOf(bytes)) > 0) return null;
  }
  return headers.map((h) => ({
    load: async (withEvidence) => {
      const key = `${base}${h.stateKey}`;
      const [bytes, evidenceGzip] = await Promise.all([
        store.get(key),
        withEvidence ? store.get(`${base}${h.evidenceKey}`) : null,
      ]);
      if (createHash('sha256').update(bytes).digest('hex') !== h.stateSha256)
        throw new StagingError(
          `${store.uri(key)} changed after it was written: delete ${store.uri(`${base}${PARTIALS_FOLDER}`)} to analyse the staged records again`,
        );
      return { partial: deserialize(gunzipSync(bytes)) as PartialAnalysis, evidenceGzip };
    },
  }));
}

/** Words as little-endian bytes, whatever the machine's byte order. */
function littleEndianWords(words: Uint32Array): Buffer {
  const out = Buffer.allocUnsafe(words.length * 4);
  for (let i = 0; i < words.length; i++) out.writeUInt32LE(words[i]!, i * 4);
  return out;
}

function wordsOf(bytes: Uint8Array): Uint32Array {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.readUInt32LE(i * 4);
  return out;
}

export type { StagedPartialRef };
export { analyzeStagedUnit, READS_AHEAD, readStagedPartials };
