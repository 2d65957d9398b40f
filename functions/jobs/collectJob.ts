/**
 * @module Collect job: every CloudTrail record of a period from each account and region of a
 * tenant, read once, into bounded NDJSON.gz shards in the staging area (layout and commit
 * protocol in core/collect/collectState.ts).
 *
 * Work is cut into account × day × region units (see collectState.ts), planned as shards: for
 * trail files, account × day of delivery (× region when the config lists regions) — each day
 * of the period and the day after it, whose files still hold the period's last events; for
 * LookupEvents, account × region over the period's days in turn, since its request quota is
 * per account and region and parallel days would only throttle each other. Per unit it lists
 * only that day's prefix (or asks LookupEvents for that day), skips the objects committed
 * batches already read, ingests the rest (validation, period filter, dedupe; every record
 * accepted or rejected with file and position), writes shards, then commits the batch. A
 * failure of one unit is recorded with its reason and the run goes on.
 */

import { createHash } from 'node:crypto';
import { createGunzip, type Gunzip } from 'node:zlib';
import { getIfExists, type ObjectStore, type StoredObject } from '../adapters/store/ObjectStore.js';
import {
  BATCH_SCHEMA,
  type BatchManifest,
  type BatchRef,
  batchIdOf,
  type Checkpoint,
  COLLECT_SCHEMA,
  type CollectedSource,
  type CollectUnit,
  emptyCheckpoint,
  parseCheckpoint,
  readSources,
  stagingPrefix,
  unitPrefix,
} from '../core/collect/collectState.js';
import {
  type CloudTrailPublicKey,
  type DigestObject,
  logFileContentSha256,
  validateDigestChain,
} from '../core/collect/digestValidation.js';
import { ShardWriter } from '../core/collect/ShardWriter.js';
import {
  dayPrefix,
  dayWindow,
  deliveryDays,
  eventDays,
  parseTrailKey,
  regionsPrefix,
  type TrailLocation,
} from '../core/collect/trailLayout.js';
import type { TenantAccount, TenantConfig } from '../core/config/tenantConfig.js';
import { InputLedger } from '../core/ingest/InputLedger.js';
import { ingestEvents, type TimeWindow } from '../core/ingest/ingestEvents.js';
import type { RecordSource } from '../core/ingest/types.js';

/**
 * Passes a source through while computing the SHA-256 of its uncompressed content, which is
 * what CloudTrail's digest files list (the stored bytes are hashed by ingest itself).
 */
function hashingSource(source: RecordSource, hashes: Map<string, string>): RecordSource {
  return {
    ...source,
    readAll: source.readAll
      ? async () => {
          const bytes = await source.readAll!();
          if (bytes) hashes.set(source.name, logFileContentSha256(bytes));
          return bytes;
        }
      : undefined,
    open: () => hashStream(source.open(), (sha256) => hashes.set(source.name, sha256)),
  };
}

async function* hashStream(
  chunks: AsyncIterable<Uint8Array>,
  done: (sha256: string) => void,
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let gunzip: Gunzip | null | undefined;
  let broken = false;
  for await (const chunk of chunks) {
    if (gunzip === undefined) {
      gunzip = chunk[0] === 0x1f && chunk[1] === 0x8b ? createGunzip() : null;
      gunzip?.on('data', (d: Buffer) => hash.update(d));
      gunzip?.on('error', () => {
        broken = true;
      });
    }
    if (gunzip) gunzip.write(chunk);
    else hash.update(chunk);
    yield chunk;
  }
  if (gunzip) await new Promise<void>((resolve) => gunzip!.end(resolve));
  // A corrupt object has no content hash; the digest check then reports it as failed or missing.
  if (!broken) done(hash.digest('hex'));
}

/** Log files CloudTrail writes (digest files sit in their own tree and are never records). */
const LOG_FILE = /\.json(?:\.gz)?$/;

/** One account × day × region unit of a shard. */
interface RegionOutcome {
  readonly account: string;
  readonly day: string;
  readonly region: string;
  readonly status: 'ok' | 'failed';
  readonly reason: string | null;
  /** Objects listed for the period, and of those the ones read by this run. */
  readonly listed: number;
  readonly read: number;
  /** Records this run accepted into new shards. */
  readonly accepted: number;
  readonly rejected: number;
  readonly batch: string | null;
  readonly committedBatches: number;
  /** What this source cannot show (LookupEvents: management events only, 90 days). */
  readonly notes: readonly string[];
  /** Log-file integrity of every object read for the period so far (null: not validated). */
  readonly digest: {
    readonly counts: Readonly<Record<string, number>>;
    readonly problems: readonly string[];
  } | null;
}

