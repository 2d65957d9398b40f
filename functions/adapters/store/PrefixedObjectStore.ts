/**
 * @module An object store seen through a key prefix (`s3://bucket/prefix` as a store root).
 */
import type { RecordSource } from '../../core/ingest/types.js';
import type { ObjectStore, PutOptions, StoredObject } from './ObjectStore.js';

class PrefixedObjectStore implements ObjectStore {
  readonly location: string;
  private readonly prefix: string;

  constructor(
    private readonly inner: ObjectStore,
    prefix: string,
  ) {
    this.prefix = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
    this.location = inner.uri(this.prefix);
  }

  uri(key: string): string {
    return this.inner.uri(this.prefix + key);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for await (const o of this.inner.list(this.prefix + prefix))
      yield { ...o, key: o.key.slice(this.prefix.length) };
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    return (await this.inner.listPrefixes(this.prefix + prefix)).map((p) => p.slice(this.prefix.length));
  }

  get(key: string): Promise<Uint8Array> {
    return this.inner.get(this.prefix + key);
  }

  getWithMetadata(key: string) {
    return this.inner.getWithMetadata(this.prefix + key);
  }

  put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    return this.inner.put(this.prefix + key, body, options);
  }

  recordSource(object: StoredObject): RecordSource {
    return this.inner.recordSource({ ...object, key: this.prefix + object.key });
  }
}

export { PrefixedObjectStore };
