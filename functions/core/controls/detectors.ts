/**
 * @module Stateful detectors: judgements over an actor's (or a credential's) events in the period.
 *
 * Events arrive grouped by file, not sorted by time, so every detector keeps compact per-key
 * state while streaming and decides at the end: bursts in time buckets, sequences as short
 * lists of step times, new behaviour as first sightings, spread as distinct values. State is
 * bounded per key and grows with actors and credentials, not with events.
 */
import type { Attribution } from '../identity/IdentityResolver.js';
import type { NormalizedEvent } from '../ingest/normalizeEvent.js';
import { iamActionOf } from './iamActions.js';
import { type CompiledRule, readPath } from './RuleEngine.js';
import type { DetectorDefinition } from './ruleSchema.js';

/** Event IDs a detector finding keeps as proof. */
const MAX_PROOF_IDS = 100;
/** Sightings kept per sequence step and key. */
const MAX_STEP_SIGHTINGS = 200;
/** Distinct values kept per new-behaviour or spread key. */
const MAX_VALUES = 500;
/** Keys (actors or credentials) kept per detector. */
const MAX_KEYS = 50_000;

interface Sighting {
  readonly ms: number;
  readonly time: string;
  readonly id: string;
  readonly name?: string;
}

/** What a detector concluded for one key; the analysis turns it into a finding. */
interface DetectorHit {
  readonly rule: CompiledRule;
  readonly attribution: Attribution;
  readonly eventIds: readonly string[];
  readonly count: number;
  readonly first: Sighting;
  readonly last: Sighting;
  /** Human-readable specifics (the threshold met, the new actions…). */
  readonly context: Readonly<Record<string, string>>;
  readonly credentials: readonly string[];
  readonly accounts: readonly string[];
}

interface KeyState {
  /** Attribution of the first event seen for the key: names the actor of the finding. */
  readonly attribution: Attribution;
  readonly credentials: Set<string>;
  readonly accounts: Set<string>;
}

/** Counts per time bucket; only the first few events keep their IDs (the proof shown is capped anyway). */
interface BurstBucket {
  count: number;
  firstMs: number;
  firstTime: string;
  lastMs: number;
  lastTime: string;
  readonly ids: string[];
  readonly distinct: Set<string> | undefined;
}

/** How an attribution is written in a partial analysis: the actor by id. */
interface AttributionState {
  readonly actor: string;
  readonly credentialId: string | null;
  readonly credentialKind: Attribution['credentialKind'];
  readonly sessionName?: string;
}

interface KeyStateJson {
  readonly attribution: AttributionState;
  readonly credentials: readonly string[];
  readonly accounts: readonly string[];
}

/** A detector's state as plain data, for merging partial analyses (shards). */
interface DetectorStateJson {
  readonly keys: readonly (readonly [string, KeyStateJson])[];
  readonly data: unknown;
}

/** Looks up the (merged) actor profile of an actor id. */
type ProfileLookup = (actorId: string) => Attribution['actor'] | undefined;

function attributionState(a: Attribution): AttributionState {
  return {
    actor: a.actor.id,
    credentialId: a.credentialId,
    credentialKind: a.credentialKind,
    sessionName: a.sessionName,
  };
}

abstract class DetectorState {
  protected readonly keys = new Map<string, KeyState>();
  constructor(readonly rule: CompiledRule) {}

  exportState(): DetectorStateJson {
    return {
      keys: [...this.keys.entries()].map(([key, k]) => [
        key,
        {
          attribution: attributionState(k.attribution),
          credentials: [...k.credentials],
          accounts: [...k.accounts],
        },
      ]),
      data: this.exportData(),
    };
  }

