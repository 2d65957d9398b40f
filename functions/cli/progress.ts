/**
 * @module Progress on a terminal (files, events, events/s); silent when output is piped.
 */
import type { IngestProgress } from '../core/ingest/ingestEvents.js';

interface ProgressReporter {
  readonly update: (progress: IngestProgress & { events: number }) => void;
  readonly done: () => void;
}

function createProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter | undefined {
  if (!stream.isTTY) return undefined;
  const started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - lastDraw < 200) return;
      lastDraw = now;
      const seconds = Math.max((now - started) / 1000, 0.001);
      const rate = Math.round(p.events / seconds);
      const line = `  files ${p.sources.toLocaleString('en-US')} · events ${p.events.toLocaleString('en-US')} · ${rate.toLocaleString('en-US')} events/s · ${(p.bytes / 1048576).toFixed(1)} MB read`;
      stream.write(
        `\r${line.padEnd(Math.max(stream.columns ?? 80, 20) - 1).slice(0, (stream.columns ?? 80) - 1)}`,
      );
      drawn = true;
    },
    done: () => {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

export { createProgress };
