/**
 * @module Evaluates every rule against an event in one pass, using an index by eventSource/eventName.
 *
 * Rules are compiled once into closures; per event the engine looks up the candidate list for
 * `(eventSource, eventName)` (cached), so the cost grows with the rules that can match an event,
 * not with the size of the rule pack.
 */
import { createHash } from 'node:crypto';
import type { Attribution } from '../identity/IdentityResolver.js';
import { userAgentFamily } from '../identity/userAgent.js';
import type { NormalizedEvent } from '../ingest/normalizeEvent.js';
import { describeIssue, formatIssuePath } from '../shared/zodIssues.js';
import type { ControlCatalog } from './catalog.js';
import { checkNamed, type TenantContext } from './checks.js';
import { type Condition, type RuleDefinition, RuleSchema } from './ruleSchema.js';

/** Everything a condition may look at: the event, who acted, and the tenant. */
interface MatchContext {
  readonly event: NormalizedEvent;
  readonly attribution: Attribution;
  readonly tenant: TenantContext;
}

type Predicate = (context: MatchContext) => boolean;

interface CompiledRule {
  readonly definition: RuleDefinition;
  /** The rule document as written (before defaults and unit conversions), for tooling and tests. */
  readonly document: unknown;
  readonly order: number;
  /** Path of the field that names the resource a finding is about, if the rule sets one. */
  readonly resourcePath?: readonly string[];
  readonly evidencePaths: readonly (readonly string[])[];
  readonly accepts: (context: MatchContext, uaFamily: string) => boolean;
  /**
   * The rule's outcome depends only on the actor, credential kind, user-agent family, success,
   * API call, region and account, so it can be cached per combination of those.
   */
  readonly static: boolean;
}

interface RulePack {
  readonly rules: readonly CompiledRule[];
  /** sha256 prefix of the canonical rule data: changes whenever any rule changes. */
  readonly version: string;
}

/** A rule file that failed validation, with the file and field named. */
class RuleDefinitionError extends Error {
  override name = 'RuleDefinitionError' as const;
}

const UA_CACHE_LIMIT = 10_000;

function splitPath(path: string): string[] {
  return path.split('.');
}

/** Reads a dotted path; arrays along the way are searched element by element. */
function readPath(record: unknown, path: readonly string[]): unknown {
  let value: unknown = record;
  for (let i = 0; i < path.length; i++) {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value)) {
      const rest = path.slice(i);
      const found = value.map((item) => readPath(item, rest)).filter((v) => v !== undefined);
      return found.length === 0 ? undefined : found.length === 1 ? found[0] : found;
    }
    if (typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[path[i]!];
  }
  return value;
}

function list<T>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Compiles one field condition; any value in an array field may satisfy it. */
function compileCondition(condition: Condition): Predicate {
  const path = condition.field ? splitPath(condition.field) : undefined;
  if (condition.check !== undefined) {
    const check = checkNamed(condition.check);
    if (!check) throw new RuleDefinitionError(`unknown check ${condition.check}`);
    return path
      ? (context) => check(context, readPath(context.event.raw, path))
      : (context) => check(context, undefined);
  }
  if (!path) throw new RuleDefinitionError('a condition without a check needs a field');
  const fold = condition.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const asText = (v: unknown): string | undefined =>
    typeof v === 'string'
      ? fold(v)
      : typeof v === 'number' || typeof v === 'boolean'
        ? fold(String(v))
        : undefined;
  let test: (value: unknown) => boolean;
  if (condition.exists !== undefined) {
    const want = condition.exists;
    return ({ event }) => {
      const v = readPath(event.raw, path);
      return (v !== undefined && v !== null && v !== '') === want;
    };
  }
  if (condition.equals !== undefined) {
    const want = fold(String(condition.equals));
    test = (v) => asText(v) === want;
  } else if (condition.oneOf) {
    const wanted = new Set(condition.oneOf.map((x) => fold(String(x))));
    test = (v) => {
      const t = asText(v);
      return t !== undefined && wanted.has(t);
    };
  } else if (condition.startsWith) {
    const prefixes = list(condition.startsWith)!.map(fold);
    test = (v) => {
      const t = asText(v);
      return t !== undefined && prefixes.some((p) => t.startsWith(p));
    };
  } else if (condition.endsWith) {
    const suffixes = list(condition.endsWith)!.map(fold);
    test = (v) => {
      const t = asText(v);
      return t !== undefined && suffixes.some((p) => t.endsWith(p));
    };
  } else if (condition.contains) {
    const parts = list(condition.contains)!.map(fold);
    test = (v) => {
      const t = typeof v === 'object' && v !== null ? fold(JSON.stringify(v)) : asText(v);
      return t !== undefined && parts.some((p) => t.includes(p));
    };
  } else {
    const pattern = new RegExp(condition.matches!, condition.ignoreCase ? 'i' : '');
    test = (v) => {
      const t = typeof v === 'object' && v !== null ? JSON.stringify(v) : asText(v);
      return t !== undefined && pattern.test(t);
    };
  }
  return ({ event }) => {
    const v = readPath(event.raw, path);
    return Array.isArray(v) ? v.some(test) : test(v);
  };
}

