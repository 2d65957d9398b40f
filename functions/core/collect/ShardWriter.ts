/**
 * @module Cuts a stream of JSON lines into gzip-compressed NDJSON shards of bounded size.
 *
 * Memory holds at most one shard's lines; each finished shard is handed to the sink (an S3 or
 * file put) before the next one fills, so collection memory stays flat whatever the volume.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

interface ShardLimits {
  /** Uncompressed bytes per shard. @default 32 MiB */
  readonly maxBytes?: number;
  /** Records per shard. @default 100,000 */
  readonly maxRecords?: number;
}

interface ShardInfo {
  /** 1-based, in write order. */
  readonly index: number;
  readonly records: number;
  /** Compressed size. */
  readonly bytes: number;
  readonly sha256: string;
}

/** Receives each finished shard (gzip bytes); may return a promise to apply back-pressure. */
type ShardSink = (shard: ShardInfo, body: Uint8Array) => Promise<void>;

class ShardWriter {
  private lines: string[] = [];
  private size = 0;
  private readonly maxBytes: number;
  private readonly maxRecords: number;
  private readonly written: ShardInfo[] = [];

  constructor(
    private readonly sink: ShardSink,
    limits: ShardLimits = {},
  ) {
    this.maxBytes = limits.maxBytes ?? 32 * 1024 * 1024;
    this.maxRecords = limits.maxRecords ?? 100_000;
  }

  /** Adds one JSON line (without the newline); returns a promise when a shard is being written. */
  add(line: string): Promise<void> | undefined {
    this.lines.push(line);
    this.size += Buffer.byteLength(line) + 1;
    if (this.size >= this.maxBytes || this.lines.length >= this.maxRecords) return this.flush();
    return undefined;
  }

  /** Writes the lines gathered so far as a shard (no shard when there are none). */
  async flush(): Promise<void> {
    if (!this.lines.length) return;
    // Level 6 and no header timestamp: the same lines always give the same bytes (idempotent re-runs).
    const body = gzipSync(`${this.lines.join('\n')}\n`, { level: 6 });
    const shard: ShardInfo = {
      index: this.written.length + 1,
      records: this.lines.length,
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    };
    this.lines = [];
    this.size = 0;
    this.written.push(shard);
    await this.sink(shard, body);
  }

  /** Every shard written, in order. */
  shards(): readonly ShardInfo[] {
    return this.written;
  }
}

export type { ShardInfo, ShardLimits, ShardSink };
export { ShardWriter };
