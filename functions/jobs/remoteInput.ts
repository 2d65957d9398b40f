/**
 * @module Inputs that are not plain local files: `s3://bucket/prefix` (every log file under it)
 * and collection staging areas (local or in S3), whose committed shards are read instead of the
 * trail objects, with the collect stage's rejections and source hashes carried over.
 *
 * Totals reconcile end to end: the collect stage counted every raw record (accepted, duplicate
 * within its batch, or rejected with file and position); analysis of the shards counts the
 * accepted ones again (a record staged twice by two batches is a duplicate there). The ledger
 * handed to the merge holds the collect stage's raw sources, bytes and non-accepted records, so
 * `records = accepted + duplicates + rejected` still holds and `sources` counts trail objects.
 */

import { FsObjectStore } from '../adapters/store/FsObjectStore.js';
import { getIfExists, type ObjectStore } from '../adapters/store/ObjectStore.js';
import { S3ObjectStore } from '../adapters/store/S3ObjectStore.js';
import { createS3Client, isS3Uri, parseS3Uri } from '../adapters/store/s3Access.js';
import { type DigestStatus, StagingError, stagingPrefix } from '../core/collect/collectState.js';
import { parseTrailKey } from '../core/collect/trailLayout.js';
import { InputLedger, type InputObject, type LedgerState } from '../core/ingest/InputLedger.js';
import type { RecordSource } from '../core/ingest/types.js';
import { inOrderAhead } from '../core/shared/inOrderAhead.js';
import { READS_AHEAD, readStagedPartials, type StagedPartialRef } from './stagedPartials.js';
import { checkpointKeys, readStagedUnit, type StagedUnit } from './stagingArea.js';

const LOG_FILE = /\.(?:json|jsonl|ndjson)(?:\.gz)?$/;

/** Sources for the analysis, with what the listing stage already counted. */
interface ResolvedInput {
  /**
   * The sources, cut into the units they are analysed in: a staging area's account × day ×
   * region units (as the pipeline's map step analyses them, so both give the same Analysis),
   * otherwise one unit.
   */
  readonly units: readonly (readonly RecordSource[])[];
  /** The collect stage's ledger (staging) or the listing's (skipped objects). */
  readonly listing: LedgerState;
  /** Trail objects with hashes and digest status, when known before analysis (staging). */
  readonly objects: readonly (InputObject & { readonly digest: DigestStatus })[] | null;
  /** Shards are not trail objects: their sources and bytes are not counted again. */
  readonly staged: boolean;
  /**
   * The shards' analyses made where they were collected (the pipeline's map step), when they
   * cover exactly what the staging area holds: merged instead of reading every record again.
   */
  readonly partials?: readonly StagedPartialRef[] | null;
  /** Account failures recorded by collection (coverage gaps). */
  readonly failedAccounts: readonly { readonly account: string; readonly reason: string }[];
  /** What collection could not see (e.g. LookupEvents' 90-day limit), in plain words. */
  readonly coverageNotes: readonly string[];
}

/** Where a staging area for the tenant and period sits under `prefix`, if there is one. */
async function findStaging(
  store: ObjectStore,
  prefix: string,
  tenant: string,
  period: string | null,
): Promise<string | null> {
  const base = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
  if (await getIfExists(store, `${base}collect.json`)) return base;
  if (period) {
    const nested = `${base}${stagingPrefix(tenant, period)}`;
    if (await getIfExists(store, `${nested}collect.json`)) return nested;
  }
  return null;
}

async function readStaging(store: ObjectStore, base: string): Promise<ResolvedInput> {
  const ledger = new InputLedger();
  const units: StagedUnit[] = [];
  // A unit's checkpoint and manifests are small reads: keep several units in flight.
  const keys = await checkpointKeys(store, base);
  for await (const unit of inOrderAhead(keys, READS_AHEAD, (key) => readStagedUnit(store, key)))
    units.push(unit);
  for (const unit of units) for (const state of unit.ledgers) ledger.importState(state);
  const objects = units.flatMap((u) => u.objects);
  const partials = await readStagedPartials(store, base, units);
  const collect = JSON.parse(Buffer.from(await store.get(`${base}collect.json`)).toString('utf8')) as {
    accounts: { account: string; status: string; reason: string | null; regions: { notes?: string[] }[] }[];
  };
  return {
    units: units.map((u) => u.sources),
    listing: ledger.exportState(),
    objects,
    staged: true,
    partials,
    failedAccounts: collect.accounts
      .filter((a) => a.status !== 'ok')
      .map((a) => ({ account: a.account, reason: a.reason ?? 'collection failed' })),
    coverageNotes: [...new Set(collect.accounts.flatMap((a) => a.regions.flatMap((r) => r.notes ?? [])))],
  };
}

async function readPrefix(store: ObjectStore, prefix: string): Promise<ResolvedInput> {
  const ledger = new InputLedger();
  const sources: RecordSource[] = [];
  for await (const o of store.list(prefix)) {
    const trail = parseTrailKey(o.key);
    if (trail?.kind === 'CloudTrail-Digest') {
      ledger.skip(store.uri(o.key), 'CloudTrail digest file (hashes, not events)');
    } else if (LOG_FILE.test(o.key)) {
      sources.push(store.recordSource(o));
    } else {
      ledger.skip(store.uri(o.key), 'not a .json, .json.gz, .jsonl or .ndjson file');
    }
  }
  return {
    units: [sources],
    listing: ledger.exportState(),
    objects: null,
    staged: false,
    failedAccounts: [],
    coverageNotes: [],
  };
}

/** True when some input needs this module (an S3 URI or a staging directory). */
async function needsRemoteInput(
  inputs: readonly string[],
  tenant: string,
  period: string | null,
): Promise<boolean> {
  for (const input of inputs) {
    if (isS3Uri(input)) return true;
    if (await findStaging(new FsObjectStore(input), '', tenant, period).catch(() => null)) return true;
  }
  return false;
}

/** Resolves each input (local path, staging directory, or S3 URI) into sources, in order. */
async function resolveInputs(
  inputs: readonly string[],
  tenant: string,
  period: string | null,
): Promise<ResolvedInput> {
  const parts: ResolvedInput[] = [];
  for (const input of inputs) {
    const { store, prefix } = isS3Uri(input)
      ? (() => {
          const location = parseS3Uri(input);
          return {
            store: new S3ObjectStore(createS3Client(), location.bucket) as ObjectStore,
            prefix: location.prefix,
          };
        })()
      : { store: new FsObjectStore(input) as ObjectStore, prefix: '' };
    const staging = await findStaging(store, prefix, tenant, period);
    parts.push(staging !== null ? await readStaging(store, staging) : await readPrefix(store, prefix));
  }
  const ledger = new InputLedger();
  for (const p of parts) ledger.importState(p.listing);
  const staged = parts.some((p) => p.staged);
  if (staged && parts.some((p) => !p.staged))
    throw new StagingError(
      'a staging area cannot be analysed together with raw log files; give one or the other',
    );
  return {
    units: parts.flatMap((p) => p.units),
    listing: ledger.exportState(),
    objects: staged ? parts.flatMap((p) => p.objects ?? []) : null,
    staged,
    // Partials stand for a whole staging area: usable when it is the only input.
    partials: parts.length === 1 ? (parts[0]!.partials ?? null) : null,
    failedAccounts: parts.flatMap((p) => p.failedAccounts),
    coverageNotes: parts.flatMap((p) => p.coverageNotes),
  };
}

export type { ResolvedInput };
export { needsRemoteInput, resolveInputs };