/** Fields and checks whose value is fixed by the cache key of static rules (see CompiledRule.static). */
/** Fields fixed by the cache key; `userIdentity.type` is fixed by the actor. */
const STATIC_FIELDS: ReadonlySet<string> = new Set([
  'eventName',
  'eventSource',
  'awsRegion',
  'recipientAccountId',
  'userIdentity.type',
]);
const STATIC_CHECKS: ReadonlySet<string> = new Set([
  'declared-identity',
  'declared-scope',
  'tenant-keeps-inventory',
  'outside-declared-scope',
]);

function isStaticCondition(condition: Condition): boolean {
  if (condition.check !== undefined)
    return STATIC_CHECKS.has(condition.check) && condition.field === undefined;
  return condition.field !== undefined && STATIC_FIELDS.has(condition.field);
}

function compileRule(definition: RuleDefinition, document: unknown, order: number): CompiledRule {
  const m = definition.match;
  const conditions = [...(m.all ?? []), ...(m.any ?? []), ...(m.none ?? [])];
  const classes = m.actorClass ? new Set<string>(m.actorClass) : undefined;
  const kinds = m.credentialKind ? new Set<string>(m.credentialKind) : undefined;
  const families = m.userAgentFamily ? new Set<string>(m.userAgentFamily) : undefined;
  const all = (m.all ?? []).map(compileCondition);
  const any = (m.any ?? []).map(compileCondition);
  const none = (m.none ?? []).map(compileCondition);
  const failed = m.failed;
  const accepts = (context: MatchContext, uaFamily: string): boolean => {
    const { event, attribution } = context;
    if (classes && !classes.has(attribution.actor.actorClass)) return false;
    if (kinds && !kinds.has(attribution.credentialKind)) return false;
    if (families && !families.has(uaFamily)) return false;
    if (failed !== undefined && failed !== (event.errorCode !== undefined)) return false;
    for (const p of all) if (!p(context)) return false;
    if (any.length && !any.some((p) => p(context))) return false;
    for (const p of none) if (p(context)) return false;
    return true;
  };
  return {
    definition,
    document,
    order,
    resourcePath: definition.resource ? splitPath(definition.resource) : undefined,
    evidencePaths: definition.evidence.map(splitPath),
    accepts,
    static: conditions.every(isStaticCondition),
  };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Validates rule documents against the schema and the control catalog, and compiles them.
 * @throws RuleDefinitionError naming the file and field of the first problems found
 */
function buildRulePack(
  documents: readonly { file: string; data: unknown }[],
  catalog: ControlCatalog,
): RulePack {
  const problems: string[] = [];
  const definitions: { file: string; rule: RuleDefinition; document: unknown }[] = [];
  const seen = new Map<string, string>();
  for (const { file, data } of documents) {
    const parsed = RuleSchema.safeParse(data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${file}: ${describeIssue(issue, formatIssuePath(issue.path))}`);
      }
      continue;
    }
    const rule = parsed.data;
    const other = seen.get(rule.id);
    if (other) problems.push(`${file}: id ${rule.id} is also used by ${other}`);
    seen.set(rule.id, file);
    for (const id of rule.controls) {
      const control = catalog.byId.get(id);
      if (!control) problems.push(`${file}: controls: unknown control id ${id}`);
      else if (control.observability === 'not-observable' && rule.effect !== 'context') {
        problems.push(
          `${file}: controls: ${id} is marked not observable from CloudTrail, so a rule cannot judge it`,
        );
      }
    }
    for (const condition of [
      ...(rule.match.all ?? []),
      ...(rule.match.any ?? []),
      ...(rule.match.none ?? []),
    ]) {
      if (condition.matches !== undefined) {
        try {
          new RegExp(condition.matches);
        } catch (error) {
          problems.push(
            `${file}: match: invalid regular expression ${condition.matches}: ${(error as Error).message}`,
          );
        }
      }
    }
    definitions.push({ file, rule, document: data });
  }
  if (problems.length)
    throw new RuleDefinitionError(`invalid rule pack:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  definitions.sort((a, b) => (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0));
  const rules = definitions.map(({ rule, document }, order) => compileRule(rule, document, order));
  const version = createHash('sha256')
    .update(canonicalJson(definitions.map((d) => d.rule)))
    .digest('hex')
    .slice(0, 12);
  return { rules, version };
}

/** Matches events against a rule pack. */
class RuleEngine {
  private readonly bySourceAndName = new Map<string, Map<string, CompiledRule[]>>();
  private readonly bySource = new Map<string, CompiledRule[]>();
  private readonly byName = new Map<string, CompiledRule[]>();
  private readonly everywhere: CompiledRule[] = [];
  private readonly candidates = new Map<string, Map<string, CandidateEntry>>();
  private readonly uaFamilies = new Map<string, string>();

  private readonly tenant: TenantContext;

  constructor(
    readonly pack: RulePack,
    tenant: TenantContext = { environments: new Map(), inventorySize: 0 },
  ) {
    this.tenant = tenant;
    for (const rule of pack.rules) {
      const sources = list(rule.definition.match.eventSource);
      const names = list(rule.definition.match.eventName);
      if (sources && names) {
        for (const s of sources) {
          let byName = this.bySourceAndName.get(s);
          if (!byName) {
            byName = new Map();
            this.bySourceAndName.set(s, byName);
          }
          for (const n of names) {
            const bucket = byName.get(n) ?? [];
            bucket.push(rule);
            byName.set(n, bucket);
          }
        }
      } else if (sources) {
        for (const s of sources) this.bySource.set(s, [...(this.bySource.get(s) ?? []), rule]);
      } else if (names) {
        for (const n of names) this.byName.set(n, [...(this.byName.get(n) ?? []), rule]);
      } else {
        this.everywhere.push(rule);
      }
    }
  }

  /** The user-agent family, cached with a bound because user agents are attacker-chosen strings. */
  userAgentFamilyOf(userAgent: string): string {
    let family = this.uaFamilies.get(userAgent);
    if (family === undefined) {
      if (this.uaFamilies.size >= UA_CACHE_LIMIT) this.uaFamilies.clear();
      family = userAgentFamily(userAgent).family;
      this.uaFamilies.set(userAgent, family);
    }
    return family;
  }

  /** Every rule that matches, in rule-id order. */
  match(event: NormalizedEvent, attribution: Attribution): readonly CompiledRule[] {
    const entry = this.candidatesFor(event.eventSource, event.eventName);
    if (entry.all.length === 0) return NO_RULES;
    // The user agent is hashed only when a candidate rule looks at its family.
    const family = entry.needsFamily ? this.userAgentFamilyOf(event.userAgent) : '';
    const context: MatchContext = { event, attribution, tenant: this.tenant };
    let statics: readonly CompiledRule[] = NO_RULES;
    if (entry.static.length) {
      // Static rules give the same answer for the same actor, credential kind, client, outcome and place.
      let byActor = entry.cache.get(attribution.actor);
      if (!byActor) {
        byActor = new Map();
        entry.cache.set(attribution.actor, byActor);
      }
      const key = `${attribution.credentialKind}${event.errorCode === undefined ? '+' : '!'}${family}|${event.region}|${event.account}`;
      let cached = byActor.get(key);
      if (!cached) {
        cached = entry.static.filter((rule) => rule.accepts(context, family));
        if (byActor.size < 5_000) byActor.set(key, cached);
      }
      statics = cached;
    }
    if (entry.dynamic.length === 0) return statics;
    let matched: CompiledRule[] | undefined;
    for (const rule of entry.dynamic) {
      if (rule.accepts(context, family)) {
        matched ??= [...statics];
        matched.push(rule);
      }
    }
    if (!matched) return statics;
    if (statics.length) matched.sort((a, b) => a.order - b.order);
    return matched;
  }

  private candidatesFor(source: string, name: string): CandidateEntry {
    let byName = this.candidates.get(source);
    if (!byName) {
      // (source, name) pairs are bounded by the AWS API surface in real data; bound them anyway.
      if (this.candidates.size >= 5_000) this.candidates.clear();
      byName = new Map();
      this.candidates.set(source, byName);
    }
    let found = byName.get(name);
    if (found) return found;
    const merged = new Set<CompiledRule>([
      ...(this.bySourceAndName.get(source)?.get(name) ?? []),
      ...(this.bySource.get(source) ?? []),
      ...(this.byName.get(name) ?? []),
      ...this.everywhere,
    ]);
    const all = [...merged].sort((a, b) => a.order - b.order);
    found = {
      all,
      static: all.filter((r) => r.static),
      dynamic: all.filter((r) => !r.static),
      needsFamily: all.some((r) => r.definition.match.userAgentFamily !== undefined),
      cache: new Map(),
    };
    if (byName.size < 10_000) byName.set(name, found);
    return found;
  }
}

/** The rules that can match one API call, split into cacheable (static) and per-event (dynamic) ones. */
interface CandidateEntry {
  readonly all: readonly CompiledRule[];
  readonly static: readonly CompiledRule[];
  readonly dynamic: readonly CompiledRule[];
  /** Whether any candidate filters on the user-agent family (otherwise it is not computed). */
  readonly needsFamily: boolean;
  /** Static matches per actor, then per credential kind, outcome, family, region and account. */
  readonly cache: Map<object, Map<string, readonly CompiledRule[]>>;
}

const NO_RULES: readonly CompiledRule[] = Object.freeze([]);

export type { CompiledRule, MatchContext, RulePack };
export { buildRulePack, canonicalJson, RuleDefinitionError, RuleEngine, readPath };
