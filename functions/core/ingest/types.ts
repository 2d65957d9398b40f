/**
 * @module Types shared by the ingest stage: sources in, split items out.
 */

/**
 * One input object (a local file, an S3 object, a LookupEvents page stream): a name for
 * messages and a way to read its bytes. Gzip is detected from the bytes, not the name.
 */
interface RecordSource {
  /** Shown in rejections and the evidence appendix, e.g. a path or `s3://bucket/key`. */
  readonly name: string;
  /** Size in bytes when known before reading (progress only). */
  readonly sizeBytes?: number;
  /** Opens the byte stream. Errors thrown here or while iterating become a rejection of the source. */
  open(): AsyncIterable<Uint8Array>;
  /**
   * Reads the whole object at once. Offered by adapters for objects small enough to hold in
   * memory (CloudTrail delivery files are typically well under 1 MB compressed); it lets the
   * pipeline read ahead and parse without per-chunk overhead. Resolves to undefined when the
   * object turns out too large, in which case the pipeline streams it through `open()`.
   */
  readAll?(): Promise<Uint8Array | undefined>;
}

/** Where in a source a record (or a bad region) sits, for messages an operator can act on. */
interface SourcePosition {
  /** 1-based index of the record within the source, when records could be delimited. */
  readonly record?: number;
  /** 1-based line number, for JSON-lines input. */
  readonly line?: number;
  /** Byte offset in the (decompressed) data where the record or problem starts. */
  readonly byte?: number;
}

/** A record cut out of a source, already parsed from JSON but not yet validated as CloudTrail. */
interface SplitRecord {
  readonly kind: 'record';
  readonly value: unknown;
  readonly position: SourcePosition;
}

/** A region of a source that could not become a record; counts as one rejected record. */
interface SplitRejection {
  readonly kind: 'rejected';
  readonly category: RejectionCategory;
  readonly reason: string;
  readonly position: SourcePosition;
}

type SplitItem = SplitRecord | SplitRejection;

const RejectionCategory = {
  EmptyFile: 'empty-file',
  UnreadableSource: 'unreadable-source',
  CorruptCompression: 'corrupt-compression',
  InvalidJson: 'invalid-json',
  Truncated: 'truncated',
  Oversized: 'oversized',
  NotCloudTrail: 'not-cloudtrail',
  MissingField: 'missing-field',
  WrongType: 'wrong-type',
  BadTimestamp: 'bad-timestamp',
  OutsidePeriod: 'outside-period',
} as const;
type RejectionCategory = (typeof RejectionCategory)[keyof typeof RejectionCategory];

/** Renders a position as words, e.g. `record 3 (line 3, byte 1042)`. */
function describePosition(position: SourcePosition): string {
  const parts: string[] = [];
  if (position.line !== undefined) parts.push(`line ${position.line}`);
  if (position.byte !== undefined) parts.push(`byte ${position.byte}`);
  if (position.record !== undefined) {
    return parts.length ? `record ${position.record} (${parts.join(', ')})` : `record ${position.record}`;
  }
  return parts.length ? parts.join(', ') : 'whole file';
}

export type { RecordSource, SourcePosition, SplitItem, SplitRecord, SplitRejection };
export { describePosition, RejectionCategory };
