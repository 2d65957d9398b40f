/**
 * @module Where CloudTrail delivers log and digest files in a bucket, and which of those places
 * a period needs.
 *
 * Key layouts (both with an optional bucket prefix):
 * - trail:              `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz`
 * - organization trail: `AWSLogs/<org-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz`
 * Digest files use `CloudTrail-Digest` in place of `CloudTrail`. The date in the key is the UTC
 * day of delivery, not of the events: a file delivered just after midnight holds events of the
 * previous day, so a period also needs the day after it (events are then filtered by eventTime).
 */

/** Where one account's trail files live in a bucket. */
interface TrailLocation {
  readonly bucket: string;
  /** Bucket prefix the trail was configured with (no leading or trailing slash needed). */
  readonly prefix?: string;
  readonly organizationId?: string;
  readonly account: string;
}

interface DayPrefix {
  readonly region: string;
  /** UTC day `YYYY-MM-DD` of delivery. */
  readonly day: string;
  readonly prefix: string;
}

const DAY_MS = 86_400_000;
/** Days of delivery after the period still read: files carry events up to ~15 min old, but late deliveries happen. */
const DELIVERY_LAG_DAYS = 1;

function basePrefix(location: TrailLocation): string {
  const prefix = (location.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const org = location.organizationId ? `${location.organizationId}/` : '';
  return `${prefix ? `${prefix}/` : ''}AWSLogs/${org}${location.account}/`;
}

/** `…/AWSLogs/[org/]<account>/CloudTrail/`: list it with a `/` delimiter to find the regions. */
function regionsPrefix(
  location: TrailLocation,
  kind: 'CloudTrail' | 'CloudTrail-Digest' = 'CloudTrail',
): string {
  return `${basePrefix(location)}${kind}/`;
}

/** The UTC days of delivery that can hold events of `[startMs, endMs)`. */
function deliveryDays(window: { readonly startMs: number; readonly endMs: number }): string[] {
  return eventDays({ startMs: window.startMs, endMs: window.endMs + DELIVERY_LAG_DAYS * DAY_MS });
}

/** The UTC days `[startMs, endMs)` touches, `YYYY-MM-DD`. */
function eventDays(window: { readonly startMs: number; readonly endMs: number }): string[] {
  const days: string[] = [];
  const first = window.startMs - (window.startMs % DAY_MS);
  for (let t = first; t <= window.endMs - 1; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The UTC day `[start, end)` of `YYYY-MM-DD`. */
function dayWindow(day: string): { readonly startMs: number; readonly endMs: number } {
  const startMs = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(startMs)) throw new RangeError(`not a day: ${day}`);
  return { startMs, endMs: startMs + DAY_MS };
}

/** Every day prefix of `regions` a period needs, in key order (region, then day). */
function dayPrefixes(
  location: TrailLocation,
  regions: readonly string[],
  window: { readonly startMs: number; readonly endMs: number },
  kind: 'CloudTrail' | 'CloudTrail-Digest' = 'CloudTrail',
): DayPrefix[] {
  const days = deliveryDays(window);
  return [...regions].sort().flatMap((region) => days.map((day) => dayPrefix(location, region, day, kind)));
}

/** The prefix of one region's files delivered on `day` (`YYYY-MM-DD`). */
function dayPrefix(
  location: TrailLocation,
  region: string,
  day: string,
  kind: 'CloudTrail' | 'CloudTrail-Digest' = 'CloudTrail',
): DayPrefix {
  return { region, day, prefix: `${regionsPrefix(location, kind)}${region}/${day.replaceAll('-', '/')}/` };
}

const TRAIL_KEY =
  /(?:^|\/)AWSLogs\/(?:(o-[a-z0-9]{10,32})\/)?(\d{12})\/(CloudTrail|CloudTrail-Digest)\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)$/;

interface TrailKey {
  readonly organizationId: string | null;
  readonly account: string;
  readonly kind: 'CloudTrail' | 'CloudTrail-Digest';
  readonly region: string;
  readonly day: string;
  readonly file: string;
}

/** Reads account, region and delivery day from a key in either layout; null for other keys. */
function parseTrailKey(key: string): TrailKey | null {
  const m = TRAIL_KEY.exec(key);
  if (!m) return null;
  return {
    organizationId: m[1] ?? null,
    account: m[2]!,
    kind: m[3] as TrailKey['kind'],
    region: m[4]!,
    day: `${m[5]}-${m[6]}-${m[7]}`,
    file: m[8]!,
  };
}

export type { DayPrefix, TrailKey, TrailLocation };
export {
  DELIVERY_LAG_DAYS,
  dayPrefix,
  dayPrefixes,
  dayWindow,
  deliveryDays,
  eventDays,
  parseTrailKey,
  regionsPrefix,
};