  /** Merges another shard's state for the same rule into this one. */
  importState(state: DetectorStateJson, profiles: ProfileLookup): void {
    for (const [key, k] of state.keys) {
      let mine = this.keys.get(key);
      if (!mine) {
        const actor = profiles(k.attribution.actor);
        if (!actor || this.keys.size >= MAX_KEYS) continue;
        mine = {
          attribution: {
            actor,
            credentialId: k.attribution.credentialId,
            credentialKind: k.attribution.credentialKind,
            sessionName: k.attribution.sessionName,
          },
          credentials: new Set(),
          accounts: new Set(),
        };
        this.keys.set(key, mine);
      }
      for (const c of k.credentials) if (mine.credentials.size < 20) mine.credentials.add(c);
      for (const a of k.accounts) if (mine.accounts.size < 50) mine.accounts.add(a);
    }
    this.importData(state.data);
  }

  protected abstract exportData(): unknown;
  protected abstract importData(data: unknown): void;

  protected keyOf(attribution: Attribution): string {
    const per = (this.rule.definition.detector as DetectorDefinition).per;
    return per === 'credential'
      ? (attribution.credentialId ?? `actor:${attribution.actor.id}`)
      : attribution.actor.id;
  }

  /** Registers the key; returns undefined when the key bound is reached. */
  protected track(event: NormalizedEvent, attribution: Attribution): string | undefined {
    const key = this.keyOf(attribution);
    let state = this.keys.get(key);
    if (!state) {
      if (this.keys.size >= MAX_KEYS) return undefined;
      state = { attribution, credentials: new Set(), accounts: new Set() };
      this.keys.set(key, state);
    }
    if (attribution.credentialId && state.credentials.size < 20)
      state.credentials.add(attribution.credentialId);
    if (event.account && state.accounts.size < 50) state.accounts.add(event.account);
    return key;
  }

  protected hit(key: string, proof: Sighting[], count: number, context: Record<string, string>): DetectorHit {
    const state = this.keys.get(key)!;
    const sorted = [...proof].sort((a, b) => a.ms - b.ms || (a.id < b.id ? -1 : 1));
    return {
      rule: this.rule,
      attribution: state.attribution,
      eventIds: sorted.slice(0, MAX_PROOF_IDS).map((s) => s.id),
      count,
      first: sorted[0]!,
      last: sorted.at(-1)!,
      context,
      credentials: [...state.credentials].sort(),
      accounts: [...state.accounts].sort(),
    };
  }

  abstract observe(event: NormalizedEvent, attribution: Attribution): void;
  abstract conclude(period: { startMs: number; endMs: number }): DetectorHit[];
}

/** `threshold` events (or distinct values) within `window`, judged on quarter-window buckets. */
class BurstState extends DetectorState {
  private readonly buckets = new Map<string, Map<number, BurstBucket>>();
  private readonly bucketMs: number;
  private readonly idsPerBucket: number;
  private readonly distinctPaths: readonly (readonly string[])[] | undefined;

  constructor(
    rule: CompiledRule,
    private readonly config: Extract<DetectorDefinition, { type: 'burst' }>,
  ) {
    super(rule);
    this.bucketMs = Math.max(1_000, Math.floor(config.window / 4));
    this.idsPerBucket = Math.min(config.threshold, 25);
    const distinct =
      config.distinct === undefined
        ? undefined
        : Array.isArray(config.distinct)
          ? config.distinct
          : [config.distinct];
    this.distinctPaths = distinct?.map((path) => path.split('.'));
  }

