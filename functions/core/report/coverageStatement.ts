/**
 * @module The coverage statement: what data the report rests on and, above all, what was missing.
 *
 * An auditor reads "no finding" as "nothing happened" unless told what could not be seen, so
 * every known blind spot is stated in plain words: accounts not read, accounts read only through
 * LookupEvents, accounts without data events (agent and tool invocations invisible), days
 * without any event, rejected records and whether log-file integrity was validated.
 */
import type { Analysis } from '../analysis/types.js';
import type { TenantConfig } from '../config/tenantConfig.js';

type DigestStatus = 'verified' | 'not-covered' | 'failed' | 'not-validated';

/** What the report job knows about collection beyond the analysis. */
interface CollectionFacts {
  /** Input objects per digest-validation status (from the manifest's inputs). */
  readonly digest: Readonly<Partial<Record<DigestStatus, number>>>;
  /** Accounts whose collection failed, with why (e.g. AccessDenied on the log bucket). */
  readonly failedAccounts?: readonly { readonly account: string; readonly reason: string }[];
  /** Limits collection met, in plain words (each becomes a gap). */
  readonly notes?: readonly string[];
}

interface CoverageItem {
  /** `gap`: something could not be seen; `ok`: a check that passed; `note`: context. */
  readonly level: 'gap' | 'ok' | 'note';
  readonly text: string;
}

const num = (n: number) => n.toLocaleString('en-US');

function listOf(items: readonly string[], max = 4): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Consecutive days as ranges: `2026-10-14 – 2026-10-16, 2026-10-20`. */
function dayRanges(days: readonly string[]): string[] {
  const out: string[] = [];
  let start = '';
  let prev = '';
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  for (const d of [...days].sort()) {
    if (start && d === next(prev)) {
      prev = d;
      continue;
    }
    if (start) out.push(start === prev ? start : `${start} – ${prev}`);
    start = d;
    prev = d;
  }
  if (start) out.push(start === prev ? start : `${start} – ${prev}`);
  return out;
}

function coverageStatement(analysis: Analysis, config: TenantConfig, facts: CollectionFacts): CoverageItem[] {
  const items: CoverageItem[] = [];
  const nameOf = (id: string) => {
    const declared = config.accounts.find((a) => a.id === id);
    return declared ? `${declared.name} (${id})` : id;
  };
  const activity = new Map(analysis.accountActivity.map((a) => [a.account, a]));
  const failed = new Map((facts.failedAccounts ?? []).map((f) => [f.account, f.reason]));

  for (const [account, reason] of failed) {
    items.push({
      level: 'gap',
      text: `Collection failed for ${nameOf(account)}: ${reason}. Its activity is not covered.`,
    });
  }
  const silent = config.accounts.filter((a) => !activity.has(a.id) && !failed.has(a.id));
  if (silent.length) {
    items.push({
      level: 'gap',
      text: `No events were read for ${listOf(silent.map((a) => nameOf(a.id)))}: ${silent.length === 1 ? 'its' : 'their'} activity is not covered by this report.`,
    });
  }
  for (const note of facts.notes ?? []) items.push({ level: 'gap', text: note });
  const lookupOnly = config.accounts.filter((a) => 'lookupEvents' in a.source);
  if (lookupOnly.length) {
    items.push({
      level: 'gap',
      text: `${listOf(lookupOnly.map((a) => nameOf(a.id)))} ${lookupOnly.length === 1 ? 'is' : 'are'} read through the CloudTrail LookupEvents API: management events of the last 90 days only, no data events, and no digest files to prove the logs complete.`,
    });
  }
  const noData = analysis.accountActivity.filter((a) => a.events > 0 && a.dataEvents === 0);
  if (noData.length) {
    items.push({
      level: 'gap',
      text: `No data events were logged for ${listOf(noData.map((a) => nameOf(a.account)))}. There, S3 object access, Lambda invocations and Bedrock agent runtime calls (InvokeAgent, Retrieve, InvokeFlow) are invisible, so an agent's tool use cannot be shown.`,
    });
  }
  const withData = analysis.accountActivity.filter((a) => a.dataEvents > 0);
  if (withData.length) {
    items.push({
      level: 'ok',
      text: `Data events were logged for ${listOf(withData.map((a) => nameOf(a.account)))} (${num(withData.reduce((n, a) => n + a.dataEvents, 0))} events).`,
    });
  }
  for (const a of analysis.accountActivity) {
    if (!a.daysWithoutEvents.length) continue;
    const ranges = dayRanges(a.daysWithoutEvents);
    items.push({
      level: 'gap',
      text: `${nameOf(a.account)} logged nothing on ${a.daysWithoutEvents.length} day(s): ${listOf(ranges, 5)}. Check that the trail was logging and delivering then.`,
    });
  }
  const undeclared = analysis.accountActivity.filter((a) => !config.accounts.some((c) => c.id === a.account));
  if (undeclared.length) {
    items.push({
      level: 'note',
      text: `Events were also read for ${listOf(undeclared.map((a) => a.account))}, which the tenant config does not list; principals of unlisted accounts count as third parties.`,
    });
  }

  const totalObjects = Object.values(facts.digest).reduce((n, v) => n + (v ?? 0), 0);
  const d = (s: DigestStatus) => facts.digest[s] ?? 0;
  if (totalObjects > 0) {
    if (d('failed')) {
      items.push({
        level: 'gap',
        text: `Log-file integrity check FAILED for ${num(d('failed'))} of ${num(totalObjects)} input objects: they differ from what CloudTrail signed in its digest files. Treat their events as untrusted.`,
      });
    }
    if (d('verified')) {
      items.push({
        level: 'ok',
        text: `${num(d('verified'))} of ${num(totalObjects)} input objects match CloudTrail's signed digest files.`,
      });
    }
    if (d('not-covered')) {
      items.push({
        level: 'gap',
        text: `${num(d('not-covered'))} input objects are not listed in any digest file read, so their integrity is unproven.`,
      });
    }
    if (d('not-validated')) {
      items.push({
        level: 'gap',
        text: `Log-file integrity (CloudTrail digest files) was not validated for ${num(d('not-validated'))} input object(s)${d('not-validated') === totalObjects ? ': they were read from local files or the LookupEvents API' : ''}. The manifest beside this report records each object's SHA-256.`,
      });
    }
  }
  const { input } = analysis;
  if (input.rejected) {
    items.push({
      level: 'gap',
      text: `${num(input.rejected)} of ${num(input.records)} records were rejected as unusable (reasons in the appendix); their actions are not analysed.`,
    });
  }
  if (input.duplicates) {
    items.push({
      level: 'note',
      text: `${num(input.duplicates)} records were copies of events already read (the same eventID, e.g. delivered by both an organization trail and an account trail) and counted once.`,
    });
  }
  return items;
}

export type { CollectionFacts, CoverageItem, DigestStatus };
export { coverageStatement, dayRanges };
