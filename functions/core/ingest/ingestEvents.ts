/**
 * @module The ingest stage: sources in, one stream of validated, deduplicated events out.
 *
 * Events are pushed to a callback rather than pulled from an async iterator: a month of
 * CloudTrail is tens of thousands of small files and millions of events, and a promise per
 * event or per file would cost more than the parsing. Sources that can be read whole are read
 * one ahead of processing, so I/O overlaps with analysis.
 */
import { EventDeduplicator } from './EventDeduplicator.js';
import type { InputLedger } from './InputLedger.js';
import { isRejection, type NormalizedEvent, normalizeEvent } from './normalizeEvent.js';
import { splitBuffer, splitRecords } from './splitRecords.js';
import { type RecordSource, RejectionCategory, type SplitItem } from './types.js';

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
}

const JSON_LINES_NAME = /\.(?:jsonl|ndjson)(?:\.gz)?$/i;

type Prefetched = { ok: true; data: Uint8Array } | { ok: false; error: unknown } | undefined;

function prefetch(source: RecordSource | undefined): Promise<Prefetched> {
  if (!source?.readAll) return Promise.resolve(undefined);
  return source.readAll().then(
    (data): Prefetched => ({ ok: true, data }),
    (error: unknown): Prefetched => ({ ok: false, error }),
  );
}

async function* countBytes(
  chunks: AsyncIterable<Uint8Array>,
  ledger: InputLedger,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    ledger.bytes += chunk.byteLength;
    yield chunk;
  }
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
  const dedupe = new EventDeduplicator();
  let sinceProgress = 0;
  let sourceName = '';

  /** Applies one split item; returns the sink's promise when it must be awaited. */
  const handle = (item: SplitItem): void | Promise<void> => {
    if (item.kind === 'rejected') {
      ledger.reject(sourceName, item.position, item.category, item.reason);
      return;
    }
    const event = normalizeEvent(item.value);
    if (isRejection(event)) {
      ledger.reject(sourceName, item.position, event.category, event.reason);
      return;
    }
    if (window && (event.timeMs < window.startMs || event.timeMs >= window.endMs)) {
      const reason = `eventTime ${event.eventTime} is outside the period ${window.label}`;
      ledger.reject(sourceName, item.position, RejectionCategory.OutsidePeriod, reason);
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

  const iterator =
    Symbol.asyncIterator in sources
      ? (sources as AsyncIterable<RecordSource>)[Symbol.asyncIterator]()
      : (sources as Iterable<RecordSource>)[Symbol.iterator]();
  let next = await iterator.next();
  let nextData = prefetch(next.done ? undefined : next.value);
  while (!next.done) {
    const source = next.value;
    const data = await nextData;
    next = await iterator.next();
    nextData = prefetch(next.done ? undefined : next.value);
    sourceName = source.name;
    ledger.sources++;
    const lines = JSON_LINES_NAME.test(source.name);
    if (data && !data.ok) {
      const message = data.error instanceof Error ? data.error.message : String(data.error);
      ledger.reject(source.name, {}, RejectionCategory.UnreadableSource, `read failed: ${message}`);
      continue;
    }
    const items = data ? splitBuffer(data.data, { lines }) : undefined;
    if (data) ledger.bytes += data.data.byteLength;
    if (items) {
      for (const item of items) {
        const pending = handle(item);
        if (pending) await pending;
      }
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
        continue;
      }
      if (data) ledger.bytes -= data.data.byteLength; // counted again while streaming
      for await (const item of splitRecords(countBytes(chunks, ledger), { lines })) {
        const pending = handle(item);
        if (pending) await pending;
      }
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
