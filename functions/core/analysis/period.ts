/**
 * @module Report periods: a month (`2026-11`), an ISO week (`2026-W48`, Monday to Monday), a day
 * (`2026-11-05`) or an explicit ISO range.
 *
 * Periods are UTC, like CloudTrail's own timestamps and S3 key dates, so a period selects the
 * same events whatever the time zone of the machine running the analysis.
 */
import type { TimeWindow } from '../ingest/ingestEvents.js';

/** A period string or range that cannot be understood; the message says what is expected. */
class PeriodError extends Error {
  override name = 'PeriodError' as const;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const WEEK = /^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$/;
const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of ISO week 1 of `year`: the week that holds 4 January. */
function isoWeekOneStart(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7; // Monday = 0
  return jan4 - weekday * DAY_MS;
}

/** The ISO week label (`2026-W48`) of the week that starts at `mondayMs`. */
function isoWeekLabel(mondayMs: number): string {
  // The ISO week-year is the year of the week's Thursday.
  const year = new Date(mondayMs + 3 * DAY_MS).getUTCFullYear();
  const week = Math.round((mondayMs - isoWeekOneStart(year)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function parseInstant(value: string, flag: string): number {
  const text = DAY.test(value) ? `${value}T00:00:00Z` : value;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new PeriodError(
      `${flag} expects an ISO date or timestamp like 2026-11-01 or 2026-11-01T00:00:00Z, got "${value}"`,
    );
  }
  if (!/[zZ]|[+-]\d{2}:?\d{2}$/.test(text)) {
    throw new PeriodError(`${flag} needs a time zone (e.g. a trailing Z for UTC), got "${value}"`);
  }
  return ms;
}

/** `2026-11` → the whole of November 2026 UTC; `2026-11-05` → that day. */
function parsePeriod(period: string): TimeWindow {
  const month = MONTH.exec(period);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]);
    return { startMs: Date.UTC(y, m - 1, 1), endMs: Date.UTC(y, m, 1), label: period };
  }
  const week = WEEK.exec(period);
  if (week) {
    const startMs = isoWeekOneStart(Number(week[1])) + (Number(week[2]) - 1) * 7 * DAY_MS;
    if (isoWeekLabel(startMs) !== period)
      throw new PeriodError(`${period} does not exist (that year has 52 weeks)`);
    return { startMs, endMs: startMs + 7 * DAY_MS, label: period };
  }
  const day = DAY.exec(period);
  if (day) {
    const startMs = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (new Date(startMs).toISOString().slice(0, 10) !== period)
      throw new PeriodError(`${period} is not a calendar date`);
    return { startMs, endMs: startMs + DAY_MS, label: period };
  }
  throw new PeriodError(
    `--period expects a month like 2026-11, an ISO week like 2026-W48 or a day like 2026-11-05, got "${period}"`,
  );
}

/** An explicit `[from, to)` range. */
function parseRange(from: string, to: string): TimeWindow {
  const startMs = parseInstant(from, '--from');
  const endMs = parseInstant(to, '--to');
  if (endMs <= startMs) throw new PeriodError(`--to (${to}) must be after --from (${from})`);
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { startMs, endMs, label: `${iso(startMs)} to ${iso(endMs)}` };
}

export { isoWeekLabel, PeriodError, parsePeriod, parseRange };
