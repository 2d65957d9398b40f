import { describe, expect, it } from 'vitest';
import { PeriodError, parsePeriod } from '../../../functions/core/analysis/period.js';
import { parseTenantConfig } from '../../../functions/core/config/tenantConfig.js';
import {
  lastCompletePeriod,
  previousPeriod,
  scheduleExpression,
} from '../../../functions/core/schedule/schedulePeriod.js';

const at = (iso: string) => new Date(iso);

describe('ISO week periods', () => {
  it('start on Monday 00:00 UTC and last seven days, across year ends', () => {
    const w48 = parsePeriod('2026-W48');
    expect(new Date(w48.startMs).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(w48.endMs - w48.startMs).toBe(7 * 86_400_000);
    // 2026-01-01 is a Thursday, so week 1 of 2026 starts on Monday 2025-12-29.
    expect(new Date(parsePeriod('2026-W01').startMs).toISOString()).toBe('2025-12-29T00:00:00.000Z');
    expect(new Date(parsePeriod('2020-W53').startMs).toISOString()).toBe('2020-12-28T00:00:00.000Z');
  });

  it('rejects a week 53 in a 52-week year', () => {
    expect(() => parsePeriod('2027-W53')).toThrow(PeriodError);
    expect(() => parsePeriod('2027-W53')).toThrow(/does not exist/);
  });
});

describe('the period a scheduled run reports on', () => {
  it('is the last complete UTC day, week or month, an hour after it ends', () => {
    expect(lastCompletePeriod('daily', at('2026-11-30T06:00:00Z'))).toBe('2026-11-29');
    // 00:30 UTC: the previous day ended only 30 minutes ago, its last files may not be delivered.
    expect(lastCompletePeriod('daily', at('2026-11-30T00:30:00Z'))).toBe('2026-11-28');
    expect(lastCompletePeriod('weekly', at('2026-11-30T05:00:00Z'))).toBe('2026-W48');
    expect(lastCompletePeriod('monthly', at('2026-12-01T06:00:00Z'))).toBe('2026-11');
    expect(lastCompletePeriod('monthly', at('2027-01-01T05:00:00Z'))).toBe('2026-12');
    expect(lastCompletePeriod('monthly', at('2026-12-01T00:30:00Z'))).toBe('2026-10');
  });

  it('labels a week that straddles the new year by its ISO week-year', () => {
    // Monday 2027-01-04: the complete week before is 2026-12-28 … 2027-01-03, ISO week 2026-W53.
    expect(lastCompletePeriod('weekly', at('2027-01-04T06:00:00Z'))).toBe('2026-W53');
    expect(parsePeriod('2026-W53').startMs).toBe(Date.UTC(2026, 11, 28));
  });
});

describe('the previous period', () => {
  it('is the one just before, of the same kind', () => {
    expect(previousPeriod('2026-03-01')).toBe('2026-02-28');
    expect(previousPeriod('2026-W01')).toBe('2025-W52');
    expect(previousPeriod('2027-W01')).toBe('2026-W53');
    expect(previousPeriod('2026-01')).toBe('2025-12');
    expect(() => previousPeriod('last week')).toThrow(PeriodError);
  });
});

describe('tenant schedules', () => {
  const base = {
    id: 'acme',
    name: 'Acme',
    mssp: { name: 'Northwind' },
    accounts: [{ id: '111111111111', name: 'prod', environment: 'prod', source: { lookupEvents: true } }],
  };

  it('become EventBridge Scheduler cron expressions', () => {
    const cfg = (schedule: unknown) => parseTenantConfig({ ...base, schedule }, 't.yaml');
    expect(scheduleExpression(cfg({ frequency: 'daily' }))).toBe('cron(0 6 * * ? *)');
    expect(scheduleExpression(cfg({ frequency: 'weekly', timezone: 'Europe/Berlin' }))).toBe(
      'cron(0 6 ? * MON *)',
    );
    expect(scheduleExpression(cfg({ frequency: 'monthly' }))).toBe('cron(0 6 1 * ? *)');
    expect(scheduleExpression(cfg({ cron: '30 5 ? * MON-FRI *', period: 'daily' }))).toBe(
      'cron(30 5 ? * MON-FRI *)',
    );
  });

  it('are validated with messages that name the field', () => {
    const problems = (schedule: unknown) => {
      try {
        parseTenantConfig({ ...base, schedule }, 't.yaml');
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ frequency: 'daily', timezone: 'Mars/Olympus' })).toMatch(
      /schedule\.timezone.*IANA time zone/,
    );
    expect(problems({ cron: '0 6 * * *' })).toMatch(/schedule\.cron.*6-field/);
    expect(problems({ frequency: 'daily', cron: '0 6 * * ? *' })).toMatch(/exactly one of frequency or cron/);
    expect(problems({ frequency: 'daily', period: 'weekly' })).toMatch(/period goes with cron/);
  });
});
