/**
 * @module An S3 bucket as an object store, with @aws-sdk/client-s3.
 *
 * Listing is paginated lazily (a month of one account-region is ~9,000 objects; a bucket may
 * hold years), reads of small objects are whole and retried, large ones streamed. The SDK's
 * standard retry mode handles throttling (503 SlowDown) and 5xx; a read that still fails, or an
 * object deleted between list and get, surfaces as an error of that object only.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { RecordSource } from '../../core/ingest/types.js';
import { ObjectNotFoundError, type ObjectStore, type PutOptions, type StoredObject } from './ObjectStore.js';

/** Objects up to this size are read whole (and can be read ahead in parallel); larger ones are streamed. */
const READ_WHOLE_BYTES = 8 * 1024 * 1024;
/** Whole-object reads retried after a body that broke off mid-way (the SDK retries only the request). */
const BODY_ATTEMPTS = 3;

function isNotFound(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    (error instanceof S3ServiceException &&
      (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404))
  );
}

class S3ObjectStore implements ObjectStore {
  readonly location: string;

  /**
   * @param kmsKeyId - a KMS key every object written is encrypted with (SSE-KMS), e.g. the
   *   tenant's own key in a shared reports bucket; default: the bucket's default encryption
   */
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly kmsKeyId?: string,
  ) {
    this.location = `s3://${bucket}`;
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        yield { key: o.Key, size: o.Size ?? 0, etag: o.ETag ? o.ETag.replaceAll('"', '') : null };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: '/',
          ContinuationToken: token,
        }),
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }

  private async read(key: string): Promise<{ body: Uint8Array; metadata: Record<string, string> }> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= BODY_ATTEMPTS; attempt++) {
      try {
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        if (!response.Body) throw new Error('empty response body');
        return { body: await response.Body.transformToByteArray(), metadata: response.Metadata ?? {} };
      } catch (error) {
        if (isNotFound(error))
          throw new ObjectNotFoundError(`${this.uri(key)} does not exist (deleted after listing?)`);
        lastError = error;
        // Errors with an HTTP status were already retried by the SDK; a broken body was not.
        if (error instanceof S3ServiceException) break;
      }
    }
    throw lastError;
  }

  async get(key: string): Promise<Uint8Array> {
    return (await this.read(key)).body;
  }

  async getWithMetadata(key: string) {
    return this.read(key);
  }

  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: options?.contentType,
        CacheControl: options?.cacheControl,
        Metadata: options?.metadata ? { ...options.metadata } : undefined,
        ObjectLockMode: options?.retention?.mode,
        ObjectLockRetainUntilDate: options?.retention?.until,
        ...(this.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.kmsKeyId } : {}),
      }),
    );
  }

  recordSource(object: StoredObject): RecordSource {
    const { key } = object;
    return {
      name: this.uri(key),
      sizeBytes: object.size,
      open: () => this.stream(key),
      readAll: () => (object.size <= READ_WHOLE_BYTES ? this.get(key) : Promise.resolve(undefined)),
    };
  }

  private async *stream(key: string): AsyncGenerator<Uint8Array> {
    const response = await this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch((error) => {
        throw isNotFound(error)
          ? new ObjectNotFoundError(`${this.uri(key)} does not exist (deleted after listing?)`)
          : error;
      });
    if (!response.Body) return;
    yield* response.Body as AsyncIterable<Uint8Array>;
  }
}

export { S3ObjectStore };
