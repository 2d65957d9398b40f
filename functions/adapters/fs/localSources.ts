/**
 * @module Local files and directories as record sources (the `files` source and the CLI's paths).
 */
import { closeSync, createReadStream, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { InputLedger } from '../../core/ingest/InputLedger.js';
import { type RecordSource, RejectionCategory } from '../../core/ingest/types.js';

/** File names read when walking a directory; a file named explicitly is always read. */
const RECORD_FILE = /\.(?:json|jsonl|ndjson)(?:\.gz)?$|\.gz$/i;
/** CloudTrail digest files sit beside log files; they carry hashes, not events. */
const DIGEST_FILE = /(?:^|[/\\])CloudTrail-Digest[/\\]|_CloudTrail-Digest_/;

/** Files up to this size are read whole; larger ones are streamed. */
const READ_WHOLE_BYTES = 8 * 1024 * 1024;

/**
 * Reads a small file in one go with synchronous calls. A month of CloudTrail is tens of
 * thousands of files of a few KB; four thread-pool round trips per file (open, stat, read,
 * close) cost more than parsing them, and this process does nothing else meanwhile.
 * Throws `TooLarge` so the caller streams the file instead.
 */
function readSmallFile(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > READ_WHOLE_BYTES) throw new FileTooLargeError(path);
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const n = readSync(fd, buffer, offset, size - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    return offset === size ? buffer : buffer.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

class FileTooLargeError extends Error {
  override name = 'FileTooLargeError' as const;
}

function fileSource(path: string, name: string): RecordSource & { readonly path: string } {
  return {
    path,
    name,
    open: () => createReadStream(path, { highWaterMark: 1 << 20 }),
    readAll: () => {
      try {
        return Promise.resolve(readSmallFile(path));
      } catch (error) {
        // Too large to hold whole: the pipeline streams it through open() instead.
        return error instanceof FileTooLargeError ? Promise.resolve(undefined) : Promise.reject(error);
      }
    },
  };
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
      yield fileSource(path, display(path));
      continue;
    }
    // One directory at a time keeps the listing bounded by the largest directory, not the tree.
    yield* walkSources(path, ledger, display);
  }
}

function* walkSources(
  dir: string,
  ledger: InputLedger,
  display: (p: string) => string,
): Generator<RecordSource & { readonly path: string }> {
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) {
      yield* walkSources(file, ledger, display);
      continue;
    }
    if (!entry.isFile()) continue;
    const name = display(file);
    if (DIGEST_FILE.test(file)) {
      ledger.skip(name, 'CloudTrail digest file (integrity hashes, no events)');
    } else if (!RECORD_FILE.test(file)) {
      ledger.skip(name, 'not a .json, .jsonl, .ndjson or .gz file');
    } else {
      yield fileSource(file, name);
    }
  }
}

/** A file to analyse: its absolute path and the name shown in messages. */
interface LocalFile {
  readonly path: string;
  readonly name: string;
  readonly size: number;
}

/**
 * Lists the files `paths` expand to, in the order `localSources` reads them, recording skipped
 * and missing paths in the ledger. Used to plan shards for a parallel run.
 */
function listLocalFiles(paths: readonly string[], ledger: InputLedger): LocalFile[] {
  const cwd = process.cwd();
  const display = (p: string) => {
    const rel = relative(cwd, p);
    return rel && !rel.startsWith(`..${sep}`) && rel !== '..' ? rel : p;
  };
  const files: LocalFile[] = [];
  for (const input of paths) {
    const path = resolve(input);
    let info: ReturnType<typeof statSync>;
    try {
      info = statSync(path);
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
    if (info?.isFile()) {
      files.push({ path, name: display(path), size: info.size });
      continue;
    }
    for (const source of walkSources(path, ledger, display)) {
      files.push({ path: source.path, name: source.name, size: statSync(source.path).size });
    }
  }
  return files;
}

/** Sources for an explicit list of files (a shard). */
function* fileSources(files: readonly LocalFile[]): Generator<RecordSource> {
  for (const file of files) yield fileSource(file.path, file.name);
}

export type { LocalFile };
export { fileSources, listLocalFiles, localSources };
