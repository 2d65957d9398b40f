/**
 * @module Writes JSON lines to a file in large chunks, honouring stream back-pressure.
 */

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

const FLUSH_BYTES = 1 << 20;

class NdjsonFileWriter {
  private readonly stream: WriteStream;
  private buffer: string[] = [];
  private buffered = 0;
  lines = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }

  /** Queues one line; returns a promise only when the caller must wait for the disk. */
  write(line: string): Promise<void> | undefined {
    this.buffer.push(line);
    this.buffered += line.length + 1;
    this.lines++;
    if (this.buffered < FLUSH_BYTES) return undefined;
    return this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    this.buffered = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}

export { NdjsonFileWriter };
