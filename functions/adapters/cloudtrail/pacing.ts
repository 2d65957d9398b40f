/**
 * @module Request pacing for CloudTrail LookupEvents: an injectable clock and a rate limiter per
 * account and region.
 *
 * LookupEvents allows two requests per second per account per region. The quota belongs to the
 * account-region, not to a client object or a source, so every source of the same account and
 * region (several windows, a retry, a second client built with fresh credentials) must draw from
 * one limiter. Limiters live in a registry; sources that share a clock share the default registry.
 * The registry is per process: other processes (another Lambda, the client's own console use)
 * spend the same quota unseen, which is what the throttling backoff is for.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Time as the adapter sees it. Injected so tests run on virtual time. */
interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
};

/** The documented LookupEvents quota: requests per second per account per region. */
const LOOKUP_EVENTS_REQUESTS_PER_SECOND = 2;

/**
 * Spaces request starts at least `1000 / requestsPerSecond` ms apart, first come first served.
 *
 * Spacing rather than a bucket with a burst: with a burst of two, requests at 0, 0 and 500 ms
 * would put three into one second, which a sliding-window quota throttles. With spacing any
 * one-second window holds at most `requestsPerSecond` request starts. The gap is measured from
 * when the previous turn was actually granted, not from when it was planned, so a caller that
 * woke late does not squeeze the next one closer.
 */
class RateLimiter {
  private lastGrantMs = Number.NEGATIVE_INFINITY;
  private heldUntilMs = Number.NEGATIVE_INFINITY;
  /** Callers wait in line: each turn starts when the one before it was granted or given up. */
  private line: Promise<void> = Promise.resolve();
  /** Milliseconds between two request starts. */
  readonly intervalMs: number;

  constructor(
    readonly key: string,
    requestsPerSecond: number,
    private readonly clock: Clock,
  ) {
    if (!(requestsPerSecond > 0))
      throw new RangeError(`requestsPerSecond must be > 0, got ${requestsPerSecond}`);
    this.intervalMs = 1000 / requestsPerSecond;
  }

  /** Waits for this caller's turn to send one request. Rejects when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.line.then(() => this.waitForTurn(signal));
    this.line = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Holds every request of this account-region until `untilMs`. Called on throttling: the
   * quota is shared, so when one source is throttled the others would be too.
   */
  holdUntil(untilMs: number): void {
    if (untilMs > this.heldUntilMs) this.heldUntilMs = untilMs;
  }

  private async waitForTurn(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      const at = Math.max(this.lastGrantMs + this.intervalMs, this.heldUntilMs);
      if (now >= at) {
        this.lastGrantMs = now;
        return;
      }
      // Checked again after the sleep: a hold may have been set meanwhile, or the timer ran early.
      await this.clock.sleep(at - now, signal);
    }
  }
}

interface RateLimitsOptions {
  /** @default 2, the LookupEvents quota */
  readonly requestsPerSecond?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** One {@link RateLimiter} per account and region. */
class LookupEventsRateLimits {
  private readonly limiters = new Map<string, RateLimiter>();
  readonly clock: Clock;
  private readonly requestsPerSecond: number;

  constructor(options: RateLimitsOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.requestsPerSecond = options.requestsPerSecond ?? LOOKUP_EVENTS_REQUESTS_PER_SECOND;
  }

  /** The limiter of an account-region, created on first use and kept for the registry's life. */
  limiterFor(account: string, region: string): RateLimiter {
    const key = `${account}/${region}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiter(key, this.requestsPerSecond, this.clock);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}

// The default registry of each clock: all sources on the same clock share limiters without the
// caller passing a registry around; a test's virtual clock gets limiters of its own.
const defaults = new WeakMap<Clock, LookupEventsRateLimits>();

/** The process-wide registry for `clock` (the system clock unless given). */
function defaultRateLimits(clock: Clock = systemClock): LookupEventsRateLimits {
  let registry = defaults.get(clock);
  if (!registry) {
    registry = new LookupEventsRateLimits({ clock });
    defaults.set(clock, registry);
  }
  return registry;
}

export type { Clock, RateLimitsOptions };
export {
  defaultRateLimits,
  LOOKUP_EVENTS_REQUESTS_PER_SECOND,
  LookupEventsRateLimits,
  RateLimiter,
  systemClock,
};
