/**
 * @module Local files and directories as record sources (the `files` source and the CLI's paths).
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { InputLedger } from '../../core/ingest/InputLedger.js';
import { type RecordSource, RejectionCategory } from '../../core/ingest/types.js';

/** File names read when walking a directory; a file named explicitly is always read. */
const RECORD_FILE = /\.(?:json|jsonl|ndjson)(?:\.gz)?$|\.gz$/i;
/** CloudTrail digest files sit beside log files; they carry hashes, not events. */
const DIGEST_FILE = /(?:^|[/\\])CloudTrail-Digest[/\\]|_CloudTrail-Digest_/;

/** Files up to this size are read whole (and read ahead); larger ones are streamed. */
const READ_WHOLE_BYTES = 8 * 1024 * 1024;

function fileSource(path: string, name: string, sizeBytes: number): RecordSource {
  return {
    name,
    sizeBytes,
    open: () => createReadStream(path, { highWaterMark: 1 << 20 }),
    readAll: sizeBytes <= READ_WHOLE_BYTES ? () => readFile(path) : undefined,
  };
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/**
 * Expands paths into sources in a stable order (each directory walked recursively, entries
 * sorted by name) so that the same tree always yields the same analysis. Paths that do not
 * exist are recorded as unreadable sources instead of stopping the run.
 */
async function* localSources(paths: readonly string[], ledger: InputLedger): AsyncGenerator<RecordSource> {
  const cwd = process.cwd();
  const display = (p: string) => {
    const rel = relative(cwd, p);
    return rel && !rel.startsWith(`..${sep}`) && rel !== '..' ? rel : p;
  };
  for (const input of paths) {
    const path = resolve(input);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      ledger.sources++;
      ledger.reject(
        input,
        {},
        RejectionCategory.UnreadableSource,
        `cannot read: ${(error as Error).message}`,
      );
      continue;
    }
    if (info.isFile()) {
      yield fileSource(path, display(path), info.size);
      continue;
    }
    for await (const file of walk(path)) {
      const name = display(file);
      if (DIGEST_FILE.test(file)) {
        ledger.skip(name, 'CloudTrail digest file (integrity hashes, no events)');
      } else if (!RECORD_FILE.test(file)) {
        ledger.skip(name, 'not a .json, .jsonl, .ndjson or .gz file');
      } else {
        const size = (await stat(file)).size;
        yield fileSource(file, name, size);
      }
    }
  }
}

export { localSources };