/** A region over the whole period: its units' outcomes added up. */
interface RegionSummary {
  readonly account: string;
  readonly region: string;
  /** `partial`: some days failed (named in `failedDays` and the reason). */
  readonly status: 'ok' | 'partial' | 'failed';
  readonly reason: string | null;
  readonly days: number;
  readonly failedDays: readonly string[];
  readonly listed: number;
  readonly read: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly committedBatches: number;
  readonly notes: readonly string[];
  readonly digest: RegionOutcome['digest'];
}

/** What collecting an account gave: per unit in a shard's outcome, per region in `collect.json`. */
interface AccountOutcome<Region = RegionOutcome> {
  readonly account: string;
  readonly name: string;
  readonly source: 's3' | 'files' | 'lookupEvents';
  readonly status: 'ok' | 'partial' | 'failed';
  readonly reason: string | null;
  readonly regions: readonly Region[];
}

interface CollectRun {
  readonly schema: typeof COLLECT_SCHEMA;
  readonly tenant: string;
  readonly period: string;
  readonly window: { readonly from: string; readonly to: string };
  readonly accounts: readonly AccountOutcome<RegionSummary>[];
  readonly totals: {
    readonly read: number;
    readonly accepted: number;
    readonly rejected: number;
    /** Account × day (× region) units that failed: each is a gap in the report. */
    readonly failedUnits: number;
  };
}

/** Where an account's trail files are, and the store to read them with (or why there is none). */
type TrailAccess =
  | {
      readonly kind: 'store';
      readonly store: ObjectStore;
      readonly location: TrailLocation;
      /**
       * CloudTrail's public keys for a region (ListPublicKeys): given for S3 trails, whose digest
       * files are then validated. Local copies lack the digests' S3 metadata signatures.
       */
      readonly publicKeys?: (region: string) => Promise<readonly CloudTrailPublicKey[]>;
    }
  | {
      readonly kind: 'lookupEvents';
      /** A LookupEvents reader of one region and window (paced per account-region by the adapter). */
      readonly source: (
        region: string,
        window: { startMs: number; endMs: number },
      ) => RecordSource & {
        readonly limits: readonly { readonly code: string; readonly message: string }[];
      };
    }
  | { readonly kind: 'unsupported'; readonly reason: string };

interface CollectJobOptions {
  readonly config: TenantConfig;
  readonly window: TimeWindow;
  /** Where the staging area is written (a bucket or a local directory). */
  readonly staging: ObjectStore;
  /** Opens an account's trail location (assumes its role); a throw is that account's failure. */
  readonly openTrail: (account: TenantAccount) => Promise<TrailAccess>;
  readonly shardLimits?: { readonly maxBytes?: number; readonly maxRecords?: number };
  /** Objects read ahead in parallel per region. @default 16 */
  readonly readAhead?: number;
  /**
   * Objects per committed batch. Each batch is read, sharded and committed on its own, so the
   * working set of a region stays bounded however many objects it has, and a stopped run loses
   * at most one batch of work. @default 1000
   */
  readonly batchObjects?: number;
  readonly onProgress?: (message: string) => void;
  /** Current time, for LookupEvents windows (events appear there minutes after they happen). @default Date.now */
  readonly now?: () => number;
  /**
   * Names the run (e.g. the Step Functions execution) in shard outcomes, so that `finishCollect`
   * never mistakes an earlier run's outcome for a shard that failed in this one.
   */
  readonly runId?: string;
}

/** LookupEvents shows an event some minutes after it happened: windows end this long before now. */
const LOOKUP_SETTLE_MS = 20 * 60_000;

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { Code?: string; name: string }).Code ?? error.name;
    return code && code !== 'Error' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}