  observe(event: NormalizedEvent, attribution: Attribution): void {
    const key = this.track(event, attribution);
    if (key === undefined) return;
    let byBucket = this.buckets.get(key);
    if (!byBucket) {
      byBucket = new Map();
      this.buckets.set(key, byBucket);
    }
    const index = Math.floor(event.timeMs / this.bucketMs);
    let bucket = byBucket.get(index);
    if (!bucket) {
      bucket = {
        count: 0,
        firstMs: event.timeMs,
        firstTime: event.eventTime,
        lastMs: event.timeMs,
        lastTime: event.eventTime,
        ids: [],
        distinct: this.distinctPaths ? new Set() : undefined,
      };
      byBucket.set(index, bucket);
    }
    bucket.count++;
    if (event.timeMs < bucket.firstMs) {
      bucket.firstMs = event.timeMs;
      bucket.firstTime = event.eventTime;
    }
    if (event.timeMs > bucket.lastMs) {
      bucket.lastMs = event.timeMs;
      bucket.lastTime = event.eventTime;
    }
    if (!bucket.distinct) {
      if (bucket.ids.length < this.idsPerBucket) bucket.ids.push(event.eventId);
      return;
    }
    // For distinct-value bursts the proof is the events that brought each new value: that keeps
    // a steady workload repeating the same few calls to a handful of IDs per bucket.
    if (bucket.distinct.size >= this.config.threshold * 4) return;
    for (const path of this.distinctPaths!) {
      const value = readPath(event.raw, path);
      for (const v of Array.isArray(value) ? value : [value]) {
        if (v === undefined || v === null) continue;
        const text = typeof v === 'string' ? v : JSON.stringify(v);
        if (bucket.distinct.has(text)) continue;
        bucket.distinct.add(text);
        if (bucket.ids.length < this.idsPerBucket && bucket.ids.at(-1) !== event.eventId)
          bucket.ids.push(event.eventId);
      }
    }
  }

  protected exportData(): unknown {
    return [...this.buckets.entries()].map(([key, byBucket]) => [
      key,
      [...byBucket.entries()].map(([index, b]) => [
        index,
        { ...b, distinct: b.distinct ? [...b.distinct] : undefined },
      ]),
    ]);
  }

  protected importData(data: unknown): void {
    type Entry = [number, Omit<BurstBucket, 'distinct'> & { distinct?: string[] }];
    for (const [key, buckets] of data as [string, Entry[]][]) {
      let byBucket = this.buckets.get(key);
      if (!byBucket) {
        byBucket = new Map();
        this.buckets.set(key, byBucket);
      }
      for (const [index, incoming] of buckets) {
        const mine = byBucket.get(index);
        if (!mine) {
          byBucket.set(index, {
            ...incoming,
            ids: [...incoming.ids],
            distinct: incoming.distinct ? new Set(incoming.distinct) : undefined,
          });
          continue;
        }
        mine.count += incoming.count;
        if (incoming.firstMs < mine.firstMs) {
          mine.firstMs = incoming.firstMs;
          mine.firstTime = incoming.firstTime;
        }
        if (incoming.lastMs > mine.lastMs) {
          mine.lastMs = incoming.lastMs;
          mine.lastTime = incoming.lastTime;
        }
        for (const id of incoming.ids) if (mine.ids.length < this.idsPerBucket) mine.ids.push(id);
        if (mine.distinct && incoming.distinct) {
          for (const v of incoming.distinct)
            if (mine.distinct.size < this.config.threshold * 4) mine.distinct.add(v);
        }
      }
    }
  }

  conclude(): DetectorHit[] {
    const hits: DetectorHit[] = [];
    const span = 4; // buckets per window
    for (const [key, byBucket] of this.buckets) {
      const indices = [...byBucket.keys()].sort((a, b) => a - b);
      const triggered = new Set<number>();
      let peak = 0;
      for (let i = 0; i < indices.length; i++) {
        let count = 0;
        const distinct = new Set<string>();
        const members: number[] = [];
        for (let j = i; j < indices.length && indices[j]! - indices[i]! < span; j++) {
          const bucket = byBucket.get(indices[j]!)!;
          count += bucket.count;
          if (bucket.distinct) for (const v of bucket.distinct) distinct.add(v);
          members.push(indices[j]!);
        }
        const measure = this.distinctPaths ? distinct.size : count;
        peak = Math.max(peak, measure);
        if (measure >= this.config.threshold) for (const m of members) triggered.add(m);
      }
      if (triggered.size === 0) continue;
      const proof: Sighting[] = [];
      let count = 0;
      for (const index of [...triggered].sort((a, b) => a - b)) {
        const bucket = byBucket.get(index)!;
        count += bucket.count;
        // Bucket order is time order; within a bucket, the IDs in arrival order.
        bucket.ids.forEach((id, i) => {
          const edge =
            i === 0
              ? { ms: bucket.firstMs, time: bucket.firstTime }
              : { ms: bucket.lastMs, time: bucket.lastTime };
          proof.push({ ...edge, id });
        });
      }
      const what = this.config.distinct
        ? `distinct ${[this.config.distinct].flat().join(' / ')} values`
        : 'events';
      hits.push(
        this.hit(key, proof, count, {
          burst: `${peak} ${what} within ${formatDuration(this.config.window)} (threshold ${this.config.threshold})`,
        }),
      );
    }
    return hits;
  }
}

