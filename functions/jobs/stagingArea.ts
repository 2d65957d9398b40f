/**
 * @module Reading a collect staging area: each unit's (account × day × region) checkpoint, its
 * batch manifests and the shards they commit, with keys resolved beside the checkpoint that names
 * them.
 */
import type { ObjectStore } from '../adapters/store/ObjectStore.js';
import {
  type BatchManifest,
  type CollectedSource,
  type DigestStatus,
  parseCheckpoint,
  StagingError,
} from '../core/collect/collectState.js';
import type { InputObject, LedgerState } from '../core/ingest/InputLedger.js';
import type { RecordSource } from '../core/ingest/types.js';

/**
 * Where a key the collect stage recorded (relative to the root it wrote under) sits in `store`:
 * beside the checkpoint that names it. A staging area may be read from its root, from a parent
 * prefix, or from the period's own folder, so recorded keys are never taken as absolute.
 */
function besideCheckpoint(checkpointKey: string, recorded: string): string {
  const dir = checkpointKey.slice(0, checkpointKey.lastIndexOf('/') + 1);
  const at = Math.max(recorded.lastIndexOf('/batches/'), recorded.lastIndexOf('/shards/'));
  if (at < 0) throw new StagingError(`${checkpointKey}: unexpected staging key ${recorded}`);
  return `${dir}${recorded.slice(at + 1)}`;
}

/** What one unit (account × day × region) of a staging area holds: its shards, and the collect ledgers. */
interface StagedUnit {
  readonly checkpointKey: string;
  readonly batches: readonly string[];
  readonly sources: readonly RecordSource[];
  readonly ledgers: readonly LedgerState[];
  readonly objects: readonly (InputObject & { readonly digest: DigestStatus })[];
}

/** Reads one checkpoint and its batch manifests: the region's shards and what collection counted. */
async function readStagedUnit(store: ObjectStore, key: string): Promise<StagedUnit> {
  const checkpoint = parseCheckpoint(
    JSON.parse(Buffer.from(await store.get(key)).toString('utf8')),
    store.uri(key),
  );
  const sources: RecordSource[] = [];
  const ledgers: LedgerState[] = [];
  const objects: (InputObject & { digest: DigestStatus })[] = [];
  for (const batch of checkpoint.batches) {
    const manifestKey = besideCheckpoint(key, batch.manifest);
    const manifest = JSON.parse(Buffer.from(await store.get(manifestKey)).toString('utf8')) as BatchManifest;
    if (manifest.id !== batch.id)
      throw new StagingError(`${store.uri(manifestKey)}: batch id ${manifest.id} is not ${batch.id}`);
    // Raw counts of the collect stage, minus the accepted records the shards hold.
    ledgers.push({
      ...manifest.ledger,
      accepted: 0,
      records: manifest.ledger.records - manifest.ledger.accepted,
      objects: [],
      seen: null,
    });
    for (const s of manifest.sources as CollectedSource[]) {
      objects.push({
        name: s.uri,
        bytes: s.bytes,
        sha256: s.sha256,
        records: s.records,
        digest: checkpoint.digest[s.uri] ?? 'not-validated',
      });
    }
    for (const shard of batch.shards) {
      sources.push(
        store.recordSource({ key: besideCheckpoint(key, shard.key), size: shard.bytes, etag: null }),
      );
    }
  }
  return { checkpointKey: key, batches: checkpoint.batches.map((b) => b.id), sources, ledgers, objects };
}

/** The checkpoint keys under `base`, sorted: the order in which a staging area is read. */
async function checkpointKeys(store: ObjectStore, base: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(base)) if (o.key.endsWith('/checkpoint.json')) keys.push(o.key);
  return keys.sort();
}

export type { StagedUnit };
export { besideCheckpoint, checkpointKeys, readStagedUnit };
