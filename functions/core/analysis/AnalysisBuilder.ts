/**
 * @module Folds attributed, rule-matched events into an Analysis, one event at a time.
 *
 * State grows with actors, findings and controls, never with events: per-actor sets are
 * bounded, finding event-ID lists are capped (the full list is in evidence.ndjson), and each
 * event is written out as one evidence line as soon as it is seen.
 */
import { createHash } from 'node:crypto';
import type { TenantConfig, TenantException } from '../config/tenantConfig.js';
import type { ControlCatalog } from '../controls/catalog.js';
import { type DetectorHit, DetectorRunner, type DetectorStateJson } from '../controls/detectors.js';
import { type CompiledRule, type RulePack, readPath } from '../controls/RuleEngine.js';
import { SEVERITIES, type Severity } from '../controls/ruleSchema.js';
import {
  type AccountabilityChain,
  type AccountabilityState,
  AccountabilityTracker,
} from '../identity/AccountabilityTracker.js';
import type { ActorProfile, Attribution } from '../identity/IdentityResolver.js';
import { compileArnPattern } from '../identity/inventory.js';
import { ACTOR_CLASSES, type ActorClass, MACHINE_CLASSES } from '../identity/principal.js';
import type { InputSummary } from '../ingest/InputLedger.js';
import type { TimeWindow } from '../ingest/ingestEvents.js';
import type { NormalizedEvent } from '../ingest/normalizeEvent.js';
import { TimeSpan } from '../shared/TimeSpan.js';
import type { EvidenceEncoder } from './EvidenceEncoder.js';
import {
  type AccountActivity,
  type ActorSummary,
  ANALYSIS_SCHEMA,
  type Analysis,
  type BoundedList,
  type ControlResult,
  type CredentialUse,
  type ExceptionReport,
  type Finding,
  type LifecycleEvent,
} from './types.js';

/** Event IDs kept per finding; the rest are listed in evidence.ndjson. */
const FINDING_EVENT_IDS = 100;
const MAX_CREDENTIALS = 50;
const MAX_ACCOUNTS = 200;
const DAY_MS = 86_400_000;
/** Days listed per account in the coverage check: a quarter's worth (a period is usually a month). */
const MAX_PERIOD_DAYS = 92;
const MAX_REGIONS = 40;

/** IAM changes kept as rotation, revocation and offboarding evidence for the identity they change. */
const LIFECYCLE_EVENTS: ReadonlySet<string> = new Set([
  'CreateUser',
  'DeleteUser',
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'DeleteLoginProfile',
  'EnableMFADevice',
  'DeactivateMFADevice',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'CreateRole',
  'DeleteRole',
  'UpdateAssumeRolePolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'PutRolePolicy',
  'DeleteRolePolicy',
]);
const MAX_LIFECYCLE_IDENTITIES = 10_000;
const MAX_LIFECYCLE_EVENTS = 50;

const PRIVILEGED_SOURCES = new Set([
  'iam.amazonaws.com',
  'organizations.amazonaws.com',
  'sso.amazonaws.com',
  'identitystore.amazonaws.com',
  'kms.amazonaws.com',
  'cloudtrail.amazonaws.com',
  'sts.amazonaws.com',
]);

interface AnalysisContext {
  /** Where evidence.ndjson lines go; without it, no lines are built. */
  readonly evidence?: EvidenceEncoder;
  readonly config: TenantConfig;
  readonly configHash: string | null;
  readonly catalog: ControlCatalog;
  readonly rules: RulePack;
  readonly window?: TimeWindow;
  readonly toolVersion: string;
}

interface CounterState {
  readonly counts: readonly (readonly [string, number])[];
  readonly overflow: number;
}

/** Counts values up to a bound; further distinct values are counted as `more` events. */
class BoundedCounter {
  private readonly counts = new Map<string, number>();
  private overflow = 0;
  constructor(private readonly limit: number) {}

  add(value: string): void {
    const current = this.counts.get(value);
    if (current !== undefined) this.counts.set(value, current + 1);
    else if (this.counts.size < this.limit) this.counts.set(value, 1);
    else this.overflow++;
  }

  exportState(): CounterState {
    return { counts: [...this.counts.entries()], overflow: this.overflow };
  }

  /** Adds another shard's counts: known values add up, new ones fill free places, the rest overflow. */
  importState(state: CounterState): void {
    for (const [value, n] of state.counts) {
      const current = this.counts.get(value);
      if (current !== undefined) this.counts.set(value, current + n);
      else if (this.counts.size < this.limit) this.counts.set(value, n);
      else this.overflow += n;
    }
    this.overflow += state.overflow;
  }

  result(show = this.limit): BoundedList {
    const sorted = [...this.counts.entries()].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
    );
    const hidden = sorted.slice(show).reduce((sum, [, n]) => sum + n, 0);
    return {
      top: sorted.slice(0, show).map(([value, events]) => ({ value, events })),
      more: this.overflow + hidden,
    };
  }
}

/**
 * Values derived from a pair of strings (eventSource and eventName, account and region), built once.
 * Pairs come from the AWS API surface and the tenant's accounts, so they are few; the bound guards
 * against hostile input that invents new names per event.
 */
class PairCache<T> {
  private readonly outer = new Map<string, Map<string, T>>();
  private size = 0;
  constructor(
    private readonly make: (a: string, b: string) => T,
    private readonly limit = 50_000,
  ) {}

