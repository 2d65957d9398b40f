/**
 * @module First and last sighting of something, by event time.
 */

/** Kept as epoch ms (for comparison) and as the event's own timestamp text (for output). */
class TimeSpan {
  firstMs = Number.POSITIVE_INFINITY;
  first = '';
  lastMs = Number.NEGATIVE_INFINITY;
  last = '';

  add(ms: number, iso: string): void {
    if (ms < this.firstMs) {
      this.firstMs = ms;
      this.first = iso;
    }
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.last = iso;
    }
  }

  get empty(): boolean {
    return this.first === '';
  }
}

export { TimeSpan };