async function loadCheckpoint(
  staging: ObjectStore,
  unit: CollectUnit,
): Promise<{ checkpoint: Checkpoint; folded: boolean }> {
  const key = `${unitPrefix(unit)}checkpoint.json`;
  const bytes = await getIfExists(staging, key);
  const checkpoint = bytes
    ? parseCheckpoint(JSON.parse(Buffer.from(bytes).toString('utf8')), staging.uri(key))
    : emptyCheckpoint(unit);
  // Batches whose manifest was written but not yet recorded (a run stopped in between).
  const known = new Set(checkpoint.batches.map((b) => b.id));
  for await (const o of staging.list(`${unitPrefix(unit)}batches/`)) {
    const id = o.key.slice(o.key.lastIndexOf('/') + 1).replace(/\.json$/, '');
    if (known.has(id)) continue;
    const manifest = JSON.parse(Buffer.from(await staging.get(o.key)).toString('utf8')) as BatchManifest;
    checkpoint.batches.push({
      id,
      manifest: o.key,
      shards: [...manifest.shards],
      sources: [...manifest.sources],
    });
  }
  const folded = checkpoint.batches.length > known.size;
  checkpoint.batches.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { checkpoint, folded };
}

async function saveCheckpoint(staging: ObjectStore, checkpoint: Checkpoint): Promise<void> {
  const key = `${unitPrefix(checkpoint)}checkpoint.json`;
  await staging.put(key, Buffer.from(`${JSON.stringify(checkpoint, null, 1)}\n`), {
    contentType: 'application/json',
  });
}

/** Log files one region delivered on one day, in key order. */
async function listDayObjects(
  store: ObjectStore,
  location: TrailLocation,
  region: string,
  day: string,
): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  for await (const o of store.list(dayPrefix(location, region, day).prefix)) {
    if (LOG_FILE.test(o.key) && parseTrailKey(o.key)?.kind === 'CloudTrail') out.push(o);
  }
  return out;
}

interface BatchOutcome {
  readonly batch: string;
  readonly read: number;
  readonly unread: number;
  readonly accepted: number;
  readonly rejected: number;
}

/** One input of a batch: its identity (key and ETag) and how to read it. */
interface BatchItem {
  readonly key: string;
  readonly etag: string | null;
  readonly source: RecordSource;
}

/** Reads `items` into shards and commits them as one batch (manifest, then checkpoint). */
async function collectBatch(
  options: CollectJobOptions,
  checkpoint: Checkpoint,
  items: readonly BatchItem[],
  contentHashes: ReadonlyMap<string, string> = new Map(),
): Promise<BatchOutcome> {
  const { staging, window } = options;
  const { tenant, period, account, day, region } = checkpoint;
  const base = unitPrefix(checkpoint);
  const batch = batchIdOf(items);
  const ledger = new InputLedger();
  const shardKey = (index: number) => `${base}shards/${batch}-${String(index).padStart(4, '0')}.ndjson.gz`;
  const writer = new ShardWriter(
    (shard, body) => staging.put(shardKey(shard.index), body, { contentType: 'application/gzip' }),
    options.shardLimits,
  );
  const byName = new Map(items.map((item) => [item.source.name, item]));
  await ingestEvents(
    items.map((item) => item.source),
    { ledger, window, readAhead: options.readAhead ?? 16 },
    (event) => writer.add(JSON.stringify(event.raw)),
  );
  await writer.flush();
  const objects = ledger.inputObjects();
  // Objects that could not be read completely are left out, so the next run reads them again.
  const sources: CollectedSource[] = objects
    .filter((o): o is typeof o & { sha256: string } => o.sha256 !== null)
    .map((o) => {
      const stored = byName.get(o.name)!;
      return {
        key: stored.key,
        uri: o.name,
        etag: stored.etag,
        bytes: o.bytes,
        sha256: o.sha256,
        contentSha256: contentHashes.get(o.name) ?? null,
        records: o.records,
      };
    });
  const shards = writer
    .shards()
    .map((s) => ({ key: shardKey(s.index), records: s.records, bytes: s.bytes, sha256: s.sha256 }));
  const manifestKey = `${base}batches/${batch}.json`;
  const manifest: BatchManifest = {
    schema: BATCH_SCHEMA,
    id: batch,
    tenant,
    period,
    account,
    day,
    region,
    sources,
    shards,
    ledger: ledger.exportState(),
  };
  await staging.put(manifestKey, Buffer.from(`${JSON.stringify(manifest)}\n`), {
    contentType: 'application/json',
  });
  const ref: BatchRef = { id: batch, manifest: manifestKey, shards, sources };
  checkpoint.batches = [...checkpoint.batches.filter((b) => b.id !== batch), ref].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  await saveCheckpoint(staging, checkpoint);
  return {
    batch,
    read: sources.length,
    unread: objects.length - sources.length,
    accepted: ledger.accepted,
    rejected: ledger.rejected,
  };
}

