/**
 * @module Which period a scheduled run reports on, and the schedule expression of a tenant.
 *
 * Periods are UTC (CloudTrail's clock). A run reports the last period that ended at least
 * {@link DELIVERY_SETTLE_MS} before it fires, because CloudTrail delivers log files about 5 to 15
 * minutes after the calls they record; the tenant's time zone decides only when the run fires.
 */
import { isoWeekLabel, parsePeriod } from '../analysis/period.js';
import type { TenantConfig } from '../config/tenantConfig.js';

type PeriodKind = 'daily' | 'weekly' | 'monthly';

/** CloudTrail's delivery delay, with margin: a period is complete this long after it ends. */
const DELIVERY_SETTLE_MS = 60 * 60_000;
const DAY_MS = 86_400_000;

/** The label of the last complete `kind` period before `firedAt` (e.g. `2026-11-29`, `2026-W48`, `2026-10`). */
function lastCompletePeriod(kind: PeriodKind, firedAt: Date, settleMs = DELIVERY_SETTLE_MS): string {
  const t = firedAt.getTime() - settleMs;
  if (Number.isNaN(t)) throw new Error('the scheduled time is not a valid date');
  const today = Math.floor(t / DAY_MS) * DAY_MS;
  if (kind === 'daily') return new Date(today - DAY_MS).toISOString().slice(0, 10);
  if (kind === 'weekly') {
    const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS;
    return isoWeekLabel(monday - 7 * DAY_MS);
  }
  const d = new Date(t);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

/**
 * The period just before `label`, of the same kind (`2026-11-29` → `2026-11-28`, `2026-W01` →
 * the last week of the year before, `2026-01` → `2025-12`): where the change section compares from.
 * @throws PeriodError for a label that is not a day, ISO week or month
 */
function previousPeriod(label: string): string {
  const { startMs, endMs } = parsePeriod(label);
  if (/^\d{4}-\d{2}$/.test(label)) {
    const d = new Date(startMs);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  }
  const before = startMs - (endMs - startMs);
  return /W/.test(label) ? isoWeekLabel(before) : new Date(before).toISOString().slice(0, 10);
}

/** What a tenant's runs report on: its frequency, or the declared period of a cron schedule. */
function periodKindOf(config: TenantConfig): PeriodKind {
  return config.schedule?.frequency ?? config.schedule?.period ?? 'daily';
}

/** Local time of day at which frequency-based schedules fire (in the tenant's time zone). */
const DEFAULT_RUN_TIME = { hour: 6, minute: 0 };

/** The EventBridge Scheduler expression of a tenant's schedule (`cron(…)` in its time zone). */
function scheduleExpression(config: TenantConfig): string {
  const schedule = config.schedule;
  if (schedule?.cron) return `cron(${schedule.cron})`;
  const { hour, minute } = DEFAULT_RUN_TIME;
  switch (schedule?.frequency ?? 'daily') {
    case 'daily':
      return `cron(${minute} ${hour} * * ? *)`;
    case 'weekly':
      return `cron(${minute} ${hour} ? * MON *)`;
    case 'monthly':
      return `cron(${minute} ${hour} 1 * ? *)`;
  }
}

export type { PeriodKind };
export { DELIVERY_SETTLE_MS, lastCompletePeriod, periodKindOf, previousPeriod, scheduleExpression };
