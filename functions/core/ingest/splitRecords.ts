/**
 * @module Cuts a source's bytes into CloudTrail records, whatever shape they come in.
 *
 * Shapes: S3 delivery files `{"Records":[...]}`, LookupEvents output `{"Events":[...]}`,
 * JSON arrays, JSON lines, concatenated JSON objects and single events — plain or gzip.
 *
 * Two paths, one result. Small inputs (the normal CloudTrail file is a few MB) are parsed
 * whole with `JSON.parse`, which is the fastest thing V8 offers. Inputs over the limit, and
 * inputs whose whole parse fails, go through a structural scanner that delimits records by
 * bracket depth, so memory stays bounded by one record and a broken record costs only itself.
 */
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync, constants as zlibConstants } from 'node:zlib';
import { RejectionCategory, type SourcePosition, type SplitItem } from './types.js';

/** Inputs up to this many decompressed bytes are parsed whole; larger ones are streamed. */
const WHOLE_PARSE_LIMIT = 16 * 1024 * 1024;
/** A single record larger than this means the structure is broken; the rest of the source is skipped. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** Keys of wrapper objects whose array holds the records (S3 delivery files; LookupEvents output). */
const WRAPPER_KEYS: ReadonlySet<string> = new Set(['Records', 'Events']);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

interface SplitOptions {
  /** Treat the input as JSON lines (one record per line). Chosen from the file name by the caller. */
  readonly lines?: boolean;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function rejection(category: RejectionCategory, reason: string, position: SourcePosition): SplitItem {
  return { kind: 'rejected', category, reason, position };
}

function jsonErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `invalid JSON: ${message.length > 200 ? `${message.slice(0, 200)}...` : message}`;
}

/** Yields the records a parsed top-level value holds: wrapper arrays, plain arrays, or itself. */
function* expandTopLevel(value: unknown, firstIndex: number, line?: number): Generator<SplitItem> {
  let records: unknown[] | undefined;
  if (Array.isArray(value)) records = value;
  else if (value !== null && typeof value === 'object') {
    for (const key of WRAPPER_KEYS) {
      const inner = (value as Record<string, unknown>)[key];
      if (Array.isArray(inner)) {
        records = inner;
        break;
      }
    }
  }
  if (!records) {
    yield { kind: 'record', value, position: { record: firstIndex, line } };
    return;
  }
  for (let i = 0; i < records.length; i++) {
    yield { kind: 'record', value: records[i], position: { record: firstIndex + i, line } };
  }
}

/**
 * Streaming scanner over JSON text that emits each record's byte range. It tracks only
 * bracket depth and string state, so it never builds objects for the wrapper and resumes
 * across chunk boundaries by rescanning at most one byte.
 */
class StructuralScanner {
  private buf: Buffer = Buffer.alloc(0);
  /** Stream offset of buf[0]. */
  private base = 0;
  private pos = 0;
  private depth = 0;
  private inString = false;
  private stringStart = 0;
  /** Start of the record being delimited (index in buf), or -1. */
  private recordStart = -1;
  /** The record being delimited is a string/number/literal, which ends at `,` or `]`. */
  private primitive = false;
  /** Depth of the container whose direct children are records; -1 when values sit at top level. */
  private elementDepth = -1;
  /** Last string seen directly inside a top-level object, for wrapper-key detection. */
  private lastKeyStart = -1;
  private lastKeyEnd = -1;
  /** Stream offset where non-JSON text at top level began, or -1. Reported once per run. */
  private garbageAt = -1;
  private recordIndex = 0;
  private sawContent = false;
  private broken = false;

  /** Feeds a chunk and yields every record or rejection it completes. */
  *push(chunk: Buffer): Generator<SplitItem> {
    if (this.broken) return;
    this.compact();
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    yield* this.scan();
    if (this.recordStart >= 0 && this.buf.length - this.recordStart > MAX_RECORD_BYTES) {
      this.broken = true;
      yield rejection(
        RejectionCategory.Oversized,
        `record is larger than ${MAX_RECORD_BYTES / 1024 / 1024} MiB: the JSON structure is broken; the rest of the file was skipped`,
        { record: this.recordIndex + 1, byte: this.base + this.recordStart },
      );
    }
  }

  /** Flushes at end of input: an unfinished record or garbage becomes a rejection. */
  *end(): Generator<SplitItem> {
    if (this.broken) return;
    if (this.garbageAt >= 0) yield this.garbageRejection();
    if (this.recordStart >= 0 && this.primitive && !this.inString) {
      yield this.emit(this.recordStart, this.buf.length);
      this.recordStart = -1;
    }
    if (this.recordStart >= 0) {
      yield rejection(RejectionCategory.Truncated, 'input ends inside this record (truncated file)', {
        record: this.recordIndex + 1,
        byte: this.base + this.recordStart,
      });
    } else if (!this.sawContent) {
      yield rejection(RejectionCategory.EmptyFile, 'file holds no JSON data (empty or whitespace only)', {});
    }
  }

