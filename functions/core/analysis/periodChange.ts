/**
 * @module Change since the previous period: the current analysis compared with the stored
 * analysis.json of the period before.
 *
 * Finding ids are stable across periods (rule, actor and resource), so a finding is new,
 * resolved or persisting by id. Identities compare by actor id. Only the fields this comparison
 * reads are validated, so analyses from older @1 versions of the tool still compare.
 */
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../controls/ruleSchema.js';
import { ACTOR_CLASSES, type ActorClass, MACHINE_CLASSES } from '../identity/principal.js';
import { describeIssue, formatIssuePath } from '../shared/zodIssues.js';
import { type Analysis, READABLE_ANALYSIS_SCHEMAS } from './types.js';

/** The previous analysis is unusable for comparison; the message names the file and the field. */
class PreviousAnalysisError extends Error {
  override name = 'PreviousAnalysisError' as const;
}

const previousFinding = z.object({
  id: z.string(),
  rule: z.string(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  actor: z.string(),
  actorName: z.string(),
  count: z.number(),
  controls: z.array(z.string()),
  suppressed: z.unknown().optional(),
});

const previousAnalysisSchema = z.object({
  schema: z.enum(READABLE_ANALYSIS_SCHEMAS),
  tenant: z.object({ id: z.string(), name: z.string() }),
  period: z.object({ from: z.string(), to: z.string(), label: z.string() }).nullable(),
  tool: z.object({ version: z.string() }),
  catalogVersion: z.string(),
  input: z.object({ accepted: z.number(), rejected: z.number(), sources: z.number() }),
  summary: z.object({
    accounts: z.array(z.string()),
    regions: z.array(z.string()),
    machineActions: z.number(),
    actions: z.number(),
  }),
  accountability: z.object({ coverage: z.number(), machineActions: z.number(), ownedActions: z.number() }),
  actors: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      class: z.enum(ACTOR_CLASSES as [ActorClass, ...ActorClass[]]),
      owner: z.string().nullable(),
      events: z.number(),
    }),
  ),
  findings: z.array(previousFinding),
  controls: z.array(z.object({ id: z.string(), title: z.string(), status: z.string() })),
});

type PreviousAnalysis = z.infer<typeof previousAnalysisSchema>;

/** Checks that `data` (parsed from `source`) is an analysis this tool can compare with. */
function parsePreviousAnalysis(data: unknown, source: string): PreviousAnalysis {
  const schema = (data as { schema?: unknown } | null)?.schema;
  if (typeof schema === 'string' && !(READABLE_ANALYSIS_SCHEMAS as readonly string[]).includes(schema)) {
    throw new PreviousAnalysisError(
      `${source}: schema ${schema} is not ${READABLE_ANALYSIS_SCHEMAS.join(' or ')}; compare with an analysis.json from this major version`,
    );
  }
  const parsed = previousAnalysisSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = formatIssuePath(issue.path, data);
    throw new PreviousAnalysisError(
      `${source}: not a Trailproof analysis.json (${describeIssue(issue, where)})`,
    );
  }
  return parsed.data;
}

interface FindingRef {
  readonly id: string;
  readonly rule: string;
  readonly title: string;
  readonly severity: Severity;
  readonly actor: string;
  readonly actorName: string;
  readonly count: number;
  readonly controls: readonly string[];
}

interface PersistingFinding extends FindingRef {
  readonly previousCount: number;
}

interface IdentityRef {
  readonly id: string;
  readonly name: string;
  readonly class: ActorClass;
  readonly owner: string | null;
  readonly events: number;
}

interface ControlChange {
  readonly id: string;
  readonly title: string;
  readonly previous: string;
  readonly current: string;
}

/** One of the most important changes, in plain words, ranked by `weight` (higher first). */
interface ChangeHighlight {
  readonly kind:
    | 'new-finding'
    | 'resolved-finding'
    | 'control-violated'
    | 'control-recovered'
    | 'accountability'
    | 'ownerless-identity'
    | 'accounts-lost'
    | 'accounts-added';
  readonly text: string;
  readonly weight: number;
  /** Anchor target in the report (a finding or control id), when there is one. */
  readonly ref: string | null;
}

interface PeriodChange {
  readonly previous: {
    readonly period: string | null;
    readonly toolVersion: string;
    readonly catalogVersion: string;
  };
  /** The rule catalog changed between the periods: some differences come from rules, not behaviour. */
  readonly catalogChanged: boolean;
  readonly findings: {
    readonly new: readonly FindingRef[];
    readonly resolved: readonly FindingRef[];
    readonly persisting: readonly PersistingFinding[];
    /** Open last period, under an approved exception now. */
    readonly nowExcepted: readonly FindingRef[];
  };
  readonly identities: {
    readonly new: readonly IdentityRef[];
    readonly vanished: readonly IdentityRef[];
  };
  readonly controls: {
    readonly newlyViolated: readonly ControlChange[];
    readonly noLongerViolated: readonly ControlChange[];
  };
  readonly coverage: {
    readonly accountability: { readonly previous: number; readonly current: number };
    readonly accounts: { readonly previous: number; readonly current: number };
    readonly accountsAdded: readonly string[];
    readonly accountsLost: readonly string[];
    readonly events: { readonly previous: number; readonly current: number };
    readonly rejected: { readonly previous: number; readonly current: number };
    readonly ownerlessMachineIdentities: { readonly previous: number; readonly current: number };
  };
  /** Every highlight, most important first; the report shows the first three. */
  readonly highlights: readonly ChangeHighlight[];
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};

