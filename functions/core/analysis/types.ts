/**
 * @module The analysis document (`analysis.json`, schema `trailproof/analysis@2`).
 *
 * This is the contract between the pipeline and everything downstream (report, exports,
 * period diff, acceptance checks). Add fields freely; never rename or remove one within @1.
 */
import type { FrameworkId } from '../controls/catalog.js';
import type { Severity } from '../controls/ruleSchema.js';
import type { AccountabilityChain, AccountabilitySummary } from '../identity/AccountabilityTracker.js';
import type { ActorClass, CredentialKind } from '../identity/principal.js';
import type { InputSummary } from '../ingest/InputLedger.js';

const ANALYSIS_SCHEMA = 'trailproof/analysis@2';
/**
 * Schemas a previous period's analysis may have: @1 differs only in `actors[].credentialsOmitted`
 * (now `unlistedCredentialEvents`), which neither the change section nor the figures read.
 */
const READABLE_ANALYSIS_SCHEMAS = ['trailproof/analysis@1', ANALYSIS_SCHEMA] as const;

type ControlStatus = 'violated' | 'evidenced' | 'not-observed' | 'not-observable-from-cloudtrail';

interface CountedValue {
  readonly value: string;
  readonly events: number;
}

/** A bounded list: the top values by count, plus how many distinct values did not fit. */
interface BoundedList {
  readonly top: readonly CountedValue[];
  readonly more: number;
}

interface CredentialUse {
  readonly id: string | null;
  readonly kind: CredentialKind;
  readonly events: number;
  readonly firstUsed: string;
  readonly lastUsed: string;
}

interface ActorSummary {
  readonly id: string;
  readonly name: string;
  readonly class: ActorClass;
  readonly reasons: readonly string[];
  readonly declared: boolean;
  readonly principalType: string;
  readonly owner: string | null;
  readonly purpose: string | null;
  readonly environment: string | null;
  /** The approved scope declared in the tenant inventory, if any. */
  readonly allowedScope: {
    readonly actions: readonly string[];
    readonly regions?: readonly string[];
    readonly accounts?: readonly string[];
  } | null;
  readonly events: number;
  readonly errors: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** The first 50 credentials the actor used, busiest first, each with all its events. */
  readonly credentials: readonly CredentialUse[];
  /** Events made with credentials beyond those listed (every event is in evidence.ndjson). */
  readonly unlistedCredentialEvents: number;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly services: BoundedList;
  readonly actions: BoundedList;
  readonly sourceIps: BoundedList;
  readonly userAgents: BoundedList;
  readonly vpcEndpoints: BoundedList;
  readonly privilegedActions: number;
  readonly findings: number;
  /** For machine actors: the chain behind each credential (the 10 most used). */
  readonly accountability: readonly AccountabilityChain[];
  /** IAM lifecycle events that targeted this identity (keys created, rotated, deleted…). */
  readonly lifecycle: readonly LifecycleEvent[];
}

/** An IAM change to a user or role: rotation, revocation and offboarding evidence. */
interface LifecycleEvent {
  readonly eventName: string;
  readonly eventTime: string;
  readonly eventId: string;
  /** Who made the change (actor id). */
  readonly by: string;
  readonly accessKeyId: string | null;
  readonly status: string | null;
  readonly policy: string | null;
}

interface IdentityLifecycle {
  /** ARN of the IAM user or role the events changed. */
  readonly identity: string;
  readonly events: readonly LifecycleEvent[];
  readonly omitted: number;
}

interface FindingSuppression {
  readonly reason: string;
  readonly expires: string;
  readonly approvedBy: string | null;
}

