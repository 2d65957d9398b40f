/**
 * @module The ingest stage: sources in, one stream of validated, deduplicated events out.
 *
 * Events are pushed to a callback rather than pulled from an async iterator: a month of
 * CloudTrail is tens of thousands of small files and millions of events, and a promise per
 * event or per file would cost more than the parsing. Sources that can be read whole are read
 * one ahead of processing, so I/O overlaps with analysis.
 */
import { createHash, type Hash } from 'node:crypto';
import { EventDeduplicator } from './EventDeduplicator.js';
import type { InputLedger } from './InputLedger.js';
import { isRejection, type NormalizedEvent, normalizeEvent } from './normalizeEvent.js';
import { splitBuffer, splitRecords } from './splitRecords.js';
import { type RecordSource, RejectionCategory, type SourcePosition, type SplitItem } from './types.js';

/** A half-open time window `[startMs, endMs)`; events outside it are rejected as out of period. */
interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly label: string;
}

interface IngestProgress {
  readonly sources: number;
  readonly records: number;
  readonly bytes: number;
  readonly currentSource: string;
}

/** Receives each accepted event once; may return a promise to apply back-pressure. */
type EventSink = (event: NormalizedEvent) => void | Promise<void>;

interface IngestOptions {
  readonly ledger: InputLedger;
  readonly window?: TimeWindow;
  /** Called about every `progressEvery` accepted events and after each source. */
  readonly onProgress?: (progress: IngestProgress) => void;
  readonly progressEvery?: number;
  /** How many sources to read ahead of the one being analysed (parallel S3 GETs). @default 8 */
  readonly readAhead?: number;
  /** The eventIDs seen so far, when several ingests make one stream (a staging area's units). */
  readonly dedupe?: EventDeduplicator;
}

const JSON_LINES_NAME = /\.(?:jsonl|ndjson)(?:\.gz)?$/i;

type Prefetched = { ok: true; data: Uint8Array | undefined } | { ok: false; error: unknown } | undefined;

function prefetch(source: RecordSource): Promise<Prefetched> {
  if (!source.readAll) return Promise.resolve(undefined);
  return source.readAll().then(
    (data): Prefetched => ({ ok: true, data }),
    (error: unknown): Prefetched => ({ ok: false, error }),
  );
}

/** Pulls sources in order while keeping up to `depth` whole-object reads in flight ahead of the consumer. */
async function* readAhead(
  sources: AsyncIterable<RecordSource> | Iterable<RecordSource>,
  depth: number,
): AsyncGenerator<{ source: RecordSource; data: Prefetched }> {
  const queue: { source: RecordSource; data: Promise<Prefetched> }[] = [];
  for await (const source of sources) {
    queue.push({ source, data: prefetch(source) });
    if (queue.length > depth) {
      const head = queue.shift()!;
      yield { source: head.source, data: await head.data };
    }
  }
  for (const head of queue) yield { source: head.source, data: await head.data };
}

/** Passes chunks through while counting and hashing the bytes as stored. */
async function* countBytes(
  chunks: AsyncIterable<Uint8Array>,
  ledger: InputLedger,
  tally: { bytes: number; hash: Hash; complete: boolean },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    ledger.bytes += chunk.byteLength;
    tally.bytes += chunk.byteLength;
    tally.hash.update(chunk);
    yield chunk;
  }
  tally.complete = true;
}

/**
 * Reads every source in order and hands each accepted event to `sink` once. Nothing is dropped
 * without a trace: each record lands in the ledger as accepted, duplicate or rejected (with its
 * source, position and reason). Memory is bounded by one source's parse buffer plus the dedupe table.
 */
async function ingestEvents(
  sources: AsyncIterable<RecordSource> | Iterable<RecordSource>,
  options: IngestOptions,
  sink: EventSink,
): Promise<void> {
  const { ledger, window, onProgress } = options;
  const every = options.progressEvery ?? 50_000;
  const dedupe = options.dedupe ?? new EventDeduplicator();
  let sinceProgress = 0;
  let sourceName = '';

  /** Applies one parsed record; returns the sink's promise when it must be awaited. */
  const handleValue = (value: unknown, position: () => SourcePosition): void | Promise<void> => {
    const event = normalizeEvent(value);
    if (isRejection(event)) {
      ledger.reject(sourceName, position(), event.category, event.reason);
      return;
    }
    if (window && (event.timeMs < window.startMs || event.timeMs >= window.endMs)) {
      const reason = `eventTime ${event.eventTime} is outside the period ${window.label}`;
      ledger.reject(sourceName, position(), RejectionCategory.OutsidePeriod, reason);
      return;
    }
    if (!dedupe.firstSighting(event.eventId)) {
      ledger.duplicate();
      return;
    }
    ledger.accept(event.eventTime, event.timeMs);
    if (onProgress && ++sinceProgress >= every) {
      sinceProgress = 0;
      onProgress({
        sources: ledger.sources,
        records: ledger.records,
        bytes: ledger.bytes,
        currentSource: sourceName,
      });
    }
    return sink(event);
  };

  const handle = (item: SplitItem): void | Promise<void> => {
    if (item.kind === 'rejected') {
      ledger.reject(sourceName, item.position, item.category, item.reason);
      return;
    }
    return handleValue(item.value, () => item.position);
  };

  for await (const { source, data } of readAhead(sources, options.readAhead ?? 8)) {
    sourceName = source.name;
    ledger.sources++;
    const recordsBefore = ledger.records;
    const lines = JSON_LINES_NAME.test(source.name);
    if (data && !data.ok) {
      const message = data.error instanceof Error ? data.error.message : String(data.error);
      ledger.reject(source.name, {}, RejectionCategory.UnreadableSource, `read failed: ${message}`);
      ledger.object({ name: source.name, bytes: 0, sha256: null, records: 0 });
      continue;
    }
    const whole = data?.data;
    const split = whole ? splitBuffer(whole, { lines }) : undefined;
    if (whole && split) {
      ledger.bytes += whole.byteLength;
      if ('records' in split) {
        const records = split.records;
        for (let i = 0; i < records.length; i++) {
          const pending = handleValue(records[i], () => ({ record: i + 1 }));
          if (pending) await pending;
        }
      } else {
        for (const item of split.items) {
          const pending = handle(item);
          if (pending) await pending;
        }
      }
      ledger.object({
        name: source.name,
        bytes: whole.byteLength,
        sha256: createHash('sha256').update(whole).digest('hex'),
        records: ledger.records - recordsBefore,
      });
    } else {
      let chunks: AsyncIterable<Uint8Array>;
      try {
        chunks = source.open();
      } catch (error) {
        ledger.reject(
          source.name,
          {},
          RejectionCategory.UnreadableSource,
          `cannot open: ${(error as Error).message}`,
        );
        ledger.object({ name: source.name, bytes: 0, sha256: null, records: 0 });
        continue;
      }
      const tally = { bytes: 0, hash: createHash('sha256'), complete: false };
      for await (const item of splitRecords(countBytes(chunks, ledger, tally), { lines })) {
        const pending = handle(item);
        if (pending) await pending;
      }
      // A read that failed or stopped midway hashed a prefix, not the object.
      ledger.object({
        name: source.name,
        bytes: tally.bytes,
        sha256: tally.complete ? tally.hash.digest('hex') : null,
        records: ledger.records - recordsBefore,
      });
    }
    onProgress?.({
      sources: ledger.sources,
      records: ledger.records,
      bytes: ledger.bytes,
      currentSource: source.name,
    });
  }
}

export type { EventSink, IngestOptions, IngestProgress, TimeWindow };
export { ingestEvents };
