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

export type { InputSummary, RejectionDetail, SkippedSource };
export { InputLedger, MAX_REJECTION_DETAILS };
