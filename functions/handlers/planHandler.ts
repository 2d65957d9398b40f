/**
 * @module Plan: which period this run reports on and the collection shards of the tenant.
 */
import { parsePeriod } from '../core/analysis/period.js';
import { lastCompletePeriod, periodKindOf } from '../core/schedule/schedulePeriod.js';
import { planCollectShards } from '../jobs/collectJob.js';
import { PlanEventSchema, type PlanOutput } from './events.js';
import { logger, parseEvent, tenantData } from './runtime.js';

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
  }));
  logger.info('planned', { tenant: config.id, period, runId: input.runId, shards: shards.length });
  return { tenant: config.id, period, runId: input.runId, shards };
}

export { handler };
