/**
 * @module What collection records in the staging area, and where.
 *
 * Collection is cut into account × day × region units (the day a trail file was delivered, or
 * for LookupEvents the day of its events), each with its own checkpoint, so that units can run
 * in parallel and a month of one busy account is many small pieces of work, not one.
 *
 * Layout under `staging/<tenant>/<period>/`, with `<unit>` = `<account>/<YYYY-MM-DD>/<region>/`:
 * - `<unit>shards/<batch>-<nnnn>.ndjson.gz`: the accepted records, one compact CloudTrail record
 *   per line, in source order;
 * - `<unit>batches/<batch>.json`: a batch's manifest: the source objects it read (size, ETag,
 *   SHA-256, records), its shards (records, size, SHA-256) and its input ledger (rejections with
 *   file and position);
 * - `<unit>checkpoint.json`: the batches committed so far. The next run reads only objects no
 *   committed batch has read, and analysis reads only committed shards;
 * - `collect.json`: the last run's outcome per account and region (failures are coverage gaps).
 *
 * Sorted checkpoint keys give the order records are analysed in: account, day, region.
 *
 * A batch is committed by writing its manifest after its shards, and the checkpoint after the
 * manifest. A run killed before the manifest leaves orphan shards that nothing reads; one killed
 * between manifest and checkpoint is folded in by the next run. The batch id is a hash of the
 * objects it reads, so redoing a batch overwrites the same shards: no loss, no double count.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { LedgerState } from '../ingest/InputLedger.js';

const CHECKPOINT_SCHEMA = 'trailproof/checkpoint@2';
const BATCH_SCHEMA = 'trailproof/collect-batch@2';
const COLLECT_SCHEMA = 'trailproof/collect@2';

const DIGEST_STATUS = z.enum(['verified', 'not-covered', 'failed', 'not-validated']);

const sourceSchema = z.object({
  key: z.string(),
  /** `s3://bucket/key` or a path: how reports and manifests name the object. */
  uri: z.string(),
  etag: z.string().nullable(),
  bytes: z.number(),
  sha256: z.string(),
  /** SHA-256 of the uncompressed content: what CloudTrail digest files list. */
  contentSha256: z.string().nullable().default(null),
  records: z.number(),
});

const shardSchema = z.object({
  key: z.string(),
  records: z.number(),
  bytes: z.number(),
  sha256: z.string(),
});

const batchRefSchema = z.object({
  id: z.string(),
  manifest: z.string(),
  shards: z.array(shardSchema),
  sources: z.array(sourceSchema),
});

const checkpointSchema = z.object({
  schema: z.literal(CHECKPOINT_SCHEMA),
  tenant: z.string(),
  period: z.string(),
  account: z.string(),
  /** UTC day `YYYY-MM-DD`: of delivery (trail files) or of the events (LookupEvents). */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  region: z.string(),
  batches: z.array(batchRefSchema),
  /** LookupEvents: events up to this instant were fetched (the next run starts there). */
  fetchedUntil: z.string().nullable().default(null),
  /** Digest validation of every source read so far, by source URI (`uri` of the batches' sources). */
  digest: z.record(z.string(), DIGEST_STATUS).default({}),
  digestProblems: z.array(z.string()).default([]),
});

type Checkpoint = z.infer<typeof checkpointSchema>;
type DigestStatus = z.infer<typeof DIGEST_STATUS>;
type CollectedSource = z.infer<typeof sourceSchema>;
type CollectedShard = z.infer<typeof shardSchema>;
type BatchRef = z.infer<typeof batchRefSchema>;

interface BatchManifest {
  readonly schema: typeof BATCH_SCHEMA;
  readonly id: string;
  readonly tenant: string;
  readonly period: string;
  readonly account: string;
  readonly day: string;
  readonly region: string;
  readonly sources: readonly CollectedSource[];
  readonly shards: readonly CollectedShard[];
  /** The batch's input ledger: counts, rejections with positions, sources that failed to read. */
  readonly ledger: LedgerState;
}

/** A staging file that is not what this version wrote; names the file and the field. */
class StagingError extends Error {
  override name = 'StagingError' as const;
}

function parseCheckpoint(data: unknown, where: string): Checkpoint {
  const parsed = checkpointSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StagingError(
      `${where}: not a Trailproof checkpoint (${issue.path.join('.') || 'top level'}: ${issue.message})`,
    );
  }
  return parsed.data;
}

function emptyCheckpoint(unit: CollectUnit): Checkpoint {
  return {
    schema: CHECKPOINT_SCHEMA,
    ...unit,
    batches: [],
    fetchedUntil: null,
    digest: {},
    digestProblems: [],
  };
}

/** A batch id that depends only on the objects read: the same objects always make the same batch. */
function batchIdOf(objects: readonly { key: string; etag: string | null }[]): string {
  const hash = createHash('sha256');
  for (const o of [...objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    hash.update(`${o.key}\u0000${o.etag ?? ''}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** `key\0etag` of every source the checkpoint's batches read. */
function readSources(checkpoint: Checkpoint): Set<string> {
  const out = new Set<string>();
  for (const b of checkpoint.batches) for (const s of b.sources) out.add(`${s.key}\u0000${s.etag ?? ''}`);
  return out;
}

function stagingPrefix(tenant: string, period: string): string {
  return `staging/${tenant}/${period.replace(/[^0-9A-Za-z-]/g, '_')}/`;
}

/** One unit of staged collection: its checkpoint, batches and shards sit under {@link unitPrefix}. */
interface CollectUnit {
  readonly tenant: string;
  readonly period: string;
  readonly account: string;
  readonly day: string;
  readonly region: string;
}

function unitPrefix(unit: CollectUnit): string {
  return `${stagingPrefix(unit.tenant, unit.period)}${unit.account}/${unit.day}/${unit.region}/`;
}

export type {
  BatchManifest,
  BatchRef,
  Checkpoint,
  CollectedShard,
  CollectedSource,
  CollectUnit,
  DigestStatus,
};
export {
  BATCH_SCHEMA,
  batchIdOf,
  CHECKPOINT_SCHEMA,
  COLLECT_SCHEMA,
  emptyCheckpoint,
  parseCheckpoint,
  readSources,
  StagingError,
  stagingPrefix,
  unitPrefix,
};