  /** Where reading stopped: the start of the unfinished record, or the end of what was scanned. */
  unfinishedPosition(): SourcePosition {
    const byte = this.base + (this.recordStart >= 0 ? this.recordStart : this.buf.length);
    return { record: this.recordIndex + 1, byte };
  }

  private compact(): void {
    const keepFrom = this.recordStart >= 0 ? this.recordStart : this.pos;
    if (keepFrom === 0) return;
    this.buf = this.buf.subarray(keepFrom);
    this.base += keepFrom;
    this.pos -= keepFrom;
    this.stringStart -= keepFrom;
    if (this.recordStart >= 0) this.recordStart -= keepFrom;
    this.lastKeyStart -= keepFrom;
    this.lastKeyEnd -= keepFrom;
  }

  private garbageRejection(): SplitItem {
    const at = this.garbageAt;
    this.garbageAt = -1;
    this.recordIndex++;
    return rejection(RejectionCategory.InvalidJson, 'text that is not a JSON object or array', {
      record: this.recordIndex,
      byte: at,
    });
  }

  private *scan(): Generator<SplitItem> {
    const b = this.buf;
    const len = b.length;
    let i = this.pos;
    while (i < len) {
      if (this.inString) {
        // Tight loop: most bytes of a CloudTrail record are inside strings.
        let closed = false;
        for (; i < len; i++) {
          const c = b[i]!;
          if (c === BACKSLASH) {
            if (i + 1 >= len) break; // resume at the backslash once the next byte arrives
            i++;
          } else if (c === QUOTE) {
            closed = true;
            break;
          }
        }
        if (!closed) break;
        this.inString = false;
        if (this.depth === 1 && this.elementDepth === -1) {
          this.lastKeyStart = this.stringStart;
          this.lastKeyEnd = i;
        }
        i++;
        continue;
      }
      const c = b[i]!;
      if (this.depth === 0) {
        if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          if (this.garbageAt >= 0) yield this.garbageRejection();
          this.sawContent = true;
          this.depth = 1;
          if (c === OPEN_BRACE) {
            this.recordStart = i;
            this.lastKeyStart = -1;
          } else {
            this.elementDepth = 1;
          }
        } else if (c === NEWLINE) {
          if (this.garbageAt >= 0) yield this.garbageRejection();
        } else if (!isWhitespace(c) && c !== COMMA && this.garbageAt < 0) {
          this.sawContent = true;
          this.garbageAt = this.base + i;
        }
        i++;
        continue;
      }
      if (this.depth === this.elementDepth && this.recordStart < 0 && !isWhitespace(c) && c !== COMMA) {
        // A value where a record belongs; objects are the norm, anything else is delimited and rejected later.
        this.recordStart = i;
        this.primitive = c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== CLOSE_BRACKET;
        if (c === CLOSE_BRACKET) this.recordStart = -1;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          this.stringStart = i + 1;
          break;
        case OPEN_BRACE:
          this.depth++;
          break;
        case OPEN_BRACKET:
          if (this.depth === 1 && this.elementDepth === -1 && this.isWrapperKey(i)) {
            // `{"Records": [` — the wrapper itself is not a record; its array elements are.
            this.recordStart = -1;
            this.elementDepth = 2;
          }
          this.depth++;
          break;
        case COMMA:
          if (this.primitive && this.depth === this.elementDepth) {
            yield this.emit(this.recordStart, i);
            this.recordStart = -1;
            this.primitive = false;
          }
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          if (this.primitive && this.depth === this.elementDepth) {
            yield this.emit(this.recordStart, i);
            this.recordStart = -1;
            this.primitive = false;
          }
          this.depth--;
          if (this.recordStart >= 0 && this.depth === Math.max(this.elementDepth, 0)) {
            yield this.emit(this.recordStart, i + 1);
            this.recordStart = -1;
          } else if (this.depth < this.elementDepth) {
            this.elementDepth = -1; // the records array closed; the wrapper may go on
          }
          if (this.depth === 0) this.elementDepth = -1;
          break;
        default:
          break;
      }
      i++;
    }
    this.pos = i;
  }

  private isWrapperKey(bracketAt: number): boolean {
    if (this.lastKeyStart < 0 || this.recordStart < 0) return false;
    for (let k = this.lastKeyEnd + 1; k < bracketAt; k++) {
      const c = this.buf[k]!;
      if (c !== 0x3a && !isWhitespace(c)) return false;
    }
    return WRAPPER_KEYS.has(this.buf.toString('utf8', this.lastKeyStart, this.lastKeyEnd));
  }

  private emit(start: number, end: number): SplitItem {
    this.recordIndex++;
    const position = { record: this.recordIndex, byte: this.base + start };
    try {
      return { kind: 'record', value: JSON.parse(this.buf.toString('utf8', start, end)), position };
    } catch (error) {
      return rejection(RejectionCategory.InvalidJson, jsonErrorText(error), position);
    }
  }
}