  get(a: string, b: string): T {
    let inner = this.outer.get(a);
    if (!inner) {
      inner = new Map();
      this.outer.set(a, inner);
    }
    let value = inner.get(b);
    if (value === undefined) {
      value = this.make(a, b);
      if (this.size < this.limit) {
        inner.set(b, value);
        this.size++;
      }
    }
    return value;
  }
}

interface CredentialState {
  id: string | null;
  kind: CredentialUse['kind'];
  events: number;
  readonly seen: TimeSpan;
}

class ActorState {
  events = 0;
  errors = 0;
  readonly seen = new TimeSpan();
  privileged = 0;
  findings = 0;
  readonly credentials = new Map<string, CredentialState>();
  unlistedCredentialEvents = 0;
  readonly accounts = new Set<string>();
  readonly regions = new Set<string>();
  readonly services = new BoundedCounter(100);
  readonly actions = new BoundedCounter(300);
  readonly sourceIps = new BoundedCounter(50);
  readonly userAgents = new BoundedCounter(20);
  readonly vpcEndpoints = new BoundedCounter(20);
  /** `"actor":…,"class":…,"credential":{…}` of evidence lines, escaped once per actor and credential. */
  readonly fragments: PairCache<Buffer>;

  constructor(readonly profile: ActorProfile) {
    const who = `"actor":${JSON.stringify(profile.id)},"class":"${profile.actorClass}"`;
    this.fragments = new PairCache(
      (id, kind) =>
        Buffer.from(`${who},"credential":{"id":${id ? JSON.stringify(id) : 'null'},"kind":"${kind}"}`),
      1_000,
    );
  }
}

interface FindingState {
  readonly id: string;
  readonly rule: CompiledRule;
  readonly actor: ActorState;
  readonly resource: string | null;
  readonly eventIds: string[];
  count: number;
  readonly seen: TimeSpan;
  readonly accounts: Set<string>;
  readonly credentials: Set<string>;
  readonly context: Record<string, string>;
  readonly suppressedBy: CompiledException | undefined;
}

interface CompiledException {
  readonly source: TenantException;
  readonly actor?: RegExp;
  readonly resource?: RegExp;
  readonly active: boolean;
  suppressed: number;
}

interface ControlCounters {
  events: number;
  evidence: number;
  findings: number;
  readonly rules: Set<string>;
}

function sameClassification(a: ActorProfile, b: ActorProfile): boolean {
  return (
    a.actorClass === b.actorClass && a.owner === b.owner && a.reasons.join('\n') === b.reasons.join('\n')
  );
}

function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

