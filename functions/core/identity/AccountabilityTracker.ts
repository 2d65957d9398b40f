/**
 * @module The runtime accountability chain: credential → session → initiating identity → owner.
 *
 * Temporary credentials are born in STS events (AssumeRole, AssumeRoleWithWebIdentity,
 * AssumeRoleWithSAML, GetFederationToken, GetSessionToken) whose response names the issued
 * access key. Those events can arrive after the key's uses (trail files are read account by
 * account, region by region), so issuance and use are recorded while streaming and the chains
 * are resolved once, at the end. State grows with sessions and credentials, never with events.
 */
import type { NormalizedEvent } from '../ingest/normalizeEvent.js';
import type { ActorProfile, Attribution } from './IdentityResolver.js';
import { ActorClass, type CredentialKind, MACHINE_CLASSES } from './principal.js';

const ISSUING_EVENTS: ReadonlySet<string> = new Set([
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'AssumeRoleWithSAML',
  'GetFederationToken',
  'GetSessionToken',
]);

/** Longest life of an STS session (AssumeRole with a 12-hour maximum session duration). */
const MAX_SESSION_MS = 12 * 3_600_000;
/** Issued credentials remembered; beyond this, new issuances are counted but not kept. */
const MAX_ISSUANCES = 500_000;
/** Distinct (actor, credential) pairs whose use is counted for coverage. */
const MAX_TRACKED_CREDENTIALS = 500_000;
/** Chains listed per actor in analysis.json (by events, descending); all count towards coverage. */
const CHAINS_PER_ACTOR = 10;

/** Why a chain does not reach a named owner. Stable keys; words for people are in BREAK_REASONS. */
const ChainBreak = {
  IssuedBeforePeriod: 'issued-before-period',
  IssuerNotCollected: 'issuer-not-collected',
  IssuingEventMissing: 'issuing-event-missing',
  LongLivedUndeclared: 'long-lived-key-undeclared',
  NoOwnerOnChain: 'no-owner-on-chain',
  Loop: 'loop',
} as const;
type ChainBreak = (typeof ChainBreak)[keyof typeof ChainBreak];

const BREAK_REASONS: Readonly<Record<ChainBreak, string>> = {
  'issued-before-period':
    'the credential was issued before the period (its issuing event is not in the data)',
  'issuer-not-collected': "the issuing account's CloudTrail was not collected",
  'issuing-event-missing': 'no event issuing this temporary credential was found in the collected data',
  'long-lived-key-undeclared': 'a long-lived key of an identity with no declared owner: nothing to trace',
  'no-owner-on-chain': 'the chain is complete but no identity on it has a declared owner',
  loop: 'the chain loops back on itself',
};

/** One issued credential, as the issuing STS event describes it. */
interface Issuance {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventTime: string;
  /** The actor that called STS (a role session, a web identity, an AWS service, a person). */
  readonly issuer: ActorProfile;
  /** The credential the issuer signed the call with, to follow role chains further. */
  readonly issuerCredential: string | null;
  readonly sessionName: string | null;
  readonly sourceIdentity: string | null;
}

interface CredentialUse {
  events: number;
  firstMs: number;
  readonly kind: CredentialKind;
}

/** One step of a chain, from the credential's holder back towards the initiator. */
interface ChainStep {
  readonly actor: string;
  readonly actorName: string;
  readonly class: ActorClass;
  /** The STS call that issued the credential this step holds, when known. */
  readonly issuedBy: {
    readonly eventName: string;
    readonly eventId: string;
    readonly eventTime: string;
  } | null;
}

interface AccountabilityChain {
  readonly credential: string | null;
  readonly kind: CredentialKind;
  readonly events: number;
  readonly session: string | null;
  readonly sourceIdentity: string | null;
  /** The holder first, then each issuer in turn. */
  readonly path: readonly ChainStep[];
  /** The identity at the start of the chain (a person, a pipeline, an AWS service…). */
  readonly initiator: string | null;
  readonly owner: string | null;
  /** Where the owner came from: the actor (or which chain member) declared in the inventory, or the person. */
  readonly ownerSource: string | null;
  readonly break: ChainBreak | null;
  readonly breakReason: string | null;
}

