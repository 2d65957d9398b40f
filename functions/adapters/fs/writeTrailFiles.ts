/**
 * @module Filesystem adapter: lays CloudTrail records out exactly as CloudTrail delivers them to S3.
 *
 * `<root>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<16 alnum>.json.gz`,
 * each file a gzipped `{"Records":[…]}`. CloudTrail delivers about every five minutes per account and
 * region, so records are grouped by (recipient account, region, delivery window of their eventTime).
 * A group is written as soon as the stream's time has moved past its window, which keeps memory
 * bounded for time-ordered input of any length. Names and bytes depend only on the records, so two
 * runs produce identical trees (node's gzip header carries mtime 0).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const gzip = promisify(gzipCallback);

type TrailRecord = Record<string, unknown>;

/** Options of {@link writeTrailFiles}. */
interface WriteTrailFilesOptions {
  /** Delivery windows per hour; must divide 60. @default 12 (one file per five minutes) */
  filesPerHour?: number;
}

/** What {@link writeTrailFiles} wrote. */
interface WriteTrailFilesResult {
  files: number;
  records: number;
  /** Compressed bytes written. */
  bytes: number;
}

/** A record the layout cannot place (no account, region or parseable eventTime). */
class TrailFileWriteError extends Error {
  override name = 'TrailFileWriteError' as const;
}

interface Group {
  readonly account: string;
  readonly region: string;
  readonly windowStart: number;
  readonly lines: string[];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Writes in flight at once: enough to overlap gzip and disk, few enough to keep memory flat. */
const MAX_IN_FLIGHT = 16;
/** How long a window stays open after the stream passed its end, for slightly unordered input. */
const LATENESS_MS = 60_000;
/** Flushed keys are remembered this long, so a reopened window gets a new part number. */
const FLUSHED_MEMORY_MS = 24 * 3_600_000;

/** Deterministic 16-character suffix, like CloudTrail's random one but derived from the file's key. */
function suffixFor(key: string): string {
  const digest = createHash('sha256').update(key).digest();
  let out = '';
  for (let i = 0; i < 16; i++) out += ALNUM.charAt((digest[i] ?? 0) % ALNUM.length);
  return out;
}

/**
 * Date folder and file-name timestamp of a window. CloudTrail stamps files a few minutes after the
 * window; stamping the window start keeps every event under its own day's (and month's) prefix.
 */
function stamp(ms: number): { day: string; file: string } {
  const iso = new Date(ms).toISOString(); // 2026-01-05T10:25:00.000Z
  const ymd = iso.slice(0, 10);
  return {
    day: ymd.replace(/-/g, '/'),
    file: `${ymd.replace(/-/g, '')}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`,
  };
}

function placeOf(record: TrailRecord): { account: string; region: string; time: number } {
  const identity = record.userIdentity as { accountId?: unknown } | undefined;
  const account = record.recipientAccountId ?? identity?.accountId;
  const region = record.awsRegion;
  const time = typeof record.eventTime === 'string' ? Date.parse(record.eventTime) : Number.NaN;
  if (typeof account !== 'string' || !/^\d{12}$/.test(account)) {
    throw new TrailFileWriteError(`record ${String(record.eventID)} has no 12-digit recipientAccountId`);
  }
  if (typeof region !== 'string' || region === '') {
    throw new TrailFileWriteError(`record ${String(record.eventID)} has no awsRegion`);
  }
  if (Number.isNaN(time))
    throw new TrailFileWriteError(`record ${String(record.eventID)} has no valid eventTime`);
  return { account, region, time };
}

/**
 * Writes records into `rootDir` in CloudTrail's S3 delivery layout, one gzipped file per account,
 * region and delivery window. Input should be in eventTime order (as `generateTenantMonth` yields it);
 * out-of-order records still land correctly, in an extra part file if their window was already written.
 *
 * @example
 * const stats = await writeTrailFiles(generateTenantMonth({ month: '2026-03' }), './.tmp/demo-trail');
 * @throws TrailFileWriteError for a record without account, region or eventTime
 */
async function writeTrailFiles(
  records: Iterable<TrailRecord> | AsyncIterable<TrailRecord>,
  rootDir: string,
  options: WriteTrailFilesOptions = {},
): Promise<WriteTrailFilesResult> {
  const filesPerHour = options.filesPerHour ?? 12;
  if (!Number.isInteger(filesPerHour) || filesPerHour < 1 || 60 % filesPerHour !== 0) {
    throw new RangeError(`filesPerHour must be an integer that divides 60, got ${filesPerHour}`);
  }
  const windowMs = (60 / filesPerHour) * 60_000;
  const open = new Map<string, Group>();
  const flushed = new Map<string, { parts: number; windowStart: number }>();
  const madeDirs = new Set<string>();
  const inFlight: Promise<void>[] = [];
  const result: WriteTrailFilesResult = { files: 0, records: 0, bytes: 0 };
  let streamTime = Number.NEGATIVE_INFINITY;

  const writeGroup = async (key: string, group: Group): Promise<void> => {
    const previous = flushed.get(key);
    const part = previous ? previous.parts : 0;
    flushed.set(key, { parts: part + 1, windowStart: group.windowStart });
    const { day, file } = stamp(group.windowStart);
    const dir = join(rootDir, 'AWSLogs', group.account, 'CloudTrail', group.region, day);
    const name = `${group.account}_CloudTrail_${group.region}_${file}_${suffixFor(`${key}#${part}`)}.json.gz`;
    const body = await gzip(Buffer.from(`{"Records":[${group.lines.join(',')}]}`), { level: 6 });
    if (!madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      madeDirs.add(dir);
    }
    await writeFile(join(dir, name), body);
    result.files++;
    result.bytes += body.length;
  };

  const schedule = async (key: string, group: Group): Promise<void> => {
    open.delete(key);
    inFlight.push(writeGroup(key, group));
    if (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
  };

  const flushBefore = async (time: number): Promise<void> => {
    for (const [key, group] of open) {
      if (group.windowStart + windowMs + LATENESS_MS <= time) await schedule(key, group);
    }
    for (const [key, seen] of flushed) {
      if (seen.windowStart + FLUSHED_MEMORY_MS < time) flushed.delete(key);
    }
    if (madeDirs.size > 10_000) madeDirs.clear();
  };

  let nextFlushCheck = Number.NEGATIVE_INFINITY;
  try {
    for await (const record of records) {
      const { account, region, time } = placeOf(record);
      const windowStart = time - (time % windowMs);
      const key = `${account}/${region}/${windowStart}`;
      let group = open.get(key);
      if (!group) {
        group = { account, region, windowStart, lines: [] };
        open.set(key, group);
      }
      group.lines.push(JSON.stringify(record));
      result.records++;
      if (time > streamTime) streamTime = time;
      // Checking once per window of stream time keeps the scan of open groups cheap.
      if (streamTime >= nextFlushCheck) {
        await flushBefore(streamTime);
        nextFlushCheck = streamTime - (streamTime % windowMs) + windowMs;
      }
    }
    for (const [key, group] of [...open]) await schedule(key, group);
  } catch (error) {
    // Let the writes already started finish (or fail) quietly before reporting the first problem.
    await Promise.allSettled(inFlight);
    throw error;
  }
  await Promise.all(inFlight);
  return result;
}

export { TrailFileWriteError, type WriteTrailFilesOptions, type WriteTrailFilesResult, writeTrailFiles };