/** Splits JSON lines: one value per line, blank lines ignored. */
class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private line = 0;
  private record = 0;
  private sawContent = false;

  *push(chunk: Buffer): Generator<SplitItem> {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(NEWLINE, start);
      if (nl < 0) break;
      yield* this.handleLine(data, start, nl);
      start = nl + 1;
    }
    data = data.subarray(start);
    if (data.length > MAX_RECORD_BYTES) {
      yield* this.handleLine(data, 0, data.length);
      data = Buffer.alloc(0);
    }
    this.pending = data;
  }

  /** Where reading stopped: the line that was not finished. */
  unfinishedPosition(): SourcePosition {
    return { record: this.record + 1, line: this.line + 1 };
  }

  *end(): Generator<SplitItem> {
    if (this.pending.length) yield* this.handleLine(this.pending, 0, this.pending.length);
    this.pending = Buffer.alloc(0);
    if (!this.sawContent) {
      yield rejection(RejectionCategory.EmptyFile, 'file holds no JSON data (empty or whitespace only)', {});
    }
  }

  private *handleLine(data: Buffer, start: number, end: number): Generator<SplitItem> {
    this.line++;
    const text = data.toString('utf8', start, end).trim();
    if (!text) return;
    this.sawContent = true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.record++;
      yield rejection(RejectionCategory.InvalidJson, jsonErrorText(error), {
        record: this.record,
        line: this.line,
      });
      return;
    }
    for (const item of expandTopLevel(value, this.record + 1, this.line)) {
      this.record++;
      yield item;
    }
  }
}

/** Strips a UTF-8 byte order mark, which JSON.parse rejects. */
function stripBom(chunk: Buffer): Buffer {
  return chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf
    ? chunk.subarray(3)
    : chunk;
}

/** Decompresses when the first bytes are the gzip magic number; passes through otherwise. */
async function* maybeGunzip(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = Buffer.from(first.value.buffer, first.value.byteOffset, first.value.byteLength);
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  if (!(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b)) {
    yield head;
    for await (const chunk of rest) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    return;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield head;
    yield* rest;
  }
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const source = Readable.from(all(), { objectMode: false });
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  let produced = 0;
  try {
    for await (const chunk of gunzip) {
      produced += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  } catch (error) {
    throw new CompressionError(error instanceof Error ? error.message : String(error), produced);
  }
}

/** The gzip layer failed; records before `decompressedBytes` were still read. */
class CompressionError extends Error {
  override name = 'CompressionError' as const;
  constructor(
    readonly detail: string,
    readonly decompressedBytes: number,
  ) {
    super(`gzip data is corrupt or truncated (${detail}) after ${decompressedBytes} decompressed bytes`);
  }
}

/**
 * Splits one source's bytes into parsed records and rejections. Never throws for bad data:
 * a failure of the byte stream itself (I/O, gzip) ends the source with one rejection that
 * says how far reading got, after every record before it has been yielded.
 */
async function* splitRecords(
  chunks: AsyncIterable<Uint8Array>,
  options: SplitOptions = {},
): AsyncGenerator<SplitItem> {
  const held: Buffer[] = [];
  let heldBytes = 0;
  let streaming: StructuralScanner | LineSplitter | undefined;
  let first = true;
  const newSplitter = () => (options.lines ? new LineSplitter() : new StructuralScanner());
  try {
    for await (let chunk of maybeGunzip(chunks)) {
      if (first) {
        chunk = stripBom(chunk);
        first = false;
      }
      if (streaming) {
        yield* streaming.push(chunk);
        continue;
      }
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes > WHOLE_PARSE_LIMIT) {
        streaming = newSplitter();
        for (const part of held.splice(0)) yield* streaming.push(part);
      }
    }
  } catch (error) {
    // Keep every complete record read before the failure; the unfinished rest is one rejection.
    const splitter = streaming ?? newSplitter();
    if (!streaming) for (const part of held.splice(0)) yield* splitter.push(part);
    const reason =
      error instanceof CompressionError
        ? `${error.message}; the rest of the file is unreadable`
        : `read failed: ${error instanceof Error ? error.message : String(error)}`;
    const category =
      error instanceof CompressionError
        ? RejectionCategory.CorruptCompression
        : RejectionCategory.UnreadableSource;
    yield rejection(category, reason, splitter.unfinishedPosition());
    return;
  }
  if (streaming) {
    yield* streaming.end();
    return;
  }
  yield* splitWhole(held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes), options, newSplitter);
}