interface AccountabilitySummary {
  readonly machineActions: number;
  /** Machine actions whose chain reaches a named owner. */
  readonly ownedActions: number;
  /** ownedActions / machineActions, 0–1 (1 when there are no machine actions). */
  readonly coverage: number;
  readonly breaks: readonly {
    readonly reason: ChainBreak;
    readonly text: string;
    readonly actions: number;
  }[];
  /** Issuances seen but not kept because of the memory bound. */
  readonly issuancesDropped: number;
  readonly credentialsUntracked: number;
}

interface TrackerContext {
  /** Start of the data: the period start, else the first event's time. */
  readonly dataStartMs: number;
  /** Accounts whose CloudTrail was read (events seen with that recipient account). */
  readonly collectedAccounts: ReadonlySet<string>;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/**
 * People, pipelines (web identities), AWS services, other accounts and long-lived principals
 * start chains; role and federation sessions are links in them, unless a person holds them
 * (Identity Center sessions get their credentials outside CloudTrail's STS events).
 */
function startsChain(profile: ActorProfile): boolean {
  const type = profile.principal.type;
  return (type !== 'AssumedRole' && type !== 'FederatedUser') || profile.actorClass === ActorClass.Human;
}

/** The tracker's state as plain data, for merging partial analyses (shards). */
interface AccountabilityState {
  readonly issued: readonly (readonly [string, Omit<Issuance, 'issuer'> & { readonly issuer: string }])[];
  readonly uses: readonly (readonly [string, readonly (readonly [string, CredentialUse])[]])[];
  readonly issuancesDropped: number;
  readonly credentialsUntracked: number;
  readonly untrackedActions: number;
}

class AccountabilityTracker {
  private readonly issued = new Map<string, Issuance>();
  private readonly uses = new Map<ActorProfile, Map<string, CredentialUse>>();
  private issuancesDropped = 0;
  private trackedCredentials = 0;
  private credentialsUntracked = 0;
  private untrackedActions = 0;

  /** Records what an event tells about credentials: an issuance, a machine use, or both. */
  observe(event: NormalizedEvent, attribution: Attribution): void {
    if (
      event.eventSource === 'sts.amazonaws.com' &&
      ISSUING_EVENTS.has(event.eventName) &&
      !event.errorCode
    ) {
      this.recordIssuance(event, attribution);
    }
    const actor = attribution.actor;
    if (!MACHINE_CLASSES.has(actor.actorClass)) return;
    let byCredential = this.uses.get(actor);
    if (!byCredential) {
      byCredential = new Map();
      this.uses.set(actor, byCredential);
    }
    const key = attribution.credentialId ?? '';
    const use = byCredential.get(key);
    if (use) {
      use.events++;
      if (event.timeMs < use.firstMs) use.firstMs = event.timeMs;
    } else if (this.trackedCredentials < MAX_TRACKED_CREDENTIALS) {
      byCredential.set(key, { events: 1, firstMs: event.timeMs, kind: attribution.credentialKind });
      this.trackedCredentials++;
    } else {
      this.credentialsUntracked++;
      this.untrackedActions++;
    }
  }

  exportState(): AccountabilityState {
    return {
      issued: [...this.issued.entries()].map(([key, i]) => [key, { ...i, issuer: i.issuer.id }]),
      uses: [...this.uses.entries()].map(([actor, byCredential]) => [actor.id, [...byCredential.entries()]]),
      issuancesDropped: this.issuancesDropped,
      credentialsUntracked: this.credentialsUntracked,
      untrackedActions: this.untrackedActions,
    };
  }

