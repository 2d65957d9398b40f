/**
 * @module Collect one shard (an account's day in one region or in all; for LookupEvents, an
 * account's region over the period) into the staging bucket and analyse each unit it staged. Input: a Distributed Map item; output: where its outcome and staging data are.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parsePeriod } from '../core/analysis/period.js';
import { stagingPrefix, unitPrefix } from '../core/collect/collectState.js';
import { collectShard } from '../jobs/collectJob.js';
import { trailOpener } from '../jobs/openTrail.js';
import { analyzeStagedUnit } from '../jobs/stagedPartials.js';
import { ShardEventSchema } from './events.js';
import { logger, metrics, parseEvent, runtimeEnv, stagingStore, tenantData } from './runtime.js';

interface CollectOutput {
  readonly account: string;
  readonly day?: string;
  readonly region?: string;
  readonly status: 'ok' | 'partial' | 'failed';
  readonly reason: string | null;
  readonly records: number;
  /** Key of the shard's outcome record (read by the report step). */
  readonly outcomeKey: string;
  /** Staging keys of the shard's checkpoints (each lists its batch manifests and shards). */
  readonly checkpointKeys: readonly string[];
  readonly stagingPrefix: string;
  /** The partial analyses of the shard's units (one per checkpoint), merged by the Report step. */
  readonly partialKeys: readonly string[];
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
  const checkpointKeys = outcome.regions
    .filter((r) => r.committedBatches > 0)
    .map((r) => `${unitPrefix({ ...shard, day: r.day, region: r.region })}checkpoint.json`);
  // The map step analyses its units too (every batch staged so far), so Report only merges.
  const partialKeys: string[] = [];
  for (const checkpointKey of checkpointKeys)
    partialKeys.push((await analyzeStagedUnit({ staging, data, window, checkpointKey })).key);
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
    day: shard.day,
    region: shard.region,
    status: outcome.status,
    reason: outcome.reason,
    records,
  });
  return {
    account: shard.account,
    ...(shard.day ? { day: shard.day } : {}),
    ...(shard.region ? { region: shard.region } : {}),
    status: outcome.status,
    reason: outcome.reason,
    records,
    outcomeKey,
    checkpointKeys,
    stagingPrefix: stagingPrefix(shard.tenant, shard.period),
    partialKeys,
  };
}

export type { CollectOutput };
export { handler };
