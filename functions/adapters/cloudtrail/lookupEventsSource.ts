/**
 * @module CloudTrail LookupEvents as a record source: the fallback for accounts without a trail bucket.
 *
 * `lookupEventsSource()` turns one account, region and time window into a {@link RecordSource}
 * whose bytes are JSON lines, one CloudTrail record per line, fetched page by page (50 events,
 * following NextToken) only as the ingest pipeline reads them. Validation, deduplication and
 * rejection stay with the pipeline, as for any other source.
 *
 * What LookupEvents cannot give is reported, not hidden: it returns management events only and
 * only the last 90 days. A window reaching further back is clipped, and each such limit is in
 * `source.limits` for the caller to record as a coverage gap.
 *
 * Requests are paced by a rate limiter shared by every source of the same account and region
 * (the quota is two requests per second per account per region) and retried with exponential
 * backoff and full jitter on throttling, 5xx and network errors. Retries are ours alone: the
 * injected client must not retry on its own (see {@link createLookupEventsClient}).
 */
import {
  CloudTrailClient,
  type CloudTrailClientConfig,
  type Event as LookupEvent,
  LookupEventsCommand,
  type LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import type { RecordSource } from '../../core/ingest/types.js';
import { type Clock, defaultRateLimits, type LookupEventsRateLimits, systemClock } from './pacing.js';
import {
  backoffDelayMs,
  classifyFailure,
  describeFailure,
  type FailureKind,
  type RetryPolicy,
  resolveRetryPolicy,
} from './retry.js';

/** How far back LookupEvents returns events. */
const LOOKUP_EVENTS_RETENTION_DAYS = 90;
const RETENTION_MS = LOOKUP_EVENTS_RETENTION_DAYS * 86_400_000;
/** The most events LookupEvents returns per page. */
const LOOKUP_EVENTS_PAGE_SIZE = 50;

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+[a-z]?$/;

/**
 * What the source yields when LookupEvents returned no event: the LookupEvents output shape with
 * an empty list, which the pipeline reads as zero records. Zero bytes would be rejected as an
 * empty file, and an account that did nothing in a window has nothing wrong with it.
 */
const NO_EVENTS = new TextEncoder().encode('{"Events":[]}\n');

/** A half-open time window `[startMs, endMs)` in epoch milliseconds. */
interface LookupEventsWindow {
  readonly startMs: number;
  readonly endMs: number;
}

type LookupEventsLimitCode = 'management-events-only' | 'retention-90-days' | 'window-ends-after-collection';

/** Something the source cannot see, in words for the coverage statement. */
interface LookupEventsLimit {
  readonly code: LookupEventsLimitCode;
  readonly message: string;
  /** The part of the requested window this limit leaves uncovered, when it is a span of time. */
  readonly unavailable?: LookupEventsWindow;
}

/** What will be asked of LookupEvents for a window, decided once when the source is created. */
interface LookupEventsPlan {
  /** The part of the window LookupEvents can still return, or null when none of it. */
  readonly covered: LookupEventsWindow | null;
  /**
   * StartTime and EndTime as sent, both inclusive as LookupEvents defines them, on whole seconds
   * (the precision of eventTime): the first and the last second inside `covered`. Null when no
   * request is needed.
   */
  readonly query: { readonly startTime: Date; readonly endTime: Date } | null;
  readonly limits: readonly LookupEventsLimit[];
}

interface LookupEventsRetry {
  readonly account: string;
  readonly region: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly kind: Exclude<FailureKind, 'fatal'>;
  /** The backoff before the next attempt (the rate limiter may add to it). */
  readonly delayMs: number;
  readonly error: unknown;
}

interface LookupEventsSourceOptions {
  /**
   * A client for this account and region (e.g. with assumed-role credentials), made with
   * `maxAttempts: 1`; {@link createLookupEventsClient} makes one.
   */
  readonly client: CloudTrailClient;
  /** 12-digit account id; names the source and keys the rate limiter. */
  readonly account: string;
  readonly region: string;
  readonly window: LookupEventsWindow;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Uniform in [0, 1), for the backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** The limiters to draw from. @default the process-wide registry of `clock` */
  readonly rateLimits?: LookupEventsRateLimits;
  readonly retry?: Partial<RetryPolicy>;
  /** Stops waiting and requesting; the read then fails. */
  readonly signal?: AbortSignal;
  /** Told about each retry, for logs. */
  readonly onRetry?: (retry: LookupEventsRetry) => void;
}

/** How the last `open()` went. `stopped` means the reader gave up before the end. */
type LookupEventsState = 'idle' | 'reading' | 'complete' | 'failed' | 'stopped';

interface LookupEventsStatus {
  readonly state: LookupEventsState;
  /** Requests sent, retries included. */
  readonly requests: number;
  readonly pages: number;
  readonly events: number;
  /** Requests answered with throttling. */
  readonly throttled: number;
  readonly retries: number;
  readonly error: LookupEventsError | null;
}

interface LookupEventsSource extends RecordSource {
  readonly account: string;
  readonly region: string;
  /** The window asked for. */
  readonly window: LookupEventsWindow;
  readonly plan: LookupEventsPlan;
  /** Same as `plan.limits`: the coverage gaps to record (management events only is always one). */
  readonly limits: readonly LookupEventsLimit[];
  /** A snapshot of the last read. A failed read also ends the byte stream with this error. */
  readonly status: LookupEventsStatus;
}

type LookupEventsErrorReason = FailureKind | 'client-config' | 'paging' | 'stopped';

/** A LookupEvents read that could not finish; the message names the account and region. */
class LookupEventsError extends Error {
  override name = 'LookupEventsError' as const;

  constructor(
    message: string,
    readonly account: string,
    readonly region: string,
    readonly reason: LookupEventsErrorReason,
    /** Requests made for the page that failed. */
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A CloudTrail client for LookupEvents: the given config with the SDK's own retries off, so that
 * each attempt is one request through the shared rate limiter.
 *
 * Why not leave retrying to the SDK: its standard and adaptive modes retry inside `send()`,
 * below our rate limiter, so retries would spend the account-region quota unpaced, and the
 * adaptive mode's limiter is per client object while the quota is per account and region. With
 * both layers on, a page would make up to maxAttempts × SDK-attempts requests with two backoff
 * schedules on top of each other.
 */
function createLookupEventsClient(config: CloudTrailClientConfig): CloudTrailClient {
  return new CloudTrailClient({ ...config, maxAttempts: 1, retryMode: 'standard', retryStrategy: undefined });
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Clips a window to what LookupEvents can return at `nowMs` and lists what is left out. */
function planLookupEvents(params: {
  readonly account: string;
  readonly region: string;
  readonly window: LookupEventsWindow;
  readonly nowMs: number;
}): LookupEventsPlan {
  const { account, region, window, nowMs } = params;
  const where = `account ${account} in ${region}`;
  const limits: LookupEventsLimit[] = [
    {
      code: 'management-events-only',
      message: `LookupEvents returns management events only: data events (such as S3 object access, Lambda invocations and Bedrock agent runtime calls) and network activity events of ${where} are not available.`,
    },
  ];
  let startMs = window.startMs;
  let endMs = window.endMs;
  const oldestMs = nowMs - RETENTION_MS;
  if (startMs < oldestMs) {
    const unavailable = { startMs, endMs: Math.min(endMs, oldestMs) };
    limits.push({
      code: 'retention-90-days',
      message: `LookupEvents keeps ${LOOKUP_EVENTS_RETENTION_DAYS} days of events: for ${where}, events before ${iso(oldestMs)} are unavailable, so ${iso(unavailable.startMs)} to ${iso(unavailable.endMs)} is not covered.`,
      unavailable,
    });
    startMs = oldestMs;
  }
  if (endMs > nowMs) {
    const unavailable = { startMs: Math.max(startMs, nowMs), endMs };
    limits.push({
      code: 'window-ends-after-collection',
      message: `The window ends after the collection time: events of ${where} after ${iso(nowMs)} were not collected.`,
      unavailable,
    });
    endMs = nowMs;
  }
  if (startMs >= endMs) return { covered: null, query: null, limits };
  const firstSecond = Math.ceil(startMs / 1000);
  const lastSecond = Math.ceil(endMs / 1000) - 1;
  return {
    covered: { startMs, endMs },
    query:
      lastSecond >= firstSecond
        ? { startTime: new Date(firstSecond * 1000), endTime: new Date(lastSecond * 1000) }
        : null,
    limits,
  };
}

/** A parsed CloudTrailEvent that the pipeline will read back as exactly this one record. */
function isSingleRecord(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  // The pipeline unwraps `{"Records":[…]}`, `{"Events":[…]}` and `{"CloudTrailEvent":"…"}`.
  return !Array.isArray(v.Records) && !Array.isArray(v.Events) && typeof v.CloudTrailEvent !== 'string';
}

/**
 * One event as one line. A CloudTrailEvent that holds a JSON object is written as it came
 * (re-serialised only if it spans lines). Anything else is written as the LookupEvents item
 * itself, with CloudTrailEvent still a string: the pipeline then rejects it (invalid JSON, not
 * an object) as one record at its position, and the lines around it are unaffected. Writing a
 * broken string raw could instead swallow the records after it.
 */
function eventLine(event: LookupEvent): string {
  const raw = event.CloudTrailEvent;
  if (typeof raw === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (isSingleRecord(parsed)) return raw.includes('\n') ? JSON.stringify(parsed) : raw.trim();
  }
  return JSON.stringify(event);
}

function encodePage(events: readonly LookupEvent[]): Uint8Array {
  let text = '';
  for (const event of events) text += `${eventLine(event)}\n`;
  return Buffer.from(text, 'utf8');
}

function validate(options: LookupEventsSourceOptions): void {
  const { account, region, window } = options;
  if (!ACCOUNT_ID.test(account))
    throw new TypeError(`account must be a 12-digit AWS account id, got ${account}`);
  if (!REGION.test(region)) throw new TypeError(`region must be an AWS region name, got ${region}`);
  if (!Number.isFinite(window.startMs) || !Number.isFinite(window.endMs) || window.startMs >= window.endMs) {
    throw new RangeError(
      `window must satisfy startMs < endMs (finite epoch milliseconds), got ${window.startMs}..${window.endMs}`,
    );
  }
}

/**
 * The records of one account, region and window, read through LookupEvents. Creating the source
 * sends nothing; each `open()` pages through the window from the start. The 90-day clipping is
 * decided at creation, so create the source shortly before reading it.
 */
function lookupEventsSource(options: LookupEventsSourceOptions): LookupEventsSource {
  validate(options);
  const { client, account, region, signal, onRetry } = options;
  const window = { startMs: options.window.startMs, endMs: options.window.endMs };
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy = resolveRetryPolicy(options.retry);
  const limiter = (options.rateLimits ?? defaultRateLimits(clock)).limiterFor(account, region);
  const plan = planLookupEvents({ account, region, window, nowMs: clock.now() });
  const where = `CloudTrail LookupEvents for account ${account} in ${region}`;
  const name = `lookupEvents://${account}/${region}/${iso(window.startMs)}..${iso(window.endMs)}`;

  let status = {
    state: 'idle' as LookupEventsState,
    requests: 0,
    pages: 0,
    events: 0,
    throttled: 0,
    retries: 0,
    error: null as LookupEventsError | null,
  };

  const fail = (message: string, reason: LookupEventsErrorReason, attempts: number, cause?: unknown) =>
    new LookupEventsError(`${where} ${message}`, account, region, reason, attempts, { cause });

  /** Every attempt passes the rate limiter: the SDK client itself does not retry. */
  async function checkClient(): Promise<void> {
    const maxAttempts = await client.config.maxAttempts();
    if (maxAttempts !== 1) {
      throw fail(
        `cannot start: its client retries on its own (maxAttempts ${maxAttempts}), which would bypass the rate limiter; create it with createLookupEventsClient() or maxAttempts: 1`,
        'client-config',
        0,
      );
    }
    const clientRegion = await client.config.region();
    if (clientRegion !== region) {
      throw fail(`cannot start: its client is for region ${clientRegion}`, 'client-config', 0);
    }
  }

  async function fetchPage(
    query: NonNullable<LookupEventsPlan['query']>,
    token: string | undefined,
  ): Promise<LookupEventsCommandOutput> {
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire(signal);
      status.requests++;
      try {
        const command = new LookupEventsCommand({
          StartTime: new Date(query.startTime),
          EndTime: new Date(query.endTime),
          MaxResults: LOOKUP_EVENTS_PAGE_SIZE,
          ...(token === undefined ? {} : { NextToken: token }),
        });
        return await client.send(command, signal ? { abortSignal: signal } : {});
      } catch (error) {
        if (signal?.aborted) throw fail(`stopped: ${describeFailure(error)}`, 'stopped', attempt, error);
        const kind = classifyFailure(error);
        if (kind === 'throttled') status.throttled++;
        if (kind === 'fatal') throw fail(`failed: ${describeFailure(error)}`, 'fatal', attempt, error);
        if (attempt >= policy.maxAttempts) {
          const what = kind === 'throttled' ? 'was still throttled' : `still failed (${kind} error)`;
          throw fail(
            `${what} after ${attempt} attempts for page ${status.pages + 1} (${status.events} events read before): ${describeFailure(error)}`,
            kind,
            attempt,
            error,
          );
        }
        const delayMs = backoffDelayMs(policy, attempt, random);
        status.retries++;
        onRetry?.({ account, region, attempt, kind, delayMs, error });
        // Throttling means the account-region quota is spent: hold every source of it. Other
        // failures concern this request only.
        if (kind === 'throttled') limiter.holdUntil(clock.now() + delayMs);
        else if (delayMs > 0) await clock.sleep(delayMs, signal);
      }
    }
  }

  async function* read(): AsyncGenerator<Uint8Array> {
    status = { state: 'reading', requests: 0, pages: 0, events: 0, throttled: 0, retries: 0, error: null };
    try {
      await checkClient();
      const { query } = plan;
      if (query) {
        let token: string | undefined;
        do {
          const page = await fetchPage(query, token);
          status.pages++;
          const events = page.Events ?? [];
          status.events += events.length;
          // One chunk per page, yielded before the next request: memory holds one page.
          if (events.length) yield encodePage(events);
          const next = page.NextToken || undefined;
          if (next !== undefined && next === token) {
            throw fail(
              `returned the NextToken it was sent (page ${status.pages}); stopped paging`,
              'paging',
              1,
            );
          }
          token = next;
        } while (token !== undefined);
      }
      if (status.events === 0) yield NO_EVENTS;
      status.state = 'complete';
    } catch (error) {
      const failure =
        error instanceof LookupEventsError
          ? error
          : fail(`stopped: ${describeFailure(error)}`, signal?.aborted ? 'stopped' : 'fatal', 0, error);
      status.state = 'failed';
      status.error = failure;
      throw failure;
    } finally {
      if (status.state === 'reading') status.state = 'stopped';
    }
  }

  return {
    name,
    account,
    region,
    window,
    plan,
    limits: plan.limits,
    get status(): LookupEventsStatus {
      return { ...status };
    },
    open: () => read(),
  };
}

export type {
  LookupEventsErrorReason,
  LookupEventsLimit,
  LookupEventsLimitCode,
  LookupEventsPlan,
  LookupEventsRetry,
  LookupEventsSource,
  LookupEventsSourceOptions,
  LookupEventsState,
  LookupEventsStatus,
  LookupEventsWindow,
};
export {
  createLookupEventsClient,
  LOOKUP_EVENTS_PAGE_SIZE,
  LOOKUP_EVENTS_RETENTION_DAYS,
  LookupEventsError,
  lookupEventsSource,
  planLookupEvents,
};