  /** Merges another shard's state; `profiles` gives the merged profile of an actor id. */
  importState(state: AccountabilityState, profiles: (id: string) => ActorProfile | undefined): void {
    for (const [key, issuance] of state.issued) {
      const issuer = profiles(issuance.issuer);
      if (!issuer || this.issued.has(key)) continue;
      if (this.issued.size >= MAX_ISSUANCES) {
        this.issuancesDropped++;
        continue;
      }
      this.issued.set(key, { ...issuance, issuer });
    }
    for (const [actorId, credentials] of state.uses) {
      const actor = profiles(actorId);
      if (!actor) continue;
      let byCredential = this.uses.get(actor);
      if (!byCredential) {
        byCredential = new Map();
        this.uses.set(actor, byCredential);
      }
      for (const [credential, use] of credentials) {
        const mine = byCredential.get(credential);
        if (mine) {
          mine.events += use.events;
          mine.firstMs = Math.min(mine.firstMs, use.firstMs);
        } else if (this.trackedCredentials < MAX_TRACKED_CREDENTIALS) {
          byCredential.set(credential, { ...use });
          this.trackedCredentials++;
        } else {
          this.credentialsUntracked++;
          this.untrackedActions += use.events;
        }
      }
    }
    this.issuancesDropped += state.issuancesDropped;
    this.credentialsUntracked += state.credentialsUntracked;
    this.untrackedActions += state.untrackedActions;
  }

  /** Re-points state at replacement profiles after a merge picked another profile for an actor. */
  replaceProfile(previous: ActorProfile, next: ActorProfile): void {
    const uses = this.uses.get(previous);
    if (uses) {
      this.uses.delete(previous);
      const existing = this.uses.get(next);
      if (existing) for (const [k, v] of uses) existing.set(k, v);
      else this.uses.set(next, uses);
    }
    for (const [key, issuance] of this.issued) {
      if (issuance.issuer === previous) this.issued.set(key, { ...issuance, issuer: next });
    }
  }

  /** Resolves every tracked credential's chain; returns chains per actor and the coverage figure. */
  resolve(context: TrackerContext): {
    chains: Map<string, AccountabilityChain[]>;
    summary: AccountabilitySummary;
  } {
    const chains = new Map<string, AccountabilityChain[]>();
    const breaks = new Map<ChainBreak, number>();
    let machineActions = this.untrackedActions;
    let owned = 0;
    for (const [actor, byCredential] of this.uses) {
      const list: AccountabilityChain[] = [];
      for (const [credential, use] of byCredential) {
        const chain = this.chainFor(actor, credential || null, use, context);
        machineActions += use.events;
        if (chain.owner) owned += use.events;
        else if (chain.break) breaks.set(chain.break, (breaks.get(chain.break) ?? 0) + use.events);
        list.push(chain);
      }
      list.sort((a, b) => b.events - a.events || String(a.credential).localeCompare(String(b.credential)));
      chains.set(actor.id, list.slice(0, CHAINS_PER_ACTOR));
    }
    if (this.untrackedActions) {
      breaks.set(
        ChainBreak.IssuingEventMissing,
        (breaks.get(ChainBreak.IssuingEventMissing) ?? 0) + this.untrackedActions,
      );
    }
    return {
      chains,
      summary: {
        machineActions,
        ownedActions: owned,
        coverage: machineActions === 0 ? 1 : owned / machineActions,
        breaks: [...breaks.entries()]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .map(([reason, actions]) => ({ reason, text: BREAK_REASONS[reason], actions })),
        issuancesDropped: this.issuancesDropped,
        credentialsUntracked: this.credentialsUntracked,
      },
    };
  }

