/**
 * @module Runs an async step over items with a few in flight, yielding results in item order:
 * reads from an object store are latency-bound, so keeping `depth` requests open hides most of
 * the latency while the caller still sees one result at a time, in order, and memory stays at
 * `depth` results.
 */

/**
 * @example for await (const body of inOrderAhead(keys, 16, (k) => store.get(k))) merge(body);
 */
async function* inOrderAhead<T, R>(
  items: Iterable<T>,
  depth: number,
  step: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  const start = (item: T) => {
    const pending = step(item);
    // Awaited in order below; this only keeps a failure ahead of its turn from being unhandled.
    pending.catch(() => undefined);
    queue.push(pending);
  };
  for (const item of items) {
    start(item);
    if (queue.length > Math.max(0, depth)) yield await queue.shift()!;
  }
  while (queue.length) yield await queue.shift()!;
}

export { inOrderAhead };