function stringValue(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function emptyClassCounts(): Record<ActorClass, number> {
  return Object.fromEntries(ACTOR_CLASSES.map((c) => [c, 0])) as Record<ActorClass, number>;
}

/** A time span as plain data. */
interface SpanState {
  readonly firstMs: number;
  readonly first: string;
  readonly lastMs: number;
  readonly last: string;
}

/** An actor profile as plain data; the inventory entry is re-linked by index from the config. */
interface ProfileState extends Omit<ActorProfile, 'inventory'> {}

interface ActorStateJson {
  readonly profile: ProfileState;
  readonly events: number;
  readonly errors: number;
  readonly seen: SpanState;
  readonly privileged: number;
  readonly credentials: readonly (readonly [
    string,
    { id: string | null; kind: CredentialUse['kind']; events: number; seen: SpanState },
  ])[];
  readonly unlistedCredentialEvents: number;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly services: CounterState;
  readonly actions: CounterState;
  readonly sourceIps: CounterState;
  readonly userAgents: CounterState;
  readonly vpcEndpoints: CounterState;
}

interface FindingStateJson {
  readonly key: string;
  readonly id: string;
  readonly rule: string;
  readonly actor: string;
  readonly resource: string | null;
  readonly eventIds: readonly string[];
  readonly count: number;
  readonly seen: SpanState;
  readonly accounts: readonly string[];
  readonly credentials: readonly string[];
  readonly context: Readonly<Record<string, string>>;
}

/**
 * Everything an AnalysisBuilder has accumulated, as plain JSON-safe data. Shards (Lambda map
 * items, or worker threads of a local run) each produce one; merging them in shard order and
 * finishing gives the analysis a single run over all their inputs gives.
 */
interface BuilderState {
  readonly actions: number;
  readonly longLivedKeyActions: number;
  readonly actionsByClass: Readonly<Record<ActorClass, number>>;
  readonly daily: readonly (readonly [string, Readonly<Record<ActorClass, number>>])[];
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly accountActivity: readonly (readonly [string, AccountCountersJson])[];
  readonly actors: readonly ActorStateJson[];
  readonly findings: readonly FindingStateJson[];
  readonly controls: readonly (readonly [
    string,
    { events: number; evidence: number; rules: readonly string[] },
  ])[];
  readonly detectors: readonly (readonly [string, DetectorStateJson])[];
  readonly accountability: AccountabilityState;
  readonly lifecycle: readonly (readonly [string, { events: readonly LifecycleEvent[]; omitted: number }])[];
}

/** Per account: what the coverage statement needs (events, data events, the days with events). */
interface AccountCounters {
  events: number;
  dataEvents: number;
  readonly days: Set<string>;
}

interface AccountCountersJson {
  readonly events: number;
  readonly dataEvents: number;
  readonly days: readonly string[];
}

function spanState(span: TimeSpan): SpanState {
  return { firstMs: span.firstMs, first: span.first, lastMs: span.lastMs, last: span.last };
}

function addSpan(span: TimeSpan, state: SpanState): void {
  if (state.first) span.add(state.firstMs, state.first);
  if (state.last) span.add(state.lastMs, state.last);
}

class AnalysisBuilder {
  private readonly actors = new Map<string, ActorState>();
  private readonly findings = new Map<string, FindingState>();
  private readonly controls = new Map<string, ControlCounters>();
  private readonly daily = new Map<string, Record<ActorClass, number>>();
  private readonly actionsByClass = emptyClassCounts();
  private readonly accounts = new Set<string>();
  private readonly regions = new Set<string>();
  private readonly accountActivity = new Map<string, AccountCounters>();
  private lastAccount = '\u0000';
  private lastAccountDay = '';
  private lastAccountCounters: AccountCounters | undefined;
  private readonly controlSets = new Map<string | number, { ids: readonly string[]; json: Buffer }>();
  private readonly exceptions: CompiledException[];
  private readonly accountability = new AccountabilityTracker();
  private readonly detectors = new DetectorRunner();
  private readonly lifecycle = new Map<string, { events: LifecycleEvent[]; omitted: number }>();
  private longLivedKeyActions = 0;
  private lastDay = '\u0000';
  private lastDaily: Record<ActorClass, number> | undefined;
  /** Per eventSource and eventName: the `service:EventName` action and its evidence-line fragment. */
  private readonly apiCalls = new PairCache((source, name) => ({
    action: `${source.slice(0, source.indexOf('.') >>> 0)}:${name}`,
    json: Buffer.from(`"eventSource":${JSON.stringify(source)},"eventName":${JSON.stringify(name)}`),
  }));
  private readonly places = new PairCache((account, region) =>
    Buffer.from(`"account":${JSON.stringify(account)},"region":${JSON.stringify(region)}`),
  );
  private actions = 0;

  private readonly rulesById: ReadonlyMap<string, CompiledRule>;

  constructor(private readonly context: AnalysisContext) {
    this.rulesById = new Map(context.rules.rules.map((r) => [r.definition.id, r]));
    for (const control of context.catalog.controls) {
      this.controls.set(control.id, { events: 0, evidence: 0, findings: 0, rules: new Set() });
    }
    const referenceDay = this.referenceDay();
    this.exceptions = context.config.exceptions.map((source) => ({
      source,
      actor: source.actor ? compileArnPattern(source.actor) : undefined,
      resource: source.resource ? compileArnPattern(source.resource) : undefined,
      active: referenceDay === null || source.expires >= referenceDay,
      suppressed: 0,
    }));
  }

  /**
   * Adds one event and writes its evidence line. `matched` are the rules that matched it, in
   * rule order. Returns a promise only when the evidence sink asks the caller to wait.
   */
  add(
    event: NormalizedEvent,
    attribution: Attribution,
    matched: readonly CompiledRule[],
  ): void | Promise<void> {
    this.actions++;
    this.accountability.observe(event, attribution);
    if (
      event.eventSource === 'iam.amazonaws.com' &&
      LIFECYCLE_EVENTS.has(event.eventName) &&
      !event.errorCode
    ) {
      this.recordLifecycle(event, attribution);
    }
    const profile = attribution.actor;
    const actorClass = profile.actorClass;
    this.actionsByClass[actorClass]++;
    // Events arrive mostly in time order within a file: remember the last day's counters.
    let daily = this.lastDaily;
    if (!event.eventTime.startsWith(this.lastDay)) {
      this.lastDay = dayOf(event.eventTime);
      daily = this.daily.get(this.lastDay);
      if (!daily) {
        daily = emptyClassCounts();
        this.daily.set(this.lastDay, daily);
      }
      this.lastDaily = daily;
    }
    daily![actorClass]++;
    this.countAccountEvent(event);
    if (event.account && this.accounts.size < MAX_ACCOUNTS) this.accounts.add(event.account);
    if (event.region && this.regions.size < MAX_REGIONS) this.regions.add(event.region);
    if (attribution.credentialKind === 'long-lived') this.longLivedKeyActions++;

    const actor = this.actorState(profile);
    this.updateActor(actor, event, attribution);

    let findingsJson = '';
    const controls = this.controlSet(matched);
    for (const id of controls.ids) this.controls.get(id)!.events++;
    for (const rule of matched) {
      const effect = rule.definition.effect;
      if (effect === 'evidence') {
        for (const id of rule.definition.controls) this.controls.get(id)!.evidence++;
      } else if (effect === 'finding') {
        if (rule.definition.detector) {
          // Stateful: judged at the end of the period; the finding lists its proving event IDs.
          this.detectors.observe(rule, event, attribution);
          continue;
        }
        const finding = this.recordFinding(rule, actor, event, attribution);
        findingsJson += findingsJson ? `,"${finding.id}"` : `"${finding.id}"`;
      }
    }
    const evidence = this.context.evidence;
    if (!evidence) return;
    return evidence.append({
      eventId: event.eventId,
      eventTime: event.eventTime,
      call: this.apiCalls.get(event.eventSource, event.eventName).json,
      place: this.places.get(event.account, event.region),
      who: actor.fragments.get(attribution.credentialId ?? '', attribution.credentialKind),
      controls: controls.json,
      findings: findingsJson,
    });
  }

  /** Events arrive in runs of one account and day (a delivery file): remember the last counters. */
  private countAccountEvent(event: NormalizedEvent): void {
    let counters = this.lastAccountCounters;
    if (event.account !== this.lastAccount) {
      counters = this.accountActivity.get(event.account);
      if (!counters) {
        if (this.accountActivity.size >= MAX_ACCOUNTS) return;
        counters = { events: 0, dataEvents: 0, days: new Set() };
        this.accountActivity.set(event.account, counters);
      }
      this.lastAccount = event.account;
      this.lastAccountCounters = counters;
      this.lastAccountDay = '';
    }
    counters!.events++;
    if (event.eventCategory === 'Data') counters!.dataEvents++;
    if (!event.eventTime.startsWith(this.lastAccountDay) || !this.lastAccountDay) {
      this.lastAccountDay = dayOf(event.eventTime);
      counters!.days.add(this.lastAccountDay);
    }
  }

  /** The accumulated state as plain data (see BuilderState). */
  exportState(): BuilderState {
    return {
      actions: this.actions,
      longLivedKeyActions: this.longLivedKeyActions,
      actionsByClass: { ...this.actionsByClass },
      daily: [...this.daily.entries()].map(([day, counts]) => [day, { ...counts }]),
      accounts: [...this.accounts],
      regions: [...this.regions],
      accountActivity: [...this.accountActivity.entries()].map(([account, c]) => [
        account,
        { events: c.events, dataEvents: c.dataEvents, days: [...c.days] },
      ]),
      actors: [...this.actors.values()].map((a) => {
        const { inventory: _inventory, ...profile } = a.profile;
        return {
          profile,
          events: a.events,
          errors: a.errors,
          seen: spanState(a.seen),
          privileged: a.privileged,
          credentials: [...a.credentials.entries()].map(([key, c]) => [
            key,
            { id: c.id, kind: c.kind, events: c.events, seen: spanState(c.seen) },
          ]),
          unlistedCredentialEvents: a.unlistedCredentialEvents,
          accounts: [...a.accounts],
          regions: [...a.regions],
          services: a.services.exportState(),
          actions: a.actions.exportState(),
          sourceIps: a.sourceIps.exportState(),
          userAgents: a.userAgents.exportState(),
          vpcEndpoints: a.vpcEndpoints.exportState(),
        };
      }),
      findings: [...this.findings.entries()].map(([key, f]) => ({
        key,
        id: f.id,
        rule: f.rule.definition.id,
        actor: f.actor.profile.id,
        resource: f.resource,
        eventIds: [...f.eventIds],
        count: f.count,
        seen: spanState(f.seen),
        accounts: [...f.accounts],
        credentials: [...f.credentials],
        context: { ...f.context },
      })),
      controls: [...this.controls.entries()]
        .filter(([, c]) => c.events || c.evidence || c.rules.size)
        .map(([id, c]) => [id, { events: c.events, evidence: c.evidence, rules: [...c.rules] }]),
      detectors: this.detectors.exportState(),
      accountability: this.accountability.exportState(),
      lifecycle: [...this.lifecycle.entries()].map(([target, l]) => [
        target,
        { events: [...l.events], omitted: l.omitted },
      ]),
    };
  }

  /**
   * Merges a shard's state into this builder. Merge shards in input order: lists capped at a
   * bound (finding event IDs, rejections) then keep the same entries a single run would.
   */
  importState(state: BuilderState): void {
    this.actions += state.actions;
    this.longLivedKeyActions += state.longLivedKeyActions;
    for (const c of ACTOR_CLASSES) this.actionsByClass[c] += state.actionsByClass[c];
    for (const [day, counts] of state.daily) {
      const mine = this.daily.get(day) ?? emptyClassCounts();
      for (const c of ACTOR_CLASSES) mine[c] += counts[c];
      this.daily.set(day, mine);
    }
    for (const a of state.accounts) if (this.accounts.size < MAX_ACCOUNTS) this.accounts.add(a);
    for (const r of state.regions) if (this.regions.size < MAX_REGIONS) this.regions.add(r);
    for (const [account, incoming] of state.accountActivity) {
      let mine = this.accountActivity.get(account);
      if (!mine) {
        if (this.accountActivity.size >= MAX_ACCOUNTS) continue;
        mine = { events: 0, dataEvents: 0, days: new Set() };
        this.accountActivity.set(account, mine);
      }
      mine.events += incoming.events;
      mine.dataEvents += incoming.dataEvents;
      for (const d of incoming.days) mine.days.add(d);
    }
    // The per-event cache points into this builder's own map; a merge must not reuse it.
    this.lastAccount = '\u0000';
    for (const actor of state.actors) this.importActor(actor);
    const profiles = (id: string) => this.actors.get(id)?.profile;
    for (const f of state.findings) this.importFinding(f);
    for (const [id, c] of state.controls) {
      const mine = this.controls.get(id);
      if (!mine) continue;
      mine.events += c.events;
      mine.evidence += c.evidence;
      for (const r of c.rules) mine.rules.add(r);
    }
    this.detectors.importState(state.detectors, this.rulesById, profiles);
    this.accountability.importState(state.accountability, profiles);
    for (const [target, incoming] of state.lifecycle) {
      const mine = this.lifecycle.get(target);
      if (!mine) {
        if (this.lifecycle.size < MAX_LIFECYCLE_IDENTITIES) {
          this.lifecycle.set(target, { events: [...incoming.events], omitted: incoming.omitted });
        }
        continue;
      }
      for (const e of incoming.events) {
        if (mine.events.length < MAX_LIFECYCLE_EVENTS) mine.events.push(e);
        else mine.omitted++;
      }
      mine.omitted += incoming.omitted;
    }
  }

  private importActor(incoming: ActorStateJson): void {
    const inventory =
      incoming.profile.inventoryIndex === undefined
        ? undefined
        : this.context.config.inventory[incoming.profile.inventoryIndex];
    const profile: ActorProfile = { ...incoming.profile, inventory };
    let actor = this.actors.get(profile.id);
    if (!actor) {
      actor = new ActorState(profile);
      this.actors.set(profile.id, actor);
    } else if (incoming.seen.firstMs < actor.seen.firstMs && !sameClassification(actor.profile, profile)) {
      // Shards may judge an actor differently at first sight; the earliest event decides.
      actor = this.replaceActorProfile(actor, profile);
    }
    actor.events += incoming.events;
    actor.errors += incoming.errors;
    addSpan(actor.seen, incoming.seen);
    actor.privileged += incoming.privileged;
    for (const [key, c] of incoming.credentials) {
      let mine = actor.credentials.get(key);
      if (!mine) {
        if (actor.credentials.size >= MAX_CREDENTIALS) {
          // As in a single pass: the events of a credential that finds no place are counted.
          actor.unlistedCredentialEvents += c.events;
          continue;
        }
        mine = { id: c.id, kind: c.kind, events: 0, seen: new TimeSpan() };
        actor.credentials.set(key, mine);
      }
      mine.events += c.events;
      addSpan(mine.seen, c.seen);
    }
    actor.unlistedCredentialEvents += incoming.unlistedCredentialEvents;
    for (const a of incoming.accounts) if (actor.accounts.size < MAX_ACCOUNTS) actor.accounts.add(a);
    for (const r of incoming.regions) if (actor.regions.size < MAX_REGIONS) actor.regions.add(r);
    actor.services.importState(incoming.services);
    actor.actions.importState(incoming.actions);
    actor.sourceIps.importState(incoming.sourceIps);
    actor.userAgents.importState(incoming.userAgents);
    actor.vpcEndpoints.importState(incoming.vpcEndpoints);
  }

  /** Swaps an actor's profile, carrying its counters and every reference to it. */
  private replaceActorProfile(previous: ActorState, profile: ActorProfile): ActorState {
    const next = new ActorState(profile);
    next.events = previous.events;
    next.errors = previous.errors;
    addSpan(next.seen, spanState(previous.seen));
    next.privileged = previous.privileged;
    for (const [k, v] of previous.credentials) next.credentials.set(k, v);
    next.unlistedCredentialEvents = previous.unlistedCredentialEvents;
    for (const a of previous.accounts) next.accounts.add(a);
    for (const r of previous.regions) next.regions.add(r);
    next.services.importState(previous.services.exportState());
    next.actions.importState(previous.actions.exportState());
    next.sourceIps.importState(previous.sourceIps.exportState());
    next.userAgents.importState(previous.userAgents.exportState());
    next.vpcEndpoints.importState(previous.vpcEndpoints.exportState());
    this.actors.set(profile.id, next);
    for (const [key, f] of this.findings)
      if (f.actor === previous) this.findings.set(key, { ...f, actor: next });
    this.accountability.replaceProfile(previous.profile, profile);
    return next;
  }

  private importFinding(incoming: FindingStateJson): void {
    const mine = this.findings.get(incoming.key);
    if (mine) {
      mine.count += incoming.count;
      for (const id of incoming.eventIds)
        if (mine.eventIds.length < FINDING_EVENT_IDS) mine.eventIds.push(id);
      addSpan(mine.seen, incoming.seen);
      for (const a of incoming.accounts) if (mine.accounts.size < MAX_ACCOUNTS) mine.accounts.add(a);
      for (const c of incoming.credentials)
        if (mine.credentials.size < MAX_CREDENTIALS) mine.credentials.add(c);
      return;
    }
    const rule = this.rulesById.get(incoming.rule);
    const actor = this.actors.get(incoming.actor);
    if (!rule || !actor) return;
    const seen = new TimeSpan();
    addSpan(seen, incoming.seen);
    this.findings.set(incoming.key, {
      id: incoming.id,
      rule,
      actor,
      resource: incoming.resource,
      eventIds: [...incoming.eventIds],
      count: incoming.count,
      seen,
      accounts: new Set(incoming.accounts),
      credentials: new Set(incoming.credentials),
      context: { ...incoming.context },
      suppressedBy: this.exceptionFor(incoming.rule, actor.profile, incoming.resource),
    });
  }

  finish(input: InputSummary): Analysis {
    const firstMs = input.firstEventTime ? Date.parse(input.firstEventTime) : 0;
    const lastMs = input.lastEventTime ? Date.parse(input.lastEventTime) : firstMs;
    const period = this.context.window ?? { startMs: firstMs, endMs: lastMs + 1 };
    for (const hit of this.detectors.conclude(period)) this.recordDetectorHit(hit);
    const findings = this.findingResults();
    const controls = this.controlResults();
    const resolved = this.accountability.resolve({
      dataStartMs: this.context.window?.startMs ?? firstMs,
      collectedAccounts: this.accounts,
    });
    const actors = [...this.actors.values()]
      .map((a) => this.actorResult(a, resolved.chains.get(a.profile.id) ?? []))
      .sort((a, b) => b.events - a.events || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const actorsByClass = emptyClassCounts();
    for (const a of actors) actorsByClass[a.class]++;
    const findingsBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    let suppressed = 0;
    for (const f of findings) {
      if (f.suppressed) suppressed++;
      else findingsBySeverity[f.severity]++;
    }
    let machineActions = 0;
    for (const c of MACHINE_CLASSES) machineActions += this.actionsByClass[c];
    const { config, window } = this.context;
    return {
      schema: ANALYSIS_SCHEMA,
      tool: { name: 'trailproof', version: this.context.toolVersion },
      tenant: { id: config.id, name: config.name, configHash: this.context.configHash },
      period: window
        ? {
            from: new Date(window.startMs).toISOString(),
            to: new Date(window.endMs).toISOString(),
            label: window.label,
          }
        : null,
      catalogVersion: this.context.catalog.version,
      rulesVersion: this.context.rules.version,
      input,
      summary: {
        actions: this.actions,
        actionsByClass: { ...this.actionsByClass },
        machineActions,
        actorsByClass,
        findingsBySeverity,
        suppressedFindings: suppressed,
        longLivedKeyActions: this.longLivedKeyActions,
        accounts: [...this.accounts].sort(),
        regions: [...this.regions].sort(),
      },
      accountActivity: this.accountActivityResults(input),
      activity: [...this.daily.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([day, byClass]) => ({ day, byClass: { ...byClass } })),
      actors,
      findings,
      controls,
      exceptions: this.exceptionResults(),
      accountability: resolved.summary,
      identityLifecycle: [...this.lifecycle.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([identity, { events, omitted }]) => ({ identity, events, omitted })),
    };
  }

  /**
   * Per account read: events, data events and the days of the period without any event (a
   * delivery gap, a trail switched off, or simply a quiet account: the report says which to check).
   */
  private accountActivityResults(input: InputSummary): AccountActivity[] {
    const window = this.context.window;
    const first = window ? window.startMs : input.firstEventTime ? Date.parse(input.firstEventTime) : NaN;
    const end = window ? window.endMs : input.lastEventTime ? Date.parse(input.lastEventTime) + 1 : NaN;
    const allDays: string[] = [];
    if (Number.isFinite(first) && Number.isFinite(end)) {
      const firstDay = first - (first % DAY_MS);
      for (let t = firstDay; t < end && allDays.length < MAX_PERIOD_DAYS; t += DAY_MS)
        allDays.push(new Date(t).toISOString().slice(0, 10));
    }
    return [...this.accountActivity.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([account, c]) => ({
        account,
        events: c.events,
        dataEvents: c.dataEvents,
        daysWithEvents: c.days.size,
        daysWithoutEvents: allDays.filter((d) => !c.days.has(d)),
      }));
  }

  /** The day exceptions are judged against: the period's last day, else the latest event's. */
  private referenceDay(): string | null {
    const window = this.context.window;
    return window ? new Date(window.endMs - 1).toISOString().slice(0, 10) : null;
  }

  private actorState(profile: ActorProfile): ActorState {
    let state = this.actors.get(profile.id);
    if (!state) {
      state = new ActorState(profile);
      this.actors.set(profile.id, state);
    }
    return state;
  }

  private updateActor(actor: ActorState, event: NormalizedEvent, attribution: Attribution): void {
    actor.events++;
    if (event.errorCode) actor.errors++;
    actor.seen.add(event.timeMs, event.eventTime);
    const credentialKey = attribution.credentialId ?? `(${attribution.credentialKind})`;
    let credential = actor.credentials.get(credentialKey);
    if (!credential) {
      if (actor.credentials.size < MAX_CREDENTIALS) {
        credential = {
          id: attribution.credentialId,
          kind: attribution.credentialKind,
          events: 0,
          seen: new TimeSpan(),
        };
        actor.credentials.set(credentialKey, credential);
      } else {
        actor.unlistedCredentialEvents++;
      }
    }
    if (credential) {
      credential.events++;
      credential.seen.add(event.timeMs, event.eventTime);
    }
    if (event.account && actor.accounts.size < MAX_ACCOUNTS) actor.accounts.add(event.account);
    if (event.region && actor.regions.size < MAX_REGIONS) actor.regions.add(event.region);
    actor.services.add(event.eventSource);
    actor.actions.add(this.apiCalls.get(event.eventSource, event.eventName).action);
    for (const ip of event.sourceIps) actor.sourceIps.add(ip);
    if (event.vpcEndpointId) actor.vpcEndpoints.add(event.vpcEndpointId);
    actor.userAgents.add(
      event.userAgent.length > 200 ? `${event.userAgent.slice(0, 200)}…` : event.userAgent,
    );
    if (
      PRIVILEGED_SOURCES.has(event.eventSource) &&
      event.readOnly !== true &&
      !event.eventName.startsWith('Get')
    ) {
      actor.privileged++;
    }
  }

  /** The union of the matched rules' controls, cached per distinct set of rules. */
  private controlSet(matched: readonly CompiledRule[]): { ids: readonly string[]; json: Buffer } {
    if (matched.length === 0) return EMPTY_CONTROLS;
    let key: string | number;
    if (matched.length === 1) key = matched[0]!.order;
    else {
      key = '';
      for (const r of matched) key += `${r.order},`;
    }
    let set = this.controlSets.get(key);
    if (!set) {
      const ids = [...new Set(matched.flatMap((r) => r.definition.controls))].sort();
      set = { ids, json: Buffer.from(JSON.stringify(ids)) };
      this.controlSets.set(key, set);
      for (const rule of matched)
        for (const id of rule.definition.controls) this.controls.get(id)!.rules.add(rule.definition.id);
    }
    return set;
  }

  /** Turns a detector's conclusion into a finding (with exceptions applied like any other). */
  private recordDetectorHit(hit: DetectorHit): void {
    const actor = this.actors.get(hit.attribution.actor.id);
    if (!actor) return;
    const definition = hit.rule.definition;
    const resource = definition.detector?.per === 'credential' ? hit.attribution.credentialId : null;
    const key = `${definition.id}\u0000${actor.profile.id}\u0000${resource ?? ''}`;
    const suppressedBy = this.exceptionFor(definition.id, actor.profile, resource);
    const seen = new TimeSpan();
    seen.add(hit.first.ms, hit.first.time);
    seen.add(hit.last.ms, hit.last.time);
    this.findings.set(key, {
      id: `TP-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`,
      rule: hit.rule,
      actor,
      resource,
      eventIds: [...hit.eventIds],
      count: hit.count,
      seen,
      accounts: new Set(hit.accounts),
      credentials: new Set(hit.credentials),
      context: { ...hit.context },
      suppressedBy,
    });
  }

  private recordFinding(
    rule: CompiledRule,
    actor: ActorState,
    event: NormalizedEvent,
    attribution: Attribution,
  ) {
    const resource = rule.resourcePath ? stringValue(readPath(event.raw, rule.resourcePath)) : null;
    const key = `${rule.definition.id}\u0000${actor.profile.id}\u0000${resource ?? ''}`;
    let finding = this.findings.get(key);
    if (!finding) {
      const id = `TP-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
      const context: Record<string, string> = {};
      for (let i = 0; i < rule.evidencePaths.length; i++) {
        const value = stringValue(readPath(event.raw, rule.evidencePaths[i]!));
        if (value !== null)
          context[rule.definition.evidence[i]!] = value.length > 300 ? `${value.slice(0, 300)}…` : value;
      }
      const suppressedBy = this.exceptionFor(rule.definition.id, actor.profile, resource);
      finding = {
        id,
        rule,
        actor,
        resource,
        eventIds: [],
        count: 0,
        seen: new TimeSpan(),
        accounts: new Set(),
        credentials: new Set(),
        context,
        suppressedBy,
      };
      this.findings.set(key, finding);
    }
    finding.count++;
    if (finding.eventIds.length < FINDING_EVENT_IDS) finding.eventIds.push(event.eventId);
    finding.seen.add(event.timeMs, event.eventTime);
    if (event.account && finding.accounts.size < MAX_ACCOUNTS) finding.accounts.add(event.account);
    if (attribution.credentialId && finding.credentials.size < MAX_CREDENTIALS)
      finding.credentials.add(attribution.credentialId);
    return finding;
  }

  private exceptionFor(
    ruleId: string,
    profile: ActorProfile,
    resource: string | null,
  ): CompiledException | undefined {
    const names = [profile.id, profile.principal.roleArn, profile.principal.sessionArn].filter(
      Boolean,
    ) as string[];
    return this.exceptions.find(
      (e) =>
        e.active &&
        (e.source.rule === ruleId || e.source.rule === '*') &&
        (!e.actor || names.some((n) => e.actor!.test(n))) &&
        (!e.resource || (resource !== null && e.resource.test(resource))),
    );
  }

  private findingResults(): Finding[] {
    const rank = (s: Severity) => SEVERITIES.indexOf(s);
    const results = [...this.findings.values()].map((f): Finding => {
      const d = f.rule.definition;
      const profile = f.actor.profile;
      return {
        id: f.id,
        rule: d.id,
        kind: d.detector ? 'detector' : 'event',
        title: d.title,
        severity: d.severity,
        actor: profile.id,
        actorName: profile.name,
        actorClass: profile.actorClass,
        owner: profile.owner,
        resource: f.resource,
        controls: [...d.controls],
        eventIds: [...f.eventIds],
        count: f.count,
        firstSeen: f.seen.first,
        lastSeen: f.seen.last,
        accounts: [...f.accounts].sort(),
        credentials: [...f.credentials].sort(),
        context: f.context,
        remediation: d.remediation ?? null,
        suppressed: f.suppressedBy
          ? {
              reason: f.suppressedBy.source.reason,
              expires: f.suppressedBy.source.expires,
              approvedBy: f.suppressedBy.source.approvedBy ?? null,
            }
          : null,
      };
    });
    // Counted here, once, so that merged shards count each finding once.
    for (const f of this.findings.values()) {
      if (f.suppressedBy) f.suppressedBy.suppressed++;
      else f.actor.findings++;
    }
    for (const f of results) {
      if (f.suppressed) continue;
      for (const id of f.controls) this.controls.get(id)!.findings++;
    }
    return results.sort(
      (a, b) =>
        Number(a.suppressed !== null) - Number(b.suppressed !== null) ||
        rank(b.severity) - rank(a.severity) ||
        b.count - a.count ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }

  private controlResults(): ControlResult[] {
    return this.context.catalog.controls.map((control): ControlResult => {
      const counters = this.controls.get(control.id)!;
      const status =
        counters.findings > 0
          ? 'violated'
          : counters.evidence > 0
            ? 'evidenced'
            : control.observability === 'not-observable'
              ? 'not-observable-from-cloudtrail'
              : 'not-observed';
      return {
        id: control.id,
        framework: control.framework,
        title: control.title,
        group: control.group ?? null,
        status,
        findings: counters.findings,
        events: counters.events,
        evidence: counters.evidence,
        rules: [...counters.rules].sort(),
        observabilityReason: control.observabilityReason ?? null,
      };
    });
  }

  /** Keeps IAM changes to a user or role, keyed by the changed identity's ARN. */
  private recordLifecycle(event: NormalizedEvent, attribution: Attribution): void {
    const request = event.requestParameters ?? {};
    const userName = typeof request.userName === 'string' ? request.userName : undefined;
    const roleName = typeof request.roleName === 'string' ? request.roleName : undefined;
    // CreateAccessKey without userName acts on the caller itself.
    const target = userName
      ? `arn:aws:iam::${event.account}:user/${userName}`
      : roleName
        ? `arn:aws:iam::${event.account}:role/${roleName}`
        : attribution.actor.principal.type === 'IAMUser'
          ? attribution.actor.id
          : undefined;
    if (!target) return;
    let entry = this.lifecycle.get(target);
    if (!entry) {
      if (this.lifecycle.size >= MAX_LIFECYCLE_IDENTITIES) return;
      entry = { events: [], omitted: 0 };
      this.lifecycle.set(target, entry);
    }
    if (entry.events.length >= MAX_LIFECYCLE_EVENTS) {
      entry.omitted++;
      return;
    }
    const response = event.responseElements;
    const issuedKey = (response?.accessKey as { accessKeyId?: unknown } | undefined)?.accessKeyId;
    const key =
      typeof request.accessKeyId === 'string'
        ? request.accessKeyId
        : typeof issuedKey === 'string'
          ? issuedKey
          : null;
    const policy = request.policyArn ?? request.policyName;
    entry.events.push({
      eventName: event.eventName,
      eventTime: event.eventTime,
      eventId: event.eventId,
      by: attribution.actor.id,
      accessKeyId: key,
      status: typeof request.status === 'string' ? request.status : null,
      policy: typeof policy === 'string' ? policy : null,
    });
  }

  private actorResult(actor: ActorState, chains: readonly AccountabilityChain[]): ActorSummary {
    const p = actor.profile;
    return {
      id: p.id,
      name: p.name,
      class: p.actorClass,
      reasons: [...p.reasons],
      declared: p.declared,
      principalType: p.principal.type,
      owner: p.owner,
      purpose: p.inventory?.purpose ?? null,
      environment: p.inventory?.environment ?? null,
      allowedScope: p.inventory?.allowedScope ?? null,
      events: actor.events,
      errors: actor.errors,
      firstSeen: actor.seen.first,
      lastSeen: actor.seen.last,
      credentials: [...actor.credentials.values()]
        .sort((a, b) => b.events - a.events || String(a.id).localeCompare(String(b.id)))
        .map((c) => ({
          id: c.id,
          kind: c.kind,
          events: c.events,
          firstUsed: c.seen.first,
          lastUsed: c.seen.last,
        })),
      unlistedCredentialEvents: actor.unlistedCredentialEvents,
      accounts: [...actor.accounts].sort(),
      regions: [...actor.regions].sort(),
      services: actor.services.result(20),
      actions: actor.actions.result(30),
      sourceIps: actor.sourceIps.result(10),
      userAgents: actor.userAgents.result(5),
      vpcEndpoints: actor.vpcEndpoints.result(5),
      privilegedActions: actor.privileged,
      findings: actor.findings,
      accountability: chains,
      lifecycle: [...(this.lifecycle.get(p.id)?.events ?? [])].sort((a, b) =>
        a.eventTime < b.eventTime ? -1 : 1,
      ),
    };
  }

  private exceptionResults(): ExceptionReport[] {
    return this.exceptions.map((e) => ({
      rule: e.source.rule,
      actor: e.source.actor ?? null,
      resource: e.source.resource ?? null,
      reason: e.source.reason,
      expires: e.source.expires,
      status: e.active ? 'active' : 'expired',
      suppressedFindings: e.suppressed,
    }));
  }
}

const EMPTY_CONTROLS = { ids: [] as readonly string[], json: Buffer.from('[]') };

export type { AnalysisContext, BuilderState };
export { AnalysisBuilder, FINDING_EVENT_IDS };
