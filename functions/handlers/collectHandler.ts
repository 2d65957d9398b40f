/**
 * @module Collect one shard (an account, or one region of it) into the staging bucket. Input: a
 * Distributed Map item; output: where its outcome and staging data are.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parsePeriod } from '../core/analysis/period.js';
import { regionPrefix, stagingPrefix } from '../core/collect/collectState.js';
import { collectShard } from '../jobs/collectJob.js';
import { trailOpener } from '../jobs/openTrail.js';
import { analyzeStagedShard } from '../jobs/stagedPartials.js';
import { ShardEventSchema } from './events.js';
import { logger, metrics, parseEvent, runtimeEnv, stagingStore, tenantData } from './runtime.js';

interface CollectOutput {
  readonly account: string;
  readonly region?: string;
  readonly status: 'ok' | 'partial' | 'failed';
  readonly reason: string | null;
  readonly records: number;
  /** Key of the shard's outcome record (read by the report step). */
  readonly outcomeKey: string;
  /** Staging keys of the shard's checkpoints (each lists its batch manifests and shards). */
  readonly checkpointKeys: readonly string[];
  readonly stagingPrefix: string;
  /** The shard's partial analysis, merged by the Report step (null when nothing could be staged). */
  readonly partialKey: string | null;
}

async function handler(event: unknown): Promise<CollectOutput> {
  const shard = parseEvent(ShardEventSchema, event, 'collect');
  const env = runtimeEnv();
  const data = await tenantData(shard.tenant, env);
  const window = parsePeriod(shard.period);
  const staging = stagingStore(env);
  const { outcome, outcomeKey } = await collectShard(
    {
      config: data.config,
      window,
      staging,
      openTrail: trailOpener(data.config, data.configFile, window, { requireRole: true }),
      runId: shard.runId,
    },
    shard,
  );
  const records = outcome.regions.reduce((n, r) => n + r.accepted, 0);
  // The map step analyses its shard too (every batch staged so far), so Report only merges.
  const partial =
    outcome.regions.length > 0 ? await analyzeStagedShard({ staging, data, window, shard }) : null;
  metrics.addDimension('tenant', shard.tenant);
  metrics.addMetric('RecordsCollected', MetricUnit.Count, records);
  metrics.addMetric(
    'ObjectsRead',
    MetricUnit.Count,
    outcome.regions.reduce((n, r) => n + r.read, 0),
  );
  metrics.addMetric('ShardFailures', MetricUnit.Count, outcome.status === 'ok' ? 0 : 1);
  metrics.publishStoredMetrics();
  (outcome.status === 'ok' ? logger.info : logger.warn).call(logger, 'collected', {
    tenant: shard.tenant,
    period: shard.period,
    account: shard.account,
    region: shard.region,
    status: outcome.status,
    reason: outcome.reason,
    records,
  });
  return {
    account: shard.account,
    ...(shard.region ? { region: shard.region } : {}),
    status: outcome.status,
    reason: outcome.reason,
    records,
    outcomeKey,
    checkpointKeys: outcome.regions.map(
      (r) => `${regionPrefix(shard.tenant, shard.period, shard.account, r.region)}checkpoint.json`,
    ),
    stagingPrefix: stagingPrefix(shard.tenant, shard.period),
    partialKey: partial?.key ?? null,
  };
}

export type { CollectOutput };
export { handler };
