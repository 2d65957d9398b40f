/**
 * @module A virtual clock for pacing tests: time moves only when every task is asleep.
 *
 * Each `sleep()` registers a wake-up time. Once the microtask queue has drained (checked with a
 * real `setImmediate`, so every task that can run has reached its next sleep or finished), the
 * clock jumps to the earliest wake-up and resolves the sleepers due then. Concurrent sleepers
 * therefore overlap as they would in real time, and a test of minutes runs in milliseconds.
 */
import type { Clock } from '../../../functions/adapters/cloudtrail/pacing.js';

interface Sleeper {
  readonly wakeAt: number;
  readonly seq: number;
  readonly resolve: () => void;
}

class VirtualClock implements Clock {
  private nowMs: number;
  private sleepers: Sleeper[] = [];
  private seq = 0;
  private scheduled = false;
  /** Every sleep asked for, in order (for asserting backoff). */
  readonly sleeps: number[] = [];

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      this.sleepers.push({ wakeAt: this.nowMs + Math.max(0, ms), seq: this.seq++, resolve });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.advance();
    });
  }

  private advance(): void {
    if (!this.sleepers.length) return;
    this.sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq);
    const wakeAt = this.sleepers[0]!.wakeAt;
    this.nowMs = Math.max(this.nowMs, wakeAt);
    const due = this.sleepers.filter((s) => s.wakeAt <= this.nowMs);
    this.sleepers = this.sleepers.filter((s) => s.wakeAt > this.nowMs);
    for (const s of due) s.resolve();
    if (this.sleepers.length) this.schedule();
  }
}

export { VirtualClock };