/**
 * Checks every object a unit read against the trail's digest files: signatures, chain links,
 * and each log file's content hash. Digests are hourly, so the day's last files are listed by
 * the first digest of the next day: the digests of both days are read, which also checks the
 * link between the two days' chains (the next unit checks the link after that). Digests name
 * files of the neighbouring days too; only files of this unit's day are expected to be read.
 */
async function validateUnitDigests(
  access: Extract<TrailAccess, { kind: 'store' }>,
  checkpoint: Checkpoint,
): Promise<NonNullable<RegionOutcome['digest']>> {
  const { store, location } = access;
  const { region, day } = checkpoint;
  const digests: DigestObject[] = [];
  const nextDay = new Date(dayWindow(day).endMs).toISOString().slice(0, 10);
  for (const digestDay of [day, nextDay]) {
    for await (const o of store.list(dayPrefix(location, region, digestDay, 'CloudTrail-Digest').prefix)) {
      if (!o.key.endsWith('.json.gz')) continue;
      const { body, metadata } = await store.getWithMetadata(o.key);
      digests.push({
        bucket: location.bucket,
        key: o.key,
        bytes: body,
        signature: metadata.signature ?? null,
        signatureAlgorithm: metadata['signature-algorithm'] ?? null,
      });
    }
  }
  const logFiles = new Map<string, string>();
  const unhashed: string[] = [];
  for (const b of checkpoint.batches)
    for (const s of b.sources) {
      if (s.contentSha256) logFiles.set(`s3://${location.bucket}/${s.key}`, s.contentSha256);
      else unhashed.push(s.uri);
    }
  let publicKeys: readonly CloudTrailPublicKey[];
  try {
    publicKeys = await access.publicKeys!(region);
  } catch (error) {
    // Without CloudTrail's keys nothing can be verified: say so, keep the collected data.
    const statuses = Object.fromEntries(
      checkpoint.batches.flatMap((b) => b.sources.map((s) => [s.uri, 'not-validated' as const])),
    );
    checkpoint.digest = statuses;
    checkpoint.digestProblems = [
      `CloudTrail public keys unavailable (ListPublicKeys in ${region}: ${describeError(error)})`,
    ];
    return { counts: { 'not-validated': Object.keys(statuses).length }, problems: checkpoint.digestProblems };
  }
  const result = validateDigestChain({ digests, publicKeys, logFiles });
  const readDay = dayPrefix(location, region, day).prefix;
  const readHere = (uri: string) => {
    const key = uri.slice(`s3://${location.bucket}/`.length);
    return key.slice(0, key.lastIndexOf('/') + 1) === readDay;
  };
  const statuses: Record<string, 'verified' | 'failed' | 'not-covered' | 'not-validated'> = {};
  const byKey = new Map(
    checkpoint.batches.flatMap((b) => b.sources.map((s) => [`s3://${location.bucket}/${s.key}`, s.uri])),
  );
  for (const f of result.logFiles) statuses[byKey.get(f.uri) ?? f.uri] = f.status;
  for (const uri of unhashed) statuses[uri] = 'not-validated';
  const problems = result.problems
    // Files of the neighbouring days, listed by the first and last digests, are other units' work.
    .filter((p) => !(p.kind === 'log-file-missing' && p.logFile && !readHere(p.logFile)))
    .map((p) => p.message);
  checkpoint.digest = statuses;
  checkpoint.digestProblems = problems;
  const counts: Record<string, number> = {};
  for (const status of Object.values(statuses)) counts[status] = (counts[status] ?? 0) + 1;
  const missing = result.missingLogFiles.filter((m) => readHere(m.uri)).length;
  if (missing) counts.missing = missing;
  return { counts, problems };
}