/** The fast path: one JSON.parse for the whole input; falls back to the scanner to localise errors. */
function* splitWhole(
  data: Buffer,
  options: SplitOptions,
  newSplitter: () => StructuralScanner | LineSplitter,
): Generator<SplitItem> {
  if (!options.lines) {
    let text: string | undefined = data.toString('utf8');
    if (text.trim() === '') {
      yield rejection(RejectionCategory.EmptyFile, 'file holds no JSON data (empty or whitespace only)', {});
      return;
    }
    let value: unknown;
    let parsed = false;
    try {
      value = JSON.parse(text);
      parsed = true;
    } catch {
      // Not one JSON document: concatenated objects, JSON lines, or damage. The scanner decides.
    }
    text = undefined;
    if (parsed) {
      if (value === null || typeof value !== 'object') {
        yield rejection(
          RejectionCategory.NotCloudTrail,
          `file holds a JSON ${value === null ? 'null' : typeof value}, not records`,
          {},
        );
        return;
      }
      yield* expandTopLevel(value, 1);
      return;
    }
  }
  const splitter = newSplitter();
  yield* splitter.push(data);
  yield* splitter.end();
}

function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** Decompression of a whole object either succeeded, or failed with whatever could be recovered. */
type Inflated =
  | { ok: true; data: Buffer }
  | { ok: false; partial: Buffer; error: string }
  | { ok: 'too-large' };

function inflateWhole(data: Uint8Array): Inflated {
  try {
    return { ok: true, data: gunzipSync(data, { maxOutputLength: WHOLE_PARSE_LIMIT }) };
  } catch (error) {
    if (error instanceof RangeError) return { ok: 'too-large' };
    // Decompress again, flushing instead of failing, to keep every byte before the damage.
    let partial: Buffer;
    try {
      partial = gunzipSync(data, {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: WHOLE_PARSE_LIMIT,
      });
    } catch {
      partial = Buffer.alloc(0);
    }
    return { ok: false, partial, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Splits an object that was read whole (the common case: a CloudTrail delivery file of a few
 * hundred KB). Synchronous, so a month of small files costs no per-record promise.
 * Returns undefined when the decompressed data is too large for one buffer; the caller then
 * streams the object through {@link splitRecords} instead.
 */
/**
 * The records of a whole object: either the parsed array itself (the fast path: record N is
 * `records[N - 1]`, positions are built only for rejections) or split items.
 */
type WholeSplit = { readonly records: readonly unknown[] } | { readonly items: readonly SplitItem[] };

/** The records array a parsed top-level value holds (wrapper or plain array), if any. */
function recordsArrayOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of WRAPPER_KEYS) {
    const inner = (value as Record<string, unknown>)[key];
    if (Array.isArray(inner)) return inner;
  }
  return undefined;
}

function splitBuffer(input: Uint8Array, options: SplitOptions = {}): WholeSplit | undefined {
  let data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let failure: string | undefined;
  if (isGzip(data)) {
    const inflated = inflateWhole(data);
    if (inflated.ok === 'too-large') return undefined;
    if (inflated.ok) data = inflated.data;
    else {
      data = inflated.partial;
      failure = inflated.error;
    }
  } else if (data.length > WHOLE_PARSE_LIMIT) {
    return undefined;
  }
  data = stripBom(data);
  const newSplitter = () => (options.lines ? new LineSplitter() : new StructuralScanner());
  if (failure === undefined && !options.lines) {
    // The common case, a delivery file: one JSON.parse and the records array as it is.
    try {
      const records = recordsArrayOf(JSON.parse(data.toString('utf8')));
      if (records) return { records };
    } catch {
      // Not one JSON document: split below, which localises the problem.
    }
  }
  if (failure === undefined) return { items: [...splitWhole(data, options, newSplitter)] };
  const splitter = newSplitter();
  const items = [...splitter.push(data)];
  items.push(
    rejection(
      RejectionCategory.CorruptCompression,
      `gzip data is corrupt or truncated (${failure}) after ${data.length} decompressed bytes; the rest of the file is unreadable`,
      splitter.unfinishedPosition(),
    ),
  );
  return { items };
}

export type { SplitOptions, WholeSplit };
export { MAX_RECORD_BYTES, splitBuffer, splitRecords, WHOLE_PARSE_LIMIT };