interface Finding {
  readonly id: string;
  readonly rule: string;
  /**
   * `event`: raised by single events; every one of them carries the finding id in evidence.ndjson.
   * `detector`: concluded over the period; `eventIds` are the events that prove it (the window,
   * sequence or first sightings), in evidence.ndjson without the finding id.
   */
  readonly kind: 'event' | 'detector';
  readonly title: string;
  readonly severity: Severity;
  readonly actor: string;
  readonly actorName: string;
  readonly actorClass: ActorClass;
  readonly owner: string | null;
  readonly resource: string | null;
  readonly controls: readonly string[];
  /** The first event IDs that prove the finding (capped); every one is in evidence.ndjson under `findings`. */
  readonly eventIds: readonly string[];
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly accounts: readonly string[];
  readonly credentials: readonly string[];
  readonly context: Readonly<Record<string, string>>;
  readonly remediation: string | null;
  readonly suppressed: FindingSuppression | null;
}

interface ControlResult {
  readonly id: string;
  readonly framework: FrameworkId;
  readonly title: string;
  readonly group: string | null;
  readonly status: ControlStatus;
  /** Unsuppressed findings naming this control. */
  readonly findings: number;
  /** Events mapped to this control by any rule (finding, evidence or context). */
  readonly events: number;
  /** Events that showed the control operating. */
  readonly evidence: number;
  readonly rules: readonly string[];
  readonly observabilityReason: string | null;
}

interface ExceptionReport {
  readonly rule: string;
  readonly actor: string | null;
  readonly resource: string | null;
  readonly reason: string;
  readonly expires: string;
  readonly status: 'active' | 'expired';
  readonly suppressedFindings: number;
}

interface DailyActivity {
  readonly day: string;
  readonly byClass: Readonly<Record<ActorClass, number>>;
}

/** What was read per account: the basis of the report's coverage statement. */
interface AccountActivity {
  readonly account: string;
  readonly events: number;
  /** Data events (S3 objects, Lambda invokes, Bedrock agent runtime…): 0 when none are logged. */
  readonly dataEvents: number;
  readonly daysWithEvents: number;
  /** Days of the period (or of the data's span) on which the account logged nothing. */
  readonly daysWithoutEvents: readonly string[];
}

interface AnalysisSummary {
  readonly actions: number;
  readonly actionsByClass: Readonly<Record<ActorClass, number>>;
  readonly machineActions: number;
  readonly actorsByClass: Readonly<Record<ActorClass, number>>;
  readonly findingsBySeverity: Readonly<Record<Severity, number>>;
  readonly suppressedFindings: number;
  readonly longLivedKeyActions: number;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
}

interface Analysis {
  readonly schema: typeof ANALYSIS_SCHEMA;
  readonly tool: { readonly name: 'trailproof'; readonly version: string };
  readonly tenant: { readonly id: string; readonly name: string; readonly configHash: string | null };
  readonly period: { readonly from: string; readonly to: string; readonly label: string } | null;
  readonly catalogVersion: string;
  readonly rulesVersion: string;
  readonly input: InputSummary;
  readonly summary: AnalysisSummary;
  /** Per account whose events were read, sorted by account id. */
  readonly accountActivity: readonly AccountActivity[];
  readonly activity: readonly DailyActivity[];
  readonly actors: readonly ActorSummary[];
  readonly findings: readonly Finding[];
  readonly controls: readonly ControlResult[];
  readonly exceptions: readonly ExceptionReport[];
  /** Can every machine action be tied to an identity, a credential and an owner? */
  readonly accountability: AccountabilitySummary;
  /** Every IAM user and role that lifecycle events changed during the period. */
  readonly identityLifecycle: readonly IdentityLifecycle[];
  /**
   * What collection could not read, when the input was a collect staging area: accounts (or
   * regions) that failed, with the reason, and the sources' own limits (e.g. LookupEvents).
   */
  readonly collection?: {
    readonly failedAccounts: readonly { readonly account: string; readonly reason: string }[];
    readonly notes: readonly string[];
  };
}

export type {
  AccountActivity,
  ActorSummary,
  Analysis,
  AnalysisSummary,
  BoundedList,
  ControlResult,
  ControlStatus,
  CountedValue,
  CredentialUse,
  DailyActivity,
  ExceptionReport,
  Finding,
  FindingSuppression,
  IdentityLifecycle,
  LifecycleEvent,
};
export { ANALYSIS_SCHEMA, READABLE_ANALYSIS_SCHEMAS };
