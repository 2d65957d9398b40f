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
  /** Receives one evidence line (JSON, no newline) per accepted event, in input order. */
  readonly writeEvidence?: (line: string) => void | Promise<void>;
  readonly onProgress?: (progress: IngestProgress & { events: number }) => void;
}

async function runAnalysis(options: RunAnalysisOptions): Promise<Analysis> {
  const ledger = options.ledger ?? new InputLedger();
  const resolver = new IdentityResolver(options.config);
  const engine = new RuleEngine(options.rules, tenantContextOf(options.config));
  const builder = new AnalysisBuilder({
    config: options.config,
    configHash: options.configHash,
    catalog: options.catalog,
    rules: options.rules,
    window: options.window,
    toolVersion: options.toolVersion,
  });
  let events = 0;
  const onProgress = options.onProgress;
  const write = options.writeEvidence;
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
      const line = builder.add(event, attribution, engine.match(event, attribution));
      return write ? write(line) : undefined;
    },
  );
  return builder.finish(ledger.summary());
}

export type { RunAnalysisOptions };
export { runAnalysis };
