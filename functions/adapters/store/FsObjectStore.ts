/**
 * @module A local directory as an object store: keys are paths relative to the root, `/`-separated.
 * Used for local collection output (`--out DIR`) and for trail trees copied to disk.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecordSource } from '../../core/ingest/types.js';
import { ObjectNotFoundError, type ObjectStore, type PutOptions, type StoredObject } from './ObjectStore.js';

/** Objects up to this size are read whole; larger ones are streamed. */
const READ_WHOLE_BYTES = 8 * 1024 * 1024;
/** Metadata of an object lives beside it (S3 user metadata has no file-system twin). */
const METADATA_SUFFIX = '.metadata.json';

class FsObjectStore implements ObjectStore {
  readonly location: string;

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  uri(key: string): string {
    return path.join(this.location, ...key.split('/'));
  }

  private file(key: string): string {
    if (key.split('/').some((part) => part === '..'))
      throw new Error(`unsafe object key ${JSON.stringify(key)}`);
    return this.uri(key);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    // The deepest directory the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash + 1) : '';
    const keys: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const key = `${keyPrefix}${entry.name}`;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), `${key}/`);
        else if (entry.isFile() && !entry.name.endsWith(METADATA_SUFFIX) && !entry.name.startsWith('.tmp-'))
          keys.push(key);
      }
    };
    await walk(this.uri(dirKey), dirKey);
    keys.sort();
    for (const key of keys) {
      if (!key.startsWith(prefix)) continue;
      const info = await stat(this.uri(key));
      yield { key, size: info.size, etag: null };
    }
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    try {
      const entries = await readdir(this.uri(prefix), { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory())
        .map((e) => `${prefix}${e.name}/`)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.file(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new ObjectNotFoundError(`${this.uri(key)} does not exist`);
      throw error;
    }
  }

  async getWithMetadata(key: string) {
    const body = await this.get(key);
    let metadata: Record<string, string> = {};
    try {
      metadata = JSON.parse(await readFile(`${this.file(key)}${METADATA_SUFFIX}`, 'utf8'));
    } catch {
      metadata = {};
    }
    return { body, metadata };
  }

  /** Writes atomically (temporary file, then rename): a killed run never leaves half an object. */
  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = path.join(path.dirname(file), `.tmp-${path.basename(file)}-${process.pid}`);
    await writeFile(temporary, body);
    await rename(temporary, file);
    if (options?.metadata) await writeFile(`${file}${METADATA_SUFFIX}`, JSON.stringify(options.metadata));
  }

  recordSource(object: StoredObject): RecordSource {
    const file = this.file(object.key);
    return {
      name: this.uri(object.key),
      sizeBytes: object.size,
      open: () => createReadStream(file, { highWaterMark: 1 << 20 }),
      readAll: async () => (object.size <= READ_WHOLE_BYTES ? readFile(file) : undefined),
    };
  }
}

export { FsObjectStore };
