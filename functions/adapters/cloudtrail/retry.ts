/**
 * @module Which LookupEvents failures are worth retrying, and how long to wait before the retry.
 */

interface RetryPolicy {
  /** Requests per page including the first; then the source fails. */
  readonly maxAttempts: number;
  /** Backoff ceiling before the first retry; doubles each retry. */
  readonly baseDelayMs: number;
  /** Cap of the backoff ceiling. */
  readonly maxDelayMs: number;
}

/**
 * Eight attempts with ceilings 1, 2, 4, 8, 16, 20, 20 s: a throttled page waits up to 71 s
 * (about 35 s expected with full jitter) before the source gives up.
 */
const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 20_000 };

/**
 * - `throttled`: the account-region quota is spent; every source of it should slow down.
 * - `server`: a 5xx or an unmodelled transient service fault.
 * - `network`: the request may not have reached the service (reset, timeout, DNS hiccup).
 * - `fatal`: retrying cannot help (access denied, invalid time range, bad token, credentials).
 */
type FailureKind = 'throttled' | 'server' | 'network' | 'fatal';

const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const SERVER_CODES: ReadonlySet<string> = new Set([
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Error names the SDK's HTTP handlers use for requests that timed out. */
const TIMEOUT_NAMES: ReadonlySet<string> = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
}

function classifyFailure(error: unknown): FailureKind {
  if (error === null || typeof error !== 'object') return 'fatal';
  const e = error as ErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : '';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (name === 'AbortError') return 'fatal';
  if (
    THROTTLING_CODES.has(name) ||
    THROTTLING_CODES.has(code) ||
    status === 429 ||
    e.$retryable?.throttling
  ) {
    return 'throttled';
  }
  if (SERVER_CODES.has(name) || SERVER_CODES.has(code) || (status !== undefined && status >= 500))
    return 'server';
  if (NETWORK_CODES.has(code) || TIMEOUT_NAMES.has(name)) return 'network';
  // A response without status is a failure below HTTP; look one level down for the socket error.
  const cause = (error as { cause?: unknown }).cause;
  if (cause && cause !== error && status === undefined) {
    const inner = classifyFailure(cause);
    if (inner === 'network') return inner;
  }
  return 'fatal';
}

/**
 * Exponential backoff with full jitter: a uniformly random wait between 0 and
 * `min(maxDelayMs, baseDelayMs * 2^(retry - 1))`. `retry` counts from 1. Full jitter spreads
 * the retries of many sources that were throttled at the same moment.
 */
function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
}

function resolveRetryPolicy(overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  if (!(policy.baseDelayMs >= 0) || !(policy.maxDelayMs >= 0)) {
    throw new RangeError('retry.baseDelayMs and retry.maxDelayMs must be >= 0');
  }
  return policy;
}

/** `Code: message` of an error, for messages an operator reads. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as ErrorShape & Error;
  const code = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : e.name;
  const message = error.message || '(no message)';
  return code && code !== 'Error' && !message.includes(code) ? `${code}: ${message}` : message;
}

export type { FailureKind, RetryPolicy };
export { backoffDelayMs, classifyFailure, DEFAULT_RETRY_POLICY, describeFailure, resolveRetryPolicy };
