/**
 * @module The whole analysis of one stream of sources: ingest → identity → controls → Analysis.
 *
 * The CLI and the Lambda handlers both call this, so a local run and a cloud run are one code path.
 */
import type { TenantConfig } from '../config/tenantConfig.js';
import type { ControlCatalog } from '../controls/catalog.js';
import { RuleEngine, type RulePack } from '../controls/RuleEngine.js';
import { tenantContextOf } from '../controls/tenantContext.js';
import { IdentityResolver } from '../identity/IdentityResolver.js';
import { InputLedger } from '../ingest/InputLedger.js';
import { type IngestProgress, ingestEvents, type TimeWindow } from '../ingest/ingestEvents.js';
import type { RecordSource } from '../ingest/types.js';
import { AnalysisBuilder } from './AnalysisBuilder.js';
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
}

async function runAnalysis(options: RunAnalysisOptions): Promise<Analysis> {
  const ledger = options.ledger ?? new InputLedger();
  const resolver = new IdentityResolver(options.config);
  const engine = new RuleEngine(options.rules, tenantContextOf(options.config));
  const evidence = options.writeEvidence ? new EvidenceEncoder(options.writeEvidence) : undefined;
  const builder = new AnalysisBuilder({
    evidence,
    config: options.config,
    configHash: options.configHash,
    catalog: options.catalog,
    rules: options.rules,
    window: options.window,
    toolVersion: options.toolVersion,
  });
  let events = 0;
  const onProgress = options.onProgress;
  await ingestEvents(
    options.sources,
    {
      ledger,
      window: options.window,
      onProgress: onProgress ? (p) => onProgress({ ...p, events }) : undefined,
    },
    (event) => {
      events++;
      const attribution = resolver.attribute(event);
      return builder.add(event, attribution, engine.match(event, attribution));
    },
  );
  const last = evidence?.close();
  if (last) await last;
  return builder.finish(ledger.summary());
}

export type { RunAnalysisOptions };
export { runAnalysis };