async function collectRegion(
  options: CollectJobOptions,
  access: Extract<TrailAccess, { kind: 'store' }>,
  region: string,
  day: string,
): Promise<RegionOutcome> {
  const { config, window, staging } = options;
  const { store, location } = access;
  const account = location.account;
  const unit = { tenant: config.id, period: window.label, account, day, region };
  const { checkpoint, folded } = await loadCheckpoint(staging, unit);
  const listed = await listDayObjects(store, location, region, day);
  const done = readSources(checkpoint);
  const fresh = listed.filter((o) => !done.has(`${o.key}\u0000${o.etag ?? ''}`));
  let batch: BatchOutcome | null = null;
  if (fresh.length) {
    options.onProgress?.(
      `${account}/${day}/${region}: reading ${fresh.length} new object(s) of ${listed.length}`,
    );
    const size = Math.max(1, options.batchObjects ?? 1000);
    for (let i = 0; i < fresh.length; i += size) {
      const hashes = new Map<string, string>();
      const items = fresh.slice(i, i + size).map((o) => ({
        key: o.key,
        etag: o.etag,
        source: hashingSource(store.recordSource(o), hashes),
      }));
      const part = await collectBatch(options, checkpoint, items, hashes);
      batch = batch
        ? {
            batch: part.batch,
            read: batch.read + part.read,
            unread: batch.unread + part.unread,
            accepted: batch.accepted + part.accepted,
            rejected: batch.rejected + part.rejected,
          }
        : part;
    }
  } else if (folded) {
    // A batch committed by its manifest but not yet by the checkpoint: record it now.
    await saveCheckpoint(staging, checkpoint);
  }
  let digest: RegionOutcome['digest'] = null;
  if (access.publicKeys && checkpoint.batches.length) {
    digest = await validateUnitDigests(access, checkpoint);
    await saveCheckpoint(staging, checkpoint);
  }
  const unread = batch?.unread ?? 0;
  return unitOutcome(
    unit,
    batch,
    { listed: listed.length, committedBatches: checkpoint.batches.length, notes: [], digest },
    unread ? `${unread} object(s) could not be read completely; the next run retries them` : null,
  );
}

/**
 * A day of a region read through LookupEvents (the day of the events, within the period): from
 * where the last run stopped (`fetchedUntil`) to the end of the day or shortly before now, as
 * one batch; the window advances only when the whole window was read.
 */
async function collectLookupRegion(
  options: CollectJobOptions,
  access: Extract<TrailAccess, { kind: 'lookupEvents' }>,
  account: string,
  region: string,
  day: string,
): Promise<RegionOutcome> {
  const { config, window, staging } = options;
  const unit = { tenant: config.id, period: window.label, account, day, region };
  const { checkpoint, folded } = await loadCheckpoint(staging, unit);
  const whole = dayWindow(day);
  const dayStart = Math.max(window.startMs, whole.startMs);
  const dayEnd = Math.min(window.endMs, whole.endMs);
  const fetched = checkpoint.fetchedUntil ? Date.parse(checkpoint.fetchedUntil) : dayStart;
  const from = Math.max(dayStart, fetched);
  const to = Math.min(dayEnd, (options.now ?? Date.now)() - LOOKUP_SETTLE_MS);
  // What LookupEvents cannot show of the period is said once, by the unit of its first day
  // ("management events only" is said once per account by the coverage statement itself).
  const notes =
    dayStart === window.startMs
      ? access
          .source(region, { startMs: window.startMs, endMs: window.endMs })
          .limits.filter((l) => l.code !== 'management-events-only')
          .map((l) => l.message)
      : [];
  let batch: BatchOutcome | null = null;
  if (from < to) {
    const part = access.source(region, { startMs: from, endMs: to });
    options.onProgress?.(
      `${account}/${region}: LookupEvents ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`,
    );
    batch = await collectBatch(options, checkpoint, [{ key: part.name, etag: null, source: part }]);
    if (batch.unread === 0) {
      checkpoint.fetchedUntil = new Date(to).toISOString();
      await saveCheckpoint(staging, checkpoint);
    }
  } else if (folded) {
    await saveCheckpoint(staging, checkpoint);
  }
  return unitOutcome(
    unit,
    batch,
    { listed: batch ? 1 : 0, committedBatches: checkpoint.batches.length, notes, digest: null },
    batch?.unread ? 'LookupEvents could not be read to the end of the window; the next run retries it' : null,
  );
}

async function regionsOf(
  config: TenantConfig,
  store: ObjectStore,
  location: TrailLocation,
): Promise<string[]> {
  if (config.regions?.length) return [...config.regions].sort();
  // One delimiter listing per account: the regions the trail delivers for.
  const prefixes = await store.listPrefixes(regionsPrefix(location));
  return prefixes.map((p) => p.slice(0, -1).slice(p.slice(0, -1).lastIndexOf('/') + 1)).filter(Boolean);
}

function sourceKindOf(account: TenantAccount): AccountOutcome['source'] {
  return 's3' in account.source ? 's3' : 'files' in account.source ? 'files' : 'lookupEvents';
}