/** Most severe first, then the most frequent; the id keeps the order total. */
function bySeverityThenId(a: FindingRef, b: FindingRef): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.count - a.count || a.id.localeCompare(b.id)
  );
}

function findingRef(f: PreviousAnalysis['findings'][number] | Analysis['findings'][number]): FindingRef {
  return {
    id: f.id,
    rule: f.rule,
    title: f.title,
    severity: f.severity,
    actor: f.actor,
    actorName: f.actorName,
    count: f.count,
    controls: [...f.controls],
  };
}

function identityRef(a: PreviousAnalysis['actors'][number] | Analysis['actors'][number]): IdentityRef {
  return { id: a.id, name: a.name, class: a.class, owner: a.owner, events: a.events };
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/**
 * Compares `current` with `previous` (parsed with {@link parsePreviousAnalysis}). Throws when
 * the previous analysis belongs to another tenant: a cross-tenant diff would leak one client's
 * identities into another's report.
 */
function comparePeriods(current: Analysis, previous: PreviousAnalysis, source: string): PeriodChange {
  if (previous.tenant.id !== current.tenant.id) {
    throw new PreviousAnalysisError(
      `${source}: belongs to tenant "${previous.tenant.id}", not "${current.tenant.id}"`,
    );
  }
  if (previous.period && current.period && previous.period.from >= current.period.from) {
    throw new PreviousAnalysisError(
      `${source}: period ${previous.period.label} does not precede ${current.period.label}`,
    );
  }
  const isOpen = (f: { suppressed?: unknown }) => f.suppressed === null || f.suppressed === undefined;
  const before = new Map(previous.findings.filter(isOpen).map((f) => [f.id, f]));
  const nowAll = new Map(current.findings.map((f) => [f.id, f]));
  const now = new Map(current.findings.filter(isOpen).map((f) => [f.id, f]));

  const added = [...now.values()].filter((f) => !before.has(f.id)).map(findingRef);
  const persisting = [...now.values()]
    .filter((f) => before.has(f.id))
    .map((f) => ({ ...findingRef(f), previousCount: before.get(f.id)!.count }));
  const resolved = [...before.values()].filter((f) => !nowAll.has(f.id)).map(findingRef);
  const nowExcepted = [...before.values()]
    .filter((f) => nowAll.has(f.id) && !now.has(f.id))
    .map((f) => findingRef(nowAll.get(f.id)!));
  for (const list of [added, persisting, resolved, nowExcepted]) list.sort(bySeverityThenId);

  const actorsBefore = new Map(previous.actors.map((a) => [a.id, a]));
  const actorsNow = new Map(current.actors.map((a) => [a.id, a]));
  const byEventsThenId = (a: IdentityRef, b: IdentityRef) => b.events - a.events || a.id.localeCompare(b.id);
  const newIdentities = current.actors
    .filter((a) => !actorsBefore.has(a.id))
    .map(identityRef)
    .sort(byEventsThenId);
  const vanished = previous.actors
    .filter((a) => !actorsNow.has(a.id))
    .map(identityRef)
    .sort(byEventsThenId);

  const controlsBefore = new Map(previous.controls.map((c) => [c.id, c]));
  const newlyViolated: ControlChange[] = [];
  const noLongerViolated: ControlChange[] = [];
  for (const c of current.controls) {
    const was = controlsBefore.get(c.id)?.status ?? 'not-observed';
    const change = { id: c.id, title: c.title, previous: was, current: c.status };
    if (c.status === 'violated' && was !== 'violated') newlyViolated.push(change);
    if (c.status !== 'violated' && was === 'violated') noLongerViolated.push(change);
  }

  const ownerless = (actors: readonly { class: ActorClass; owner: string | null }[]) =>
    actors.filter((a) => MACHINE_CLASSES.has(a.class) && !a.owner).length;
  const accountsBefore = new Set(previous.summary.accounts);
  const accountsNow = new Set(current.summary.accounts);
  const coverage = {
    accountability: { previous: previous.accountability.coverage, current: current.accountability.coverage },
    accounts: { previous: accountsBefore.size, current: accountsNow.size },
    accountsAdded: [...accountsNow].filter((a) => !accountsBefore.has(a)).sort(),
    accountsLost: [...accountsBefore].filter((a) => !accountsNow.has(a)).sort(),
    events: { previous: previous.input.accepted, current: current.input.accepted },
    rejected: { previous: previous.input.rejected, current: current.input.rejected },
    ownerlessMachineIdentities: { previous: ownerless(previous.actors), current: ownerless(current.actors) },
  };

  const highlights = rankHighlights({
    added,
    resolved,
    newlyViolated,
    noLongerViolated,
    newIdentities,
    coverage,
  });

  return {
    previous: {
      period: previous.period?.label ?? null,
      toolVersion: previous.tool.version,
      catalogVersion: previous.catalogVersion,
    },
    catalogChanged: previous.catalogVersion !== current.catalogVersion,
    findings: { new: added, resolved, persisting, nowExcepted },
    identities: { new: newIdentities, vanished },
    controls: { newlyViolated, noLongerViolated },
    coverage,
    highlights,
  };
}

const listed = (names: readonly string[], max = 3) =>
  `${names.slice(0, max).join('; ')}${names.length > max ? `; and ${names.length - max} more` : ''}`;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Weighs the changes a CISO would want first: new critical and high findings, a fall in
 * accountability, accounts that stopped reporting, controls that started failing, then good news.
 * Findings and controls are grouped per kind, so three highlights say three different things.
 */
function rankHighlights(changes: {
  added: readonly FindingRef[];
  resolved: readonly FindingRef[];
  newlyViolated: readonly ControlChange[];
  noLongerViolated: readonly ControlChange[];
  newIdentities: readonly IdentityRef[];
  coverage: PeriodChange['coverage'];
}): ChangeHighlight[] {
  const out: ChangeHighlight[] = [];
  const describe = (f: FindingRef) => `${f.title} by ${f.actorName}`;
  for (const severity of [...SEVERITIES].reverse()) {
    const group = changes.added.filter((f) => f.severity === severity);
    if (!group.length) continue;
    out.push({
      kind: 'new-finding',
      text: `${plural(group.length, `new ${severity}-severity finding`, `new ${severity}-severity findings`)}: ${listed(group.map(describe))}.`,
      weight: [30, 35, 55, 90, 100][SEVERITY_RANK[severity]]!,
      ref: group[0]!.id,
    });
  }
  const { accountability, accountsLost, accountsAdded } = changes.coverage;
  const drop = accountability.previous - accountability.current;
  if (Math.abs(drop) >= 0.05) {
    out.push({
      kind: 'accountability',
      text: `Accountability ${drop > 0 ? 'fell' : 'rose'} from ${percent(accountability.previous)} to ${percent(accountability.current)} of machine actions tied to an owner.`,
      weight: drop > 0 ? 85 : 45,
      ref: null,
    });
  }
  if (accountsLost.length) {
    out.push({
      kind: 'accounts-lost',
      text: `${plural(accountsLost.length, 'account', 'accounts')} reported last period but not this one: ${listed(accountsLost)}.`,
      weight: 80,
      ref: null,
    });
  }
  if (changes.newlyViolated.length) {
    out.push({
      kind: 'control-violated',
      text: `${plural(changes.newlyViolated.length, 'control is', 'controls are')} newly violated: ${listed(changes.newlyViolated.map((c) => `${c.id} ${c.title}`))}.`,
      weight: 70,
      ref: changes.newlyViolated[0]!.id,
    });
  }
  const ownerlessNew = changes.newIdentities.filter((a) => MACHINE_CLASSES.has(a.class) && !a.owner);
  if (ownerlessNew.length) {
    out.push({
      kind: 'ownerless-identity',
      text: `${plural(ownerlessNew.length, 'new machine identity has', 'new machine identities have')} no owner: ${listed(ownerlessNew.map((a) => a.name))}.`,
      weight: 60,
      ref: null,
    });
  }
  if (changes.resolved.length) {
    const serious = changes.resolved.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.high);
    out.push({
      kind: 'resolved-finding',
      text: `${plural(changes.resolved.length, 'finding', 'findings')} from last period did not recur${serious.length ? `, including ${listed(serious.map(describe))}` : ''}.`,
      weight: serious.length ? 50 : 40,
      ref: null,
    });
  }
  if (changes.noLongerViolated.length) {
    out.push({
      kind: 'control-recovered',
      text: `${plural(changes.noLongerViolated.length, 'control is', 'controls are')} no longer violated: ${listed(changes.noLongerViolated.map((c) => `${c.id} ${c.title}`))}.`,
      weight: 38,
      ref: changes.noLongerViolated[0]!.id,
    });
  }
  if (accountsAdded.length) {
    out.push({
      kind: 'accounts-added',
      text: `${plural(accountsAdded.length, 'account reports', 'accounts report')} for the first time: ${listed(accountsAdded)}.`,
      weight: 25,
      ref: null,
    });
  }
  return out.sort((a, b) => b.weight - a.weight || a.text.localeCompare(b.text));
}

export type {
  ChangeHighlight,
  ControlChange,
  FindingRef,
  IdentityRef,
  PeriodChange,
  PersistingFinding,
  PreviousAnalysis,
};
export { comparePeriods, PreviousAnalysisError, parsePreviousAnalysis };
