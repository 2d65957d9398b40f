/**
 * @module Splits a sorted list of log files into contiguous shards for parallel analysis.
 *
 * Shards are contiguous runs of the sorted list, cut only between account/region/day groups, so
 * that (a) merging shards in order reproduces the single-run order of events and evidence
 * lines, and (b) the copies of one event — the same account, region and day delivered by an
 * organization trail and an account trail — land in the same shard and are deduplicated there.
 * Shards are balanced by bytes, which track events far better than file counts do.
 */

interface ShardInput {
  readonly path: string;
  /** Bytes on disk (compressed size is fine: it is proportional to the events within). */
  readonly size: number;
}

/** `AWSLogs/[o-…/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/` → `<account>/<region>/<date>`; otherwise the parent directory. */
function groupOf(path: string): string {
  const m = /AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\/([^/]+)\/(\d{4}\/\d{2}\/\d{2})\//.exec(
    path.replaceAll('\\', '/'),
  );
  if (m) return `${m[1]}/${m[2]}/${m[3]}`;
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash >= 0 ? path.slice(0, slash) : '';
}

/**
 * Orders files so each account/region/day group is contiguous (groups by key, files by path
 * within), which puts an organization trail's copy of a day next to the account trail's copy.
 * Every run uses this order, so evidence lines come out the same with or without shards.
 */
function orderByGroup<T extends ShardInput>(files: readonly T[]): T[] {
  const keyed = files.map((file, index) => ({ file, index, group: groupOf(file.path) }));
  keyed.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.index - b.index));
  return keyed.map((k) => k.file);
}

/**
 * Cuts `files` (in their given order) into at most `count` shards of roughly equal bytes.
 * A group is never split; a shard boundary falls at the first group change after the target.
 */
function planShards<T extends ShardInput>(files: readonly T[], count: number): T[][] {
  if (count <= 1 || files.length === 0) return [files.slice()];
  const total = files.reduce((sum, f) => sum + Math.max(f.size, 1), 0);
  const target = total / count;
  const shards: T[][] = [[]];
  let placed = 0;
  let previous: string | undefined;
  for (const file of files) {
    const group = groupOf(file.path);
    if (group !== previous && placed >= target * shards.length && shards.length < count) shards.push([]);
    shards.at(-1)!.push(file);
    placed += Math.max(file.size, 1);
    previous = group;
  }
  return shards;
}

/**
 * Cuts files (in their given order) into runs of one account/region/day group: the units an
 * analysis is made of, whether one thread or several read them (see analyzeJob).
 */
function groupRuns<T extends ShardInput>(files: readonly T[]): T[][] {
  const runs: T[][] = [];
  let previous: string | undefined;
  for (const file of files) {
    const group = groupOf(file.path);
    if (group !== previous || !runs.length) runs.push([]);
    runs.at(-1)!.push(file);
    previous = group;
  }
  return runs;
}

export type { ShardInput };
export { groupOf, groupRuns, orderByGroup, planShards };
