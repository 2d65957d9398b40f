/**
 * @module The whole analysis of one stream of sources: ingest → identity → controls → Analysis.
 *
 * The CLI and the Lambda handlers both call this, so a local run and a cloud run are one code path.
 * A run produces a partial analysis (plain data); partials from shards — Distributed Map items
 * or worker threads — merge in input order into the same Analysis a single run would give.
 */
import type { TenantConfig } from '../config/tenantConfig.js';
import type { ControlCatalog } from '../controls/catalog.js';
import { RuleEngine, type RulePack } from '../controls/RuleEngine.js';
import { tenantContextOf } from '../controls/tenantContext.js';
import { IdentityResolver } from '../identity/IdentityResolver.js';
import type { EventDeduplicator } from '../ingest/EventDeduplicator.js';
import { InputLedger, type LedgerState } from '../ingest/InputLedger.js';
import { type IngestProgress, ingestEvents, type TimeWindow } from '../ingest/ingestEvents.js';
import type { RecordSource } from '../ingest/types.js';
import { AnalysisBuilder, type BuilderState } from './AnalysisBuilder.js';
import { type ChunkSink, EvidenceEncoder } from './EvidenceEncoder.js';
import type { Analysis } from './types.js';

interface RunAnalysisOptions {
  readonly sources: AsyncIterable<RecordSource> | Iterable<RecordSource>;
  /** Shared with the source adapter so that unreadable paths are counted too. */
  readonly ledger?: InputLedger;
  readonly config: TenantConfig;
  readonly configHash: string | null;
  readonly catalog: ControlCatalog;
  readonly rules: RulePack;
  readonly window?: TimeWindow;
  readonly toolVersion: string;
  /**
   * Receives evidence.ndjson as byte chunks of whole lines (one line per accepted event, in
   * input order). Chunks may be kept: each is a fresh buffer.
   */
  readonly writeEvidence?: ChunkSink;
  readonly onProgress?: (progress: IngestProgress & { events: number }) => void;
  /** The eventIDs seen before these sources (several units read as one stream). */
  readonly dedupe?: EventDeduplicator;
}

const PARTIAL_SCHEMA = 'trailproof/partial@1';

/** What one shard hands to the merge step: its input ledger and its builder state. */
interface PartialAnalysis {
  readonly schema: typeof PARTIAL_SCHEMA;
  readonly input: LedgerState;
  readonly state: BuilderState;
}

/** What merging needs besides the partials (everything but the sources). */
type MergeOptions = Pick<
  RunAnalysisOptions,
  'config' | 'configHash' | 'catalog' | 'rules' | 'window' | 'toolVersion'
>;

function builderFor(options: MergeOptions, evidence?: EvidenceEncoder): AnalysisBuilder {
  return new AnalysisBuilder({
    evidence,
    config: options.config,
    configHash: options.configHash,
    catalog: options.catalog,
    rules: options.rules,
    window: options.window,
    toolVersion: options.toolVersion,
  });
}

/** Analyses one shard of sources and returns its partial state (evidence lines go to the sink). */
async function analyzePartial(options: RunAnalysisOptions): Promise<PartialAnalysis> {
  const ledger = options.ledger ?? new InputLedger();
  const resolver = new IdentityResolver(options.config);
  const engine = new RuleEngine(options.rules, tenantContextOf(options.config));
  const evidence = options.writeEvidence ? new EvidenceEncoder(options.writeEvidence) : undefined;
  const builder = builderFor(options, evidence);
  let events = 0;
  const onProgress = options.onProgress;
  await ingestEvents(
    options.sources,
    {
      ledger,
      window: options.window,
      onProgress: onProgress ? (p) => onProgress({ ...p, events }) : undefined,
      dedupe: options.dedupe,
    },
    (event) => {
      events++;
      const attribution = resolver.attribute(event);
      return builder.add(event, attribution, engine.match(event, attribution));
    },
  );
  const last = evidence?.close();
  if (last) await last;
  return { schema: PARTIAL_SCHEMA, input: ledger.exportState(), state: builder.exportState() };
}

/**
 * Merges partials one at a time, in input order, then concludes: detectors, chains, control
 * status, summary. Only the merged state is held, so partials can be loaded and dropped in turn.
 */
class PartialMerger {
  private readonly builder: AnalysisBuilder;
  private readonly ledger = new InputLedger();

  /** `listing` is the ledger of the step that listed the inputs (skipped and missing paths). */
  constructor(options: MergeOptions, listing?: LedgerState) {
    this.builder = builderFor(options);
    if (listing) this.ledger.importState(listing);
  }

  add(partial: PartialAnalysis): void {
    if (partial.schema !== PARTIAL_SCHEMA)
      throw new Error(`cannot merge a partial analysis of schema ${String(partial.schema)}`);
    this.ledger.importState(partial.input);
    this.builder.importState(partial.state);
  }

  finish(): Analysis {
    return this.builder.finish(this.ledger.summary());
  }
}

/** Merges partials in input order and concludes (see {@link PartialMerger}). */
function mergePartials(
  options: MergeOptions,
  partials: readonly PartialAnalysis[],
  listing?: LedgerState,
): Analysis {
  const merger = new PartialMerger(options, listing);
  for (const partial of partials) merger.add(partial);
  return merger.finish();
}

/** One shard, merged: the analysis of all the sources. */
async function runAnalysis(options: RunAnalysisOptions): Promise<Analysis> {
  return mergePartials(options, [await analyzePartial(options)]);
}

export type { MergeOptions, PartialAnalysis, RunAnalysisOptions };
export { analyzePartial, mergePartials, PARTIAL_SCHEMA, PartialMerger, runAnalysis };