/** Step 1, then step 2 (…), by the same key within `within`. */
class SequenceState extends DetectorState {
  private readonly sightings = new Map<string, Sighting[][]>();
  private readonly stepNames: readonly ReadonlySet<string>[];
  private readonly stepSources: readonly (ReadonlySet<string> | undefined)[];

  constructor(
    rule: CompiledRule,
    private readonly config: Extract<DetectorDefinition, { type: 'sequence' }>,
  ) {
    super(rule);
    this.stepNames = config.steps.map(
      (s) => new Set(Array.isArray(s.eventName) ? s.eventName : [s.eventName]),
    );
    this.stepSources = config.steps.map((s) =>
      s.eventSource ? new Set(Array.isArray(s.eventSource) ? s.eventSource : [s.eventSource]) : undefined,
    );
  }

  observe(event: NormalizedEvent, attribution: Attribution): void {
    const steps: number[] = [];
    for (let i = 0; i < this.stepNames.length; i++) {
      if (
        this.stepNames[i]!.has(event.eventName) &&
        (!this.stepSources[i] || this.stepSources[i]!.has(event.eventSource))
      ) {
        steps.push(i);
      }
    }
    if (steps.length === 0) return;
    const key = this.track(event, attribution);
    if (key === undefined) return;
    let perStep = this.sightings.get(key);
    if (!perStep) {
      perStep = this.stepNames.map(() => []);
      this.sightings.set(key, perStep);
    }
    for (const i of steps) {
      const list = perStep[i]!;
      if (list.length < MAX_STEP_SIGHTINGS)
        list.push({ ms: event.timeMs, time: event.eventTime, id: event.eventId });
    }
  }

  protected exportData(): unknown {
    return [...this.sightings.entries()];
  }

  protected importData(data: unknown): void {
    for (const [key, perStep] of data as [string, Sighting[][]][]) {
      let mine = this.sightings.get(key);
      if (!mine) {
        mine = this.stepNames.map(() => []);
        this.sightings.set(key, mine);
      }
      perStep.forEach((list, i) => {
        const target = mine![i]!;
        for (const s of list) if (target.length < MAX_STEP_SIGHTINGS) target.push(s);
      });
    }
  }

  conclude(): DetectorHit[] {
    const hits: DetectorHit[] = [];
    for (const [key, perStep] of this.sightings) {
      const sorted = perStep.map((list) => [...list].sort((a, b) => a.ms - b.ms));
      if (sorted.some((list) => list.length === 0)) continue;
      for (const start of sorted[0]!) {
        const chain: Sighting[] = [start];
        let previous = start.ms;
        for (let i = 1; i < sorted.length; i++) {
          const next = sorted[i]!.find((s) => s.ms >= previous && s.ms - start.ms <= this.config.within);
          if (!next) break;
          chain.push(next);
          previous = next.ms;
        }
        if (chain.length === sorted.length) {
          // Prove the whole sequence: every sighting of every step inside the matched span.
          const endMs = chain.at(-1)!.ms;
          const proof = sorted.flat().filter((s) => s.ms >= start.ms && s.ms <= endMs);
          hits.push(
            this.hit(key, proof, proof.length, {
              sequence: chain.map((s) => `${s.name} at ${s.time}`).join(' → '),
              within: formatDuration(this.config.within),
            }),
          );
          break;
        }
      }
    }
    return hits;
  }
}

