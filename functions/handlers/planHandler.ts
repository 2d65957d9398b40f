/**
 * @module Plan: which period this run reports on and the collection shards of the tenant
 * (account × day × region), written to staging for the Distributed Map to read.
 */
import { parsePeriod } from '../core/analysis/period.js';
import { stagingPrefix } from '../core/collect/collectState.js';
import { lastCompletePeriod, periodKindOf } from '../core/schedule/schedulePeriod.js';
import { planCollectShards, shardName } from '../jobs/collectJob.js';
import { PlanEventSchema, type PlanOutput } from './events.js';
import { logger, parseEvent, runtimeEnv, stagingStore, tenantData } from './runtime.js';

async function handler(event: unknown): Promise<PlanOutput> {
  const input = parseEvent(PlanEventSchema, event, 'plan');
  const { config } = await tenantData(input.tenant);
  const period =
    input.period ?? lastCompletePeriod(periodKindOf(config), new Date(input.scheduledTime as string));
  const shards = planCollectShards(config, parsePeriod(period)).map((s) => ({
    tenant: config.id,
    period,
    runId: input.runId,
    account: s.account,
    ...(s.day ? { day: s.day } : {}),
    ...(s.region ? { region: s.region } : {}),
    name: shardName(s),
  }));
  // The list goes to staging, not into the state: accounts × days × regions exceed the 256 KiB
  // a Step Functions state may carry; the Distributed Map reads its items from here.
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