/** Collects one shard's units: its days (one, or the period's) × its region or every region. */
async function collectAccount(
  options: CollectJobOptions,
  account: TenantAccount,
  shard: CollectShard,
): Promise<AccountOutcome> {
  const head = { account: account.id, name: account.name, source: sourceKindOf(account) } as const;
  let access: TrailAccess;
  try {
    access = await options.openTrail(account);
  } catch (error) {
    return { ...head, status: 'failed', reason: describeError(error), regions: [] };
  }
  if (access.kind === 'unsupported') return { ...head, status: 'failed', reason: access.reason, regions: [] };
  if (access.kind === 'lookupEvents') {
    if (!options.config.regions?.length) {
      return {
        ...head,
        status: 'failed',
        reason: 'LookupEvents is per region: list the regions in the tenant config',
        regions: [],
      };
    }
    const outcomes: RegionOutcome[] = [];
    for (const region of shard.region ? [shard.region] : [...options.config.regions].sort()) {
      for (const day of shard.day ? [shard.day] : eventDays(options.window)) {
        try {
          outcomes.push(await collectLookupRegion(options, access, account.id, region, day));
        } catch (error) {
          outcomes.push(failedUnit(account.id, day, region, describeError(error)));
        }
      }
    }
    return summarise(head, outcomes, 0);
  }
  let regions: string[];
  try {
    regions = shard.region ? [shard.region] : await regionsOf(options.config, access.store, access.location);
  } catch (error) {
    return {
      ...head,
      status: 'failed',
      reason: `listing ${access.store.uri(regionsPrefix(access.location))}: ${describeError(error)}`,
      regions: [],
    };
  }
  if (!regions.length) {
    return {
      ...head,
      status: 'failed',
      reason: `no CloudTrail files under ${access.store.uri(regionsPrefix(access.location))}`,
      regions: [],
    };
  }
  const outcomes: RegionOutcome[] = [];
  for (const day of shard.day ? [shard.day] : deliveryDays(options.window)) {
    for (const region of regions) {
      try {
        outcomes.push(await collectRegion(options, access, region, day));
      } catch (error) {
        outcomes.push(failedUnit(account.id, day, region, describeError(error)));
      }
    }
  }
  return summarise(head, outcomes, 0);
}

/** A unit's outcome: `reason` says why it failed (null: it did not). */
function unitOutcome(
  unit: Pick<CollectUnit, 'account' | 'day' | 'region'>,
  batch: BatchOutcome | null,
  rest: Pick<RegionOutcome, 'listed' | 'committedBatches' | 'notes' | 'digest'>,
  reason: string | null,
): RegionOutcome {
  return {
    account: unit.account,
    day: unit.day,
    region: unit.region,
    status: reason === null ? 'ok' : 'failed',
    reason,
    listed: rest.listed,
    read: batch?.read ?? 0,
    accepted: batch?.accepted ?? 0,
    rejected: batch?.rejected ?? 0,
    batch: batch?.batch ?? null,
    committedBatches: rest.committedBatches,
    notes: rest.notes,
    digest: rest.digest,
  };
}

function failedUnit(account: string, day: string, region: string, reason: string): RegionOutcome {
  const nothing = { listed: 0, committedBatches: 0, notes: [], digest: null };
  return unitOutcome({ account, day, region }, null, nothing, reason);
}

/**
 * An account's status from its regions (units or summaries) and the shards that failed as a
 * whole (`wholeFailures`: no region outcome at all): failed only when nothing was collected.
 */
function summarise<Region extends { status: string; region: string; reason: string | null }>(
  head: Pick<AccountOutcome, 'account' | 'name' | 'source'>,
  regions: readonly Region[],
  wholeFailures: number,
  wholeReasons: readonly string[] = [],
): AccountOutcome<Region> {
  const notOk = regions.filter((r) => r.status !== 'ok');
  const failed = regions.filter((r) => r.status === 'failed');
  const reasons = [...notOk.map((r) => `${r.region}: ${r.reason}`), ...wholeReasons];
  const status =
    notOk.length === 0 && wholeFailures === 0
      ? 'ok'
      : failed.length === regions.length
        ? 'failed'
        : 'partial';
  return { ...head, status, reason: reasons.length ? reasons.join('; ') : null, regions };
}

/**
 * `reason (day, day…)`, one entry per distinct reason, in first-seen order; a null day (a shard
 * of every day) names no days.
 */
