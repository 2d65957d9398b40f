/**
 * @module Writes byte chunks to a file, honouring stream back-pressure.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

class ChunkFileWriter {
  private readonly stream: WriteStream;
  bytes = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }

  /** Writes a chunk; returns a promise only when the caller must wait for the disk. */
  write(chunk: Uint8Array): Promise<void> | undefined {
    this.bytes += chunk.byteLength;
    if (this.stream.write(chunk)) return undefined;
    return once(this.stream, 'drain').then(() => undefined);
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

export { ChunkFileWriter };
