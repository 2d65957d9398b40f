/**
 * @module A minimal object store: what collection needs from an S3 bucket, with a local
 * directory twin, so the same collect code runs against AWS, a local S3-compatible server, or
 * files on disk.
 */
import type { RecordSource } from '../../core/ingest/types.js';

interface StoredObject {
  readonly key: string;
  readonly size: number;
  /** S3 ETag (quotes removed), or null where the store has none (local files). */
  readonly etag: string | null;
}

interface PutOptions {
  readonly contentType?: string;
  /** HTTP Cache-Control the object is served with (ignored by stores that do not serve). */
  readonly cacheControl?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** S3 Object Lock retention for this object version (ignored by stores without it). */
  readonly retention?: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly until: Date };
}

/** An object that is not there (deleted between list and get, or never written). */
class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError' as const;
}

interface ObjectStore {
  /** `s3://bucket` or an absolute directory, for messages. */
  readonly location: string;
  /** How an object is named in messages, manifests and reports: `s3://bucket/key` or a path. */
  uri(key: string): string;
  /** Every object under `prefix`, in key order, paginated lazily. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** The next level of "folders" under `prefix` (S3 common prefixes with a `/` delimiter). */
  listPrefixes(prefix: string): Promise<string[]>;
  /** @throws ObjectNotFoundError when the object does not exist */
  get(key: string): Promise<Uint8Array>;
  /** The object's bytes and its user metadata (S3 `x-amz-meta-*`). */
  getWithMetadata(key: string): Promise<{ body: Uint8Array; metadata: Readonly<Record<string, string>> }>;
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void>;
  /** The object as an ingest source (read whole when small, streamed otherwise). */
  recordSource(object: StoredObject): RecordSource;
}

/** Returns the object, or undefined when it does not exist. */
async function getIfExists(store: ObjectStore, key: string): Promise<Uint8Array | undefined> {
  try {
    return await store.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

export type { ObjectStore, PutOptions, StoredObject };
export { getIfExists, ObjectNotFoundError };
