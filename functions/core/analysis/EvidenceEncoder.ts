/**
 * @module Encodes evidence.ndjson lines straight into byte chunks.
 *
 * A month can hold millions of events, so each line is assembled from pre-encoded fragments
 * (API call, place, actor and credential, controls: each encoded once) plus the event's own ID
 * and time, copied into a reusable buffer. This avoids building and re-encoding a JavaScript
 * string per event, which cost more than the rest of the line's work.
 */

const CHUNK_BYTES = 1 << 20;
/** IDs made only of these characters need no JSON escaping. */
const PLAIN = /^[A-Za-z0-9._:@/+=-]*$/;

const OPEN = Buffer.from('{"eventId":');
const TIME = Buffer.from(',"eventTime":"');
const AFTER_TIME = Buffer.from('",');
const COMMA = Buffer.from(',');
const CONTROLS = Buffer.from(',"controls":');
const FINDINGS = Buffer.from(',"findings":[');
const CLOSE = Buffer.from(']}\n');

/** Receives full chunks; a returned promise applies back-pressure. */
type ChunkSink = (chunk: Uint8Array) => void | Promise<void>;

/** The parts of one line; fragments are pre-encoded JSON (`"k":v,"k":v`) without surrounding commas. */
interface EvidenceLine {
  readonly eventId: string;
  readonly eventTime: string;
  readonly call: Buffer;
  readonly place: Buffer;
  readonly who: Buffer;
  /** The JSON array of control IDs, e.g. `["NHI7:2025"]`. */
  readonly controls: Buffer;
  /** Finding IDs, already quoted and comma-separated (ASCII). */
  readonly findings: string;
}

function quotedId(id: string): Buffer | string {
  // The common case (UUIDs) is written as latin1 between quotes; anything else goes through JSON.
  return PLAIN.test(id) ? id : Buffer.from(JSON.stringify(id));
}

class EvidenceEncoder {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private position = 0;
  lines = 0;

  constructor(private readonly sink: ChunkSink) {}

  /** Appends one line; returns a promise only when a full chunk had to be handed to the sink. */
  append(line: EvidenceLine): void | Promise<void> {
    const id = quotedId(line.eventId);
    const idBytes = typeof id === 'string' ? id.length + 2 : id.length;
    const size =
      OPEN.length +
      idBytes +
      TIME.length +
      line.eventTime.length +
      AFTER_TIME.length +
      line.call.length +
      COMMA.length +
      line.place.length +
      COMMA.length +
      line.who.length +
      CONTROLS.length +
      line.controls.length +
      FINDINGS.length +
      line.findings.length +
      CLOSE.length;
    let pending: void | Promise<void> | undefined;
    if (this.position + size > this.buffer.length) {
      pending = this.flushChunk(Math.max(CHUNK_BYTES, size));
    }
    const b = this.buffer;
    let p = this.position;
    p += OPEN.copy(b, p);
    if (typeof id === 'string') {
      b[p++] = 0x22;
      p += b.write(id, p, 'latin1');
      b[p++] = 0x22;
    } else {
      p += id.copy(b, p);
    }
    p += TIME.copy(b, p);
    p += b.write(line.eventTime, p, 'latin1');
    p += AFTER_TIME.copy(b, p);
    p += line.call.copy(b, p);
    b[p++] = 0x2c;
    p += line.place.copy(b, p);
    b[p++] = 0x2c;
    p += line.who.copy(b, p);
    p += CONTROLS.copy(b, p);
    p += line.controls.copy(b, p);
    p += FINDINGS.copy(b, p);
    if (line.findings) p += b.write(line.findings, p, 'latin1');
    p += CLOSE.copy(b, p);
    this.position = p;
    this.lines++;
    return pending;
  }

  /** Hands over whatever is buffered. */
  close(): void | Promise<void> {
    if (this.position === 0) return;
    return this.flushChunk(CHUNK_BYTES);
  }

  private flushChunk(nextSize: number): void | Promise<void> {
    const full = this.buffer.subarray(0, this.position);
    // The sink may keep the chunk (a write stream does), so the next lines go to a fresh buffer.
    this.buffer = Buffer.allocUnsafe(nextSize);
    this.position = 0;
    return full.length ? this.sink(full) : undefined;
  }
}

export type { ChunkSink, EvidenceLine };
export { EvidenceEncoder };