/** Actions (or services) first used after the baseline part of the period. */
class NewBehaviourState extends DetectorState {
  private readonly firsts = new Map<string, Map<string, Sighting & { count: number }>>();
  private readonly earliest = new Map<string, number>();

  constructor(
    rule: CompiledRule,
    private readonly config: Extract<DetectorDefinition, { type: 'new-behaviour' }>,
  ) {
    super(rule);
  }

  observe(event: NormalizedEvent, attribution: Attribution): void {
    const key = this.track(event, attribution);
    if (key === undefined) return;
    const value =
      this.config.of === 'service' ? event.eventSource : iamActionOf(event.eventSource, event.eventName);
    let values = this.firsts.get(key);
    if (!values) {
      values = new Map();
      this.firsts.set(key, values);
    }
    const known = values.get(value);
    if (known) {
      known.count++;
      if (event.timeMs < known.ms)
        values.set(value, { ms: event.timeMs, time: event.eventTime, id: event.eventId, count: known.count });
    } else if (values.size < MAX_VALUES) {
      values.set(value, { ms: event.timeMs, time: event.eventTime, id: event.eventId, count: 1 });
    }
    const earliest = this.earliest.get(key);
    if (earliest === undefined || event.timeMs < earliest) this.earliest.set(key, event.timeMs);
  }

  protected exportData(): unknown {
    return {
      firsts: [...this.firsts.entries()].map(([key, values]) => [key, [...values.entries()]]),
      earliest: [...this.earliest.entries()],
    };
  }

  protected importData(data: unknown): void {
    type First = Sighting & { count: number };
    const { firsts, earliest } = data as {
      firsts: [string, [string, First][]][];
      earliest: [string, number][];
    };
    for (const [key, values] of firsts) {
      let mine = this.firsts.get(key);
      if (!mine) {
        mine = new Map();
        this.firsts.set(key, mine);
      }
      for (const [value, first] of values) {
        const known = mine.get(value);
        if (!known) {
          if (mine.size < MAX_VALUES) mine.set(value, { ...first });
        } else {
          const count = known.count + first.count;
          mine.set(value, first.ms < known.ms ? { ...first, count } : { ...known, count });
        }
      }
    }
    for (const [key, ms] of earliest) {
      const known = this.earliest.get(key);
      if (known === undefined || ms < known) this.earliest.set(key, ms);
    }
  }

  conclude(period: { startMs: number; endMs: number }): DetectorHit[] {
    const baselineEnd = period.startMs + (period.endMs - period.startMs) * this.config.baseline;
    const hits: DetectorHit[] = [];
    for (const [key, values] of this.firsts) {
      // A key first seen after the baseline has no baseline to drift from.
      if ((this.earliest.get(key) ?? Number.POSITIVE_INFINITY) >= baselineEnd) continue;
      const novel = [...values.entries()]
        .filter(([, s]) => s.ms >= baselineEnd)
        .sort((a, b) => a[1].ms - b[1].ms);
      if (novel.length === 0) continue;
      const proof = novel.map(([, s]) => s);
      const count = novel.reduce((n, [, s]) => n + s.count, 0);
      hits.push(
        this.hit(key, proof, count, {
          baseline: `first ${Math.round(this.config.baseline * 100)}% of the period, until ${new Date(baselineEnd).toISOString().slice(0, 16)}Z`,
          new: novel
            .slice(0, 20)
            .map(([v]) => v)
            .join(', '),
        }),
      );
    }
    return hits;
  }
}

/** One key seen with at least `threshold` distinct values of a field (source IPs, regions…). */
class SpreadState extends DetectorState {
  private readonly values = new Map<string, Map<string, Sighting & { count: number }>>();
  private readonly path: readonly string[];

