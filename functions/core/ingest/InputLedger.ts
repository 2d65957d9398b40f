/**
 * @module The input ledger: every record read is accepted, a duplicate, or rejected with a reason.
 *
 * The invariant `records = accepted + duplicates + rejected` is what lets an auditor trust that
 * nothing was silently dropped. Detailed rejections are capped (a broken 1 GB file must not
 * fill memory); the counts per category are always complete.
 */
import { TimeSpan } from '../shared/TimeSpan.js';
import { describePosition, type SourcePosition } from './types.js';

/** Detailed rejections kept in the analysis; the rest are counted in `rejectionsOmitted`. */
const MAX_REJECTION_DETAILS = 1000;

interface RejectionDetail {
  readonly source: string;
  readonly position: string;
  readonly category: string;
  readonly reason: string;
}

interface SkippedSource {
  readonly source: string;
  readonly reason: string;
}

/**
 * One input object as read: its name, size and SHA-256 of the stored bytes (compressed, as
 * delivered — the form CloudTrail digest files hash), and how many records it held. Kept for
 * the report manifest, not in analysis.json: a month can be tens of thousands of objects.
 */
interface InputObject {
  readonly name: string;
  readonly bytes: number;
  /** Hex SHA-256 of the bytes read; null when the object could not be read. */
  readonly sha256: string | null;
  readonly records: number;
}

/** The `input` block of analysis.json. */
interface InputSummary {
  readonly sources: number;
  readonly bytes: number;
  readonly records: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly rejectionsByCategory: Readonly<Record<string, number>>;
  readonly rejections: readonly RejectionDetail[];
  readonly rejectionsOmitted: number;
  readonly skipped: readonly SkippedSource[];
  readonly firstEventTime: string | null;
  readonly lastEventTime: string | null;
}

interface LedgerState {
  readonly sources: number;
  readonly bytes: number;
  readonly records: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly byCategory: readonly (readonly [string, number])[];
  readonly details: readonly RejectionDetail[];
  readonly omitted: number;
  readonly skipped: readonly SkippedSource[];
  readonly objects: readonly InputObject[];
  readonly seen: { firstMs: number; first: string; lastMs: number; last: string } | null;
}

class InputLedger {
  sources = 0;
  bytes = 0;
  records = 0;
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  private readonly byCategory = new Map<string, number>();
  private readonly details: RejectionDetail[] = [];
  private omitted = 0;
  private readonly skipped: SkippedSource[] = [];
  private readonly objects: InputObject[] = [];
  private readonly seen = new TimeSpan();

  accept(eventTime: string, timeMs: number): void {
    this.records++;
    this.accepted++;
    this.seen.add(timeMs, eventTime);
  }

  duplicate(): void {
    this.records++;
    this.duplicates++;
  }

  reject(source: string, position: SourcePosition, category: string, reason: string): void {
    this.records++;
    this.rejected++;
    this.byCategory.set(category, (this.byCategory.get(category) ?? 0) + 1);
    if (this.details.length < MAX_REJECTION_DETAILS) {
      this.details.push({ source, position: describePosition(position), category, reason });
    } else {
      this.omitted++;
    }
  }

  /** A file that was deliberately not read (e.g. a CloudTrail digest file); not a record. */
  skip(source: string, reason: string): void {
    if (this.skipped.length < MAX_REJECTION_DETAILS) this.skipped.push({ source, reason });
  }

  /** Notes an object that was read (or failed to be read) in full. */
  object(entry: InputObject): void {
    this.objects.push(entry);
  }

  /** Every object read, in reading order. */
  inputObjects(): readonly InputObject[] {
    return this.objects;
  }

  /** The ledger as plain data, for merging partial analyses (shards). */
  exportState(): LedgerState {
    return {
      sources: this.sources,
      bytes: this.bytes,
      records: this.records,
      accepted: this.accepted,
      duplicates: this.duplicates,
      rejected: this.rejected,
      byCategory: [...this.byCategory.entries()],
      details: [...this.details],
      omitted: this.omitted,
      skipped: [...this.skipped],
      objects: [...this.objects],
      seen: this.seen.empty
        ? null
        : {
            firstMs: this.seen.firstMs,
            first: this.seen.first,
            lastMs: this.seen.lastMs,
            last: this.seen.last,
          },
    };
  }

  /** Adds another shard's ledger; details keep shard order and the same cap. */
  importState(state: LedgerState): void {
    this.sources += state.sources;
    this.bytes += state.bytes;
    this.records += state.records;
    this.accepted += state.accepted;
    this.duplicates += state.duplicates;
    this.rejected += state.rejected;
    for (const [category, n] of state.byCategory)
      this.byCategory.set(category, (this.byCategory.get(category) ?? 0) + n);
    for (const d of state.details) {
      if (this.details.length < MAX_REJECTION_DETAILS) this.details.push(d);
      else this.omitted++;
    }
    this.omitted += state.omitted;
    for (const s of state.skipped) if (this.skipped.length < MAX_REJECTION_DETAILS) this.skipped.push(s);
    for (const o of state.objects) this.objects.push(o);
    if (state.seen) {
      this.seen.add(state.seen.firstMs, state.seen.first);
      this.seen.add(state.seen.lastMs, state.seen.last);
    }
  }

  summary(): InputSummary {
    return {
      sources: this.sources,
      bytes: this.bytes,
      records: this.records,
      accepted: this.accepted,
      duplicates: this.duplicates,
      rejected: this.rejected,
      rejectionsByCategory: Object.fromEntries(
        [...this.byCategory.entries()].sort(([a], [b]) => a.localeCompare(b)),
      ),
      rejections: [...this.details],
      rejectionsOmitted: this.omitted,
      skipped: [...this.skipped],
      firstEventTime: this.seen.empty ? null : this.seen.first,
      lastEventTime: this.seen.empty ? null : this.seen.last,
    };
  }
}

export type { InputObject, InputSummary, LedgerState, RejectionDetail, SkippedSource };
export { InputLedger, MAX_REJECTION_DETAILS };