  private recordIssuance(event: NormalizedEvent, attribution: Attribution): void {
    const response = event.responseElements;
    const credentials = asRecord(response?.credentials);
    const issuedKey = str(credentials?.accessKeyId);
    if (!issuedKey) return;
    if (this.issued.size >= MAX_ISSUANCES && !this.issued.has(issuedKey)) {
      this.issuancesDropped++;
      return;
    }
    const request = event.requestParameters;
    this.issued.set(issuedKey, {
      eventId: event.eventId,
      eventName: event.eventName,
      eventTime: event.eventTime,
      issuer: attribution.actor,
      issuerCredential: attribution.credentialId,
      sessionName: str(request?.roleSessionName) ?? str(request?.name),
      sourceIdentity: str(response?.sourceIdentity) ?? str(request?.sourceIdentity),
    });
  }

  private chainFor(
    holder: ActorProfile,
    credential: string | null,
    use: CredentialUse,
    context: TrackerContext,
  ): AccountabilityChain {
    const steps: { profile: ActorProfile; issuance: Issuance | undefined }[] = [];
    const seen = new Set<string>();
    let profile = holder;
    let key = credential;
    let broke: ChainBreak | null = null;
    let sourceIdentity: string | null = null;
    for (;;) {
      const issuance = key && !key.startsWith('AKIA') ? this.issued.get(key) : undefined;
      steps.push({ profile, issuance });
      // A chain ends at a principal that is not a role session (a person, a pipeline's web
      // identity, an AWS service, an IAM user's long-lived key) or at a credential we cannot trace.
      if (!key || key.startsWith('AKIA') || (profile !== holder && startsChain(profile))) break;
      if (!issuance) {
        if (!startsChain(profile)) broke = this.missingIssuer(profile, use, context);
        break;
      }
      if (seen.has(key)) {
        broke = ChainBreak.Loop;
        break;
      }
      seen.add(key);
      sourceIdentity ??= issuance.sourceIdentity;
      profile = issuance.issuer;
      key = issuance.issuerCredential;
    }
    const ownerStep = steps.find((s) => s.profile.owner);
    let owner = ownerStep?.profile.owner ?? null;
    let ownerSource: string | null = null;
    if (ownerStep) {
      const p = ownerStep.profile;
      ownerSource = p.declared
        ? `declared for ${p.name}`
        : `${p.name}, the person who acted or started the chain`;
    } else if (sourceIdentity) {
      owner = sourceIdentity;
      ownerSource = 'sts:SourceIdentity set on the session';
    }
    if (!owner && !broke && credential?.startsWith('AKIA') && steps.length === 1)
      broke = ChainBreak.LongLivedUndeclared;
    const reason = owner ? null : (broke ?? ChainBreak.NoOwnerOnChain);
    return {
      credential,
      kind: use.kind,
      events: use.events,
      session: credential ? (this.issued.get(credential)?.sessionName ?? null) : null,
      sourceIdentity,
      path: steps.map(({ profile: p, issuance }) => ({
        actor: p.id,
        actorName: p.name,
        class: p.actorClass,
        issuedBy: issuance
          ? { eventName: issuance.eventName, eventId: issuance.eventId, eventTime: issuance.eventTime }
          : null,
      })),
      initiator: broke ? null : (steps.at(-1)?.profile.id ?? null),
      owner,
      ownerSource,
      break: reason,
      breakReason: reason ? BREAK_REASONS[reason] : null,
    };
  }

  /** Why a temporary credential has no issuing event in the data. */
  private missingIssuer(holder: ActorProfile, use: CredentialUse, context: TrackerContext): ChainBreak {
    const account = holder.principal.roleArn?.split(':')[4] ?? holder.principal.accountId;
    if (account && !context.collectedAccounts.has(account)) return ChainBreak.IssuerNotCollected;
    if (use.firstMs - context.dataStartMs < MAX_SESSION_MS) return ChainBreak.IssuedBeforePeriod;
    return ChainBreak.IssuingEventMissing;
  }
}

export type { AccountabilityChain, AccountabilityState, AccountabilitySummary, ChainStep };
export { AccountabilityTracker, BREAK_REASONS, ChainBreak };
