/**
 * @module Plan: which period this run reports on and the collection shards of the tenant.
 */
import { parsePeriod } from '../core/analysis/period.js';
import { stagingPrefix } from '../core/collect/collectState.js';
import { lastCompletePeriod, periodKindOf } from '../core/schedule/schedulePeriod.js';
import { planCollectShards } from '../jobs/collectJob.js';
import { PlanEventSchema, type PlanOutput } from './events.js';
import { logger, parseEvent, runtimeEnv, stagingStore, tenantData } from './runtime.js';

async function handler(event: unknown): Promise<PlanOutput> {
  const input = parseEvent(PlanEventSchema, event, 'plan');
  const { config } = await tenantData(input.tenant);
  const period =
    input.period ?? lastCompletePeriod(periodKindOf(config), new Date(input.scheduledTime as string));
  parsePeriod(period);
  const shards = planCollectShards(config).map((s) => ({
    tenant: config.id,
    period,
    runId: input.runId,
    account: s.account,
    ...(s.region ? { region: s.region } : {}),
    name: s.region ? `${s.account}_${s.region}` : s.account,
  }));
  // The list goes to staging, not into the state: hundreds of accounts × regions exceed the
  // 256 KiB a Step Functions state may carry; the Distributed Map reads its items from here.
  const env = runtimeEnv();
  const shardsKey = `${stagingPrefix(config.id, period)}runs/${input.runId}/shards.json`;
  await stagingStore(env).put(shardsKey, Buffer.from(JSON.stringify(shards)), {
    contentType: 'application/json',
  });
  logger.info('planned', { tenant: config.id, period, runId: input.runId, shards: shards.length });
  return {
    tenant: config.id,
    period,
    runId: input.runId,
    shardCount: shards.length,
    stagingBucket: env.STAGING_BUCKET,
    shardsKey,
  };
}

export { handler };