function reasonsWithDays(
  items: readonly { readonly day: string | null; readonly reason: string }[],
): string[] {
  const byReason = new Map<string, (string | null)[]>();
  for (const { day, reason } of items) byReason.set(reason, [...(byReason.get(reason) ?? []), day]);
  return [...byReason].map(([reason, days]) =>
    days.includes(null) ? reason : `${reason} (${[...new Set(days)].sort().join(', ')})`,
  );
}

/** Adds up one region's units over the period (in day order). */
function summariseRegion(units: readonly RegionOutcome[]): RegionSummary {
  const first = units[0]!;
  const failed = units.filter((u) => u.status === 'failed');
  const validated = units.filter((u) => u.digest !== null);
  const counts: Record<string, number> = {};
  for (const u of validated)
    for (const [status, n] of Object.entries(u.digest!.counts)) counts[status] = (counts[status] ?? 0) + n;
  // Neighbouring units both read the digests between their days: a problem there is said twice.
  const digest: RegionOutcome['digest'] = validated.length
    ? { counts, problems: [...new Set(validated.flatMap((u) => u.digest!.problems))] }
    : null;
  const sum = (field: 'listed' | 'read' | 'accepted' | 'rejected' | 'committedBatches') =>
    units.reduce((n, u) => n + u[field], 0);
  return {
    account: first.account,
    region: first.region,
    status: failed.length === 0 ? 'ok' : failed.length === units.length ? 'failed' : 'partial',
    reason: failed.length
      ? reasonsWithDays(failed.map((u) => ({ day: u.day, reason: u.reason ?? 'failed' }))).join('; ')
      : null,
    days: units.length,
    failedDays: failed.map((u) => u.day),
    listed: sum('listed'),
    read: sum('read'),
    accepted: sum('accepted'),
    rejected: sum('rejected'),
    committedBatches: sum('committedBatches'),
    notes: [...new Set(units.flatMap((u) => u.notes))],
    digest,
  };
}

/**
 * One piece of distributed collection work: some of an account's units. A distributed run (the
 * Step Functions map) collects shards in parallel; each shard owns its units' checkpoints, so
 * shards never write the same object.
 */
interface CollectShard {
  readonly account: string;
  /**
   * UTC day `YYYY-MM-DD` (of delivery for trail files, of the events for LookupEvents). Absent:
   * every day the period needs, in turn.
   */
  readonly day?: string;
  /** Absent: every region the config lists or the trail delivers for. */
  readonly region?: string;
}

/**
 * The shards of a period, in staging order. Trail files: per account, each day of delivery the
 * period needs (its days and the day after), per configured region — or one shard per day when
 * the config lists no regions (the shard discovers them in the trail bucket). LookupEvents: per
 * account and region, the period's days in turn (its quota is per account and region).
 */
function planCollectShards(config: TenantConfig, window: TimeWindow): CollectShard[] {
  const regions = config.regions?.length ? [...config.regions].sort() : null;
  return config.accounts.flatMap((a): CollectShard[] => {
    if (sourceKindOf(a) === 'lookupEvents')
      return regions ? regions.map((region) => ({ account: a.id, region })) : [{ account: a.id }];
    return deliveryDays(window).flatMap((day) =>
      regions ? regions.map((region) => ({ account: a.id, day, region })) : [{ account: a.id, day }],
    );
  });
}

/** `<account>[_<day>][_<region>]`: names the shard's outcome and failure record. */
function shardName(shard: CollectShard): string {
  return [shard.account, shard.day, shard.region].filter(Boolean).join('_');
}

function outcomeKey(tenant: string, period: string, shard: CollectShard): string {
  return `${stagingPrefix(tenant, period)}outcomes/${shardName(shard)}.json`;
}

/**
 * Collects one shard and records its outcome beside the staging data (for `finishCollect`).
 * @returns the outcome and the key of the shard's record
 */
async function collectShard(
  options: CollectJobOptions,
  shard: CollectShard,
): Promise<{ readonly outcome: AccountOutcome; readonly outcomeKey: string }> {
  const { config, window } = options;
  const account = config.accounts.find((a) => a.id === shard.account);
  if (!account) throw new Error(`account ${shard.account} is not in tenant ${config.id}'s config`);
  const outcome = await collectAccount(options, account, shard);
  const key = outcomeKey(config.id, window.label, shard);
  const record = { ...outcome, runId: options.runId ?? null };
  await options.staging.put(key, Buffer.from(`${JSON.stringify(record, null, 2)}\n`), {
    contentType: 'application/json',
  });
  return { outcome, outcomeKey: key };
}

