/**
 * @module Reports kept in S3: a report directory uploaded under a prefix (optionally under Object
 * Lock retention), and a prefix downloaded again to be verified byte for byte.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore, PutOptions } from '../adapters/store/ObjectStore.js';
import { contentTypeOf } from '../core/share/reportKeys.js';
import { OutputDirectoryError, REPORT_FILES } from './reportJob.js';

function withSlash(prefix: string): string {
  return prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
}

/** Refuses a prefix that holds objects other than an earlier report's (they would not be signed). */
async function checkReportPrefix(store: ObjectStore, prefix: string): Promise<void> {
  const base = withSlash(prefix);
  const foreign: string[] = [];
  for await (const o of store.list(base)) {
    const name = o.key.slice(base.length);
    if (!REPORT_FILES.has(name)) foreign.push(name);
    if (foreign.length >= 3) break;
  }
  if (foreign.length) {
    throw new OutputDirectoryError(
      `${store.uri(base)} holds objects that are not part of a report (${foreign.join(', ')}); the manifest signs every file of a report, so choose an empty prefix`,
    );
  }
}

/** Uploads every file of a report directory under `prefix`; the manifest goes last. */
async function uploadReport(
  dir: string,
  store: ObjectStore,
  prefix: string,
  retention?: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly until: Date },
): Promise<string[]> {
  const base = withSlash(prefix);
  const names = (await readdir(dir)).filter((n) => REPORT_FILES.has(n)).sort();
  // The manifest is written last: a reader never sees a manifest without its files.
  names.sort((a, b) => Number(a === 'manifest.json') - Number(b === 'manifest.json'));
  const uploaded: string[] = [];
  for (const name of names) {
    const options: PutOptions = {
      contentType: contentTypeOf(name),
      ...(retention ? { retention } : {}),
    };
    await store.put(`${base}${name}`, await readFile(path.join(dir, name)), options);
    uploaded.push(store.uri(`${base}${name}`));
  }
  return uploaded;
}

/** Downloads every object under `prefix` into `dir` (streamed), keeping relative names. */
async function downloadPrefix(store: ObjectStore, prefix: string, dir: string): Promise<number> {
  const base = withSlash(prefix);
  let count = 0;
  for await (const o of store.list(base)) {
    const relative = o.key.slice(base.length);
    if (!relative || relative.split('/').some((p) => p === '..' || p === '')) continue;
    const file = path.join(dir, ...relative.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await pipeline(store.recordSource(o).open(), createWriteStream(file));
    count++;
  }
  return count;
}

export { checkReportPrefix, downloadPrefix, uploadReport };