  constructor(
    rule: CompiledRule,
    private readonly config: Extract<DetectorDefinition, { type: 'spread' }>,
  ) {
    super(rule);
    this.path = config.distinct.split('.');
  }

  observe(event: NormalizedEvent, attribution: Attribution): void {
    const raw = readPath(event.raw, this.path);
    if (raw === undefined || raw === null || raw === '') return;
    const key = this.track(event, attribution);
    if (key === undefined) return;
    let values = this.values.get(key);
    if (!values) {
      values = new Map();
      this.values.set(key, values);
    }
    const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const known = values.get(value);
    if (known) known.count++;
    else if (values.size < MAX_VALUES)
      values.set(value, { ms: event.timeMs, time: event.eventTime, id: event.eventId, count: 1 });
  }

  protected exportData(): unknown {
    return [...this.values.entries()].map(([key, values]) => [key, [...values.entries()]]);
  }

  protected importData(data: unknown): void {
    type Seen = Sighting & { count: number };
    for (const [key, values] of data as [string, [string, Seen][]][]) {
      let mine = this.values.get(key);
      if (!mine) {
        mine = new Map();
        this.values.set(key, mine);
      }
      for (const [value, seen] of values) {
        const known = mine.get(value);
        if (known) known.count += seen.count;
        else if (mine.size < MAX_VALUES) mine.set(value, { ...seen });
      }
    }
  }

  conclude(): DetectorHit[] {
    const hits: DetectorHit[] = [];
    for (const [key, values] of this.values) {
      if (values.size < this.config.threshold) continue;
      const proof = [...values.values()];
      const count = proof.reduce((n, s) => n + s.count, 0);
      hits.push(
        this.hit(key, proof, count, {
          spread: `${values.size} distinct ${this.config.distinct} values (threshold ${this.config.threshold})`,
          values: [...values.keys()].sort().slice(0, 10).join(', '),
        }),
      );
    }
    return hits;
  }
}

function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

function createDetectorState(rule: CompiledRule): DetectorState {
  const detector = rule.definition.detector!;
  switch (detector.type) {
    case 'burst':
      return new BurstState(rule, detector);
    case 'sequence':
      return new SequenceState(rule, detector);
    case 'new-behaviour':
      return new NewBehaviourState(rule, detector);
    case 'spread':
      return new SpreadState(rule, detector);
  }
}

/** All detectors of a rule pack: feed matched events, then conclude once. */
class DetectorRunner {
  private readonly states = new Map<CompiledRule, DetectorState>();

  observe(rule: CompiledRule, event: NormalizedEvent, attribution: Attribution): void {
    let state = this.states.get(rule);
    if (!state) {
      state = createDetectorState(rule);
      this.states.set(rule, state);
    }
    state.observe(event, attribution);
  }

  /** Plain data of every detector, by rule id. */
  exportState(): [string, DetectorStateJson][] {
    return [...this.states.entries()].map(([rule, state]) => [rule.definition.id, state.exportState()]);
  }

  /** Merges another shard's detector states; `rules` resolves rule ids of this pack. */
  importState(
    states: readonly (readonly [string, DetectorStateJson])[],
    rules: ReadonlyMap<string, CompiledRule>,
    profiles: ProfileLookup,
  ): void {
    for (const [ruleId, json] of states) {
      const rule = rules.get(ruleId);
      if (!rule?.definition.detector) continue;
      let state = this.states.get(rule);
      if (!state) {
        state = createDetectorState(rule);
        this.states.set(rule, state);
      }
      state.importState(json, profiles);
    }
  }

  /** Every detector's hits, in rule order. */
  conclude(period: { startMs: number; endMs: number }): DetectorHit[] {
    return [...this.states.values()]
      .sort((a, b) => a.rule.order - b.rule.order)
      .flatMap((state) => state.conclude(period));
  }
}

export type { DetectorHit, DetectorStateJson, ProfileLookup };
export { DetectorRunner };