/**
 * Reduces shard outcomes into the run's `collect.json`: per account, its regions added up over
 * the days. A planned shard without an outcome (its function crashed or timed out) is a gap
 * named by its day (and region), so the report says which part of the period is missing.
 * @param failures the errors of failed shards, by {@link shardName}
 */
async function finishCollect(
  options: Pick<CollectJobOptions, 'config' | 'window' | 'staging' | 'runId'>,
  shards: readonly CollectShard[],
  failures: ReadonlyMap<string, string> = new Map(),
): Promise<CollectRun> {
  const { config, window } = options;
  interface AccountParts {
    readonly units: RegionOutcome[];
    readonly whole: { readonly day: string | null; readonly reason: string }[];
    shards: number;
  }
  const byAccount = new Map<string, AccountParts>();
  for (const shard of shards) {
    const bytes = await getIfExists(options.staging, outcomeKey(config.id, window.label, shard));
    const recorded = bytes
      ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as AccountOutcome & { runId?: string | null })
      : null;
    const current = recorded && (options.runId === undefined || recorded.runId === options.runId);
    const parts = byAccount.get(shard.account) ?? { units: [], whole: [], shards: 0 };
    byAccount.set(shard.account, parts);
    parts.shards++;
    if (current && recorded.regions.length) parts.units.push(...recorded.regions);
    else if (current) parts.whole.push({ day: shard.day ?? null, reason: recorded.reason ?? 'failed' });
    else {
      const failure = failures.get(shardName(shard));
      parts.whole.push({
        day: shard.day ?? null,
        reason: `${shard.region ? `${shard.region}: ` : ''}collection did not finish${failure ? ` (${failure})` : ''}; the next run resumes it`,
      });
    }
  }
  const accounts = [...byAccount].map(([id, parts]) => {
    const account = config.accounts.find((a) => a.id === id);
    const head = {
      account: id,
      name: account?.name ?? id,
      source: account ? sourceKindOf(account) : ('s3' as const),
    };
    const regionNames = [...new Set(parts.units.map((u) => u.region))].sort();
    const regions = regionNames.map((region) =>
      summariseRegion(
        parts.units.filter((u) => u.region === region).sort((a, b) => (a.day < b.day ? -1 : 1)),
      ),
    );
    // A reason the account gave for every shard (e.g. its role cannot be assumed) needs no days.
    const wholeReasons =
      parts.whole.length === parts.shards
        ? [...new Set(parts.whole.map((w) => w.reason))]
        : reasonsWithDays(parts.whole);
    const outcome = summarise(head, regions, parts.whole.length, wholeReasons);
    return parts.whole.length === parts.shards ? { ...outcome, status: 'failed' as const } : outcome;
  });
  const units = [...byAccount.values()];
  const regions = accounts.flatMap((a) => a.regions);
  const run: CollectRun = {
    schema: COLLECT_SCHEMA,
    tenant: config.id,
    period: window.label,
    window: { from: new Date(window.startMs).toISOString(), to: new Date(window.endMs).toISOString() },
    accounts,
    totals: {
      read: regions.reduce((n, r) => n + r.read, 0),
      accepted: regions.reduce((n, r) => n + r.accepted, 0),
      rejected: regions.reduce((n, r) => n + r.rejected, 0),
      failedUnits: units.reduce(
        (n, p) => n + p.whole.length + p.units.filter((u) => u.status === 'failed').length,
        0,
      ),
    },
  };
  await options.staging.put(
    `${stagingPrefix(config.id, window.label)}collect.json`,
    Buffer.from(`${JSON.stringify(run, null, 2)}\n`),
    { contentType: 'application/json' },
  );
  return run;
}

/** Collects every shard of the tenant in turn, then writes the run's `collect.json`. */
async function collectJob(options: CollectJobOptions): Promise<CollectRun> {
  const shards = planCollectShards(options.config, options.window);
  for (const shard of shards) await collectShard(options, shard);
  return finishCollect(options, shards);
}

export type {
  AccountOutcome,
  CollectJobOptions,
  CollectRun,
  CollectShard,
  RegionOutcome,
  RegionSummary,
  TrailAccess,
};
export { collectJob, collectShard, finishCollect, planCollectShards, shardName, sourceKindOf };
