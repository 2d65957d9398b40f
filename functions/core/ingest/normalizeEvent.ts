/**
 * @module Turns one parsed record into a NormalizedEvent, or says exactly why it cannot.
 *
 * Only the fields the pipeline relies on are checked; everything else (new fields, Panther's
 * `p_*` enrichments, unknown regions) passes through untouched in `raw`, because CloudTrail
 * adds fields over time and a parser that rejects what it does not know loses evidence.
 */
import { RejectionCategory } from './types.js';

type Json = Record<string, unknown>;

/** The session issuer of a temporary credential (a role, or the IAM user behind GetFederationToken). */
interface SessionIssuer {
  readonly type?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly userName?: string;
  readonly principalId?: string;
}

/** `userIdentity`, flattened. Every field is optional because CloudTrail omits them freely. */
interface EventIdentity {
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly invokedBy?: string;
  readonly credentialId?: string;
  readonly identityProvider?: string;
  readonly sessionIssuer?: SessionIssuer;
  readonly mfaAuthenticated?: boolean;
  readonly sessionCreationDate?: string;
  readonly sourceIdentity?: string;
  readonly webIdFederationProvider?: string;
  readonly ec2RoleDelivery?: string;
  readonly onBehalfOfUserId?: string;
  readonly onBehalfOfIdentityStoreArn?: string;
}

/** One flat, typed record per action. No AWS SDK types; `raw` keeps the record for rules. */
interface NormalizedEvent {
  readonly eventId: string;
  /** `YYYY-MM-DDTHH:MM:SSZ` (fractional seconds kept when present). */
  readonly eventTime: string;
  readonly timeMs: number;
  readonly eventSource: string;
  readonly eventName: string;
  readonly eventType?: string;
  readonly eventCategory?: string;
  /** The account whose trail recorded the event (recipientAccountId, else the caller's account). */
  readonly account: string;
  readonly region: string;
  /** Every address in `sourceIPAddress` (it may hold several, comma-separated) or a service name. */
  readonly sourceIps: readonly string[];
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly readOnly?: boolean;
  readonly sessionCredentialFromConsole: boolean;
  readonly vpcEndpointId?: string;
  readonly sharedEventId?: string;
  /** `userIdentity`, flattened on first access (most events only need `principalKey`). */
  readonly identity: EventIdentity;
  /** A string that is the same for every event of one principal session, cheap to compute. */
  readonly principalKey: string;
  /** `userIdentity.accessKeyId` when non-empty. */
  readonly accessKeyId: string | undefined;
  readonly requestParameters: Json | undefined;
  readonly responseElements: Json | undefined;
  readonly additionalEventData: Json | undefined;
  readonly raw: Json;
}

/** Why a record was not accepted, in words plus a category for counting. */
interface NormalizeRejection {
  readonly rejected: true;
  readonly category: (typeof RejectionCategory)[keyof typeof RejectionCategory];
  readonly reason: string;
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const LOOSE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function reject(category: NormalizeRejection['category'], reason: string): NormalizeRejection {
  return { rejected: true, category, reason };
}

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** CloudTrail writes booleans as JSON booleans in some fields and as "true"/"false" in others. */
function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/**
 * Parses CloudTrail's `eventTime`. Real trails write `2026-11-03T10:15:00Z`; exports and
 * SIEM copies use a space separator, fractional seconds or an offset, which mean the same instant.
 */
function parseEventTime(value: string): { iso: string; ms: number } | undefined {
  if (CANONICAL_TIME.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : { iso: value, ms };
  }
  const m = LOOSE_TIME.exec(value);
  if (!m) return undefined;
  const fraction = m[3] ? m[3].slice(0, 4) : '';
  const zone =
    !m[4] || m[4] === 'Z' ? 'Z' : m[4].length === 5 ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4];
  const ms = Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  const iso = new Date(ms).toISOString();
  return { iso: fraction ? iso : `${iso.slice(0, 19)}Z`, ms };
}

/** Checks that an optional field, when present, has the expected JSON type. */
function wrongType(
  record: Json,
  field: string,
  expected: 'string' | 'object',
): NormalizeRejection | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  const ok = expected === 'string' ? typeof value === 'string' : asObject(value) !== undefined;
  return ok
    ? undefined
    : reject(
        RejectionCategory.WrongType,
        `${field} must be ${expected === 'string' ? 'a string' : 'an object'}, got ${typeName(value)}`,
      );
}

function splitAddresses(value: string | undefined): string[] {
  if (!value) return [];
  if (value.indexOf(',') < 0) return [value.trim()];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function normalizeIdentity(ui: Json | undefined): EventIdentity {
  if (!ui) return {};
  const ctx = asObject(ui.sessionContext);
  const issuer = ctx ? asObject(ctx.sessionIssuer) : undefined;
  const attributes = ctx ? asObject(ctx.attributes) : undefined;
  const web = ctx ? asObject(ctx.webIdFederationData) : undefined;
  const onBehalfOf = asObject(ui.onBehalfOf);
  return {
    type: str(ui.type),
    principalId: str(ui.principalId),
    arn: str(ui.arn),
    accountId: str(ui.accountId),
    accessKeyId: str(ui.accessKeyId) || undefined,
    userName: str(ui.userName),
    invokedBy: str(ui.invokedBy),
    credentialId: str(ui.credentialId),
    identityProvider: str(ui.identityProvider),
    sessionIssuer: issuer
      ? {
          type: str(issuer.type),
          arn: str(issuer.arn),
          accountId: str(issuer.accountId),
          userName: str(issuer.userName),
          principalId: str(issuer.principalId),
        }
      : undefined,
    mfaAuthenticated: attributes ? bool(attributes.mfaAuthenticated) : undefined,
    sessionCreationDate: attributes ? str(attributes.creationDate) : undefined,
    sourceIdentity: (ctx ? str(ctx.sourceIdentity) : undefined) ?? str(ui.sourceIdentity),
    webIdFederationProvider: web ? str(web.federatedProvider) : undefined,
    ec2RoleDelivery: ctx ? str(ctx.ec2RoleDelivery) : undefined,
    onBehalfOfUserId: onBehalfOf ? str(onBehalfOf.userId) : undefined,
    onBehalfOfIdentityStoreArn: onBehalfOf ? str(onBehalfOf.identityStoreArn) : undefined,
  };
}

/**
 * Validates and flattens one record. Rejects only what would make the event unusable or
 * misleading: not an object, not CloudTrail, no eventID or eventTime, or a wrong type in a
 * field the analysis reads. LookupEvents items (`CloudTrailEvent` as a JSON string) are unwrapped.
 */
function normalizeEvent(value: unknown): NormalizedEvent | NormalizeRejection {
  let record = asObject(value);
  if (!record)
    return reject(RejectionCategory.NotCloudTrail, `record is ${typeName(value)}, not a JSON object`);
  if (typeof record.CloudTrailEvent === 'string') {
    try {
      record = asObject(JSON.parse(record.CloudTrailEvent));
    } catch (error) {
      return reject(
        RejectionCategory.InvalidJson,
        `CloudTrailEvent string is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!record)
      return reject(RejectionCategory.NotCloudTrail, 'CloudTrailEvent string does not hold a JSON object');
  }
  const { eventID, eventTime, eventSource, eventName } = record;
  if (eventSource === undefined && eventName === undefined && eventID === undefined) {
    const keys = Object.keys(record).slice(0, 5).join(', ');
    return reject(
      RejectionCategory.NotCloudTrail,
      `not a CloudTrail record: no eventID, eventSource or eventName (keys: ${keys || 'none'})`,
    );
  }
  if (eventID === undefined || eventID === null || eventID === '') {
    return reject(RejectionCategory.MissingField, 'missing eventID');
  }
  if (typeof eventID !== 'string')
    return reject(RejectionCategory.WrongType, `eventID must be a string, got ${typeName(eventID)}`);
  if (eventTime === undefined || eventTime === null || eventTime === '') {
    return reject(RejectionCategory.MissingField, 'missing eventTime');
  }
  if (typeof eventTime !== 'string') {
    return reject(RejectionCategory.WrongType, `eventTime must be a string, got ${typeName(eventTime)}`);
  }
  const time = parseEventTime(eventTime);
  if (!time)
    return reject(
      RejectionCategory.BadTimestamp,
      `eventTime ${JSON.stringify(eventTime.slice(0, 40))} is not a timestamp`,
    );
  if (typeof eventSource !== 'string' || !eventSource) {
    return eventSource === undefined
      ? reject(RejectionCategory.MissingField, 'missing eventSource')
      : reject(
          RejectionCategory.WrongType,
          `eventSource must be a non-empty string, got ${typeName(eventSource)}`,
        );
  }
  if (typeof eventName !== 'string' || !eventName) {
    return eventName === undefined
      ? reject(RejectionCategory.MissingField, 'missing eventName')
      : reject(
          RejectionCategory.WrongType,
          `eventName must be a non-empty string, got ${typeName(eventName)}`,
        );
  }
  const typeProblem =
    wrongType(record, 'userIdentity', 'object') ??
    wrongType(record, 'awsRegion', 'string') ??
    wrongType(record, 'recipientAccountId', 'string') ??
    wrongType(record, 'sourceIPAddress', 'string') ??
    wrongType(record, 'userAgent', 'string') ??
    wrongType(record, 'errorCode', 'string') ??
    wrongType(record, 'requestParameters', 'object') ??
    wrongType(record, 'responseElements', 'object');
  if (typeProblem) return typeProblem;

  const ui = asObject(record.userIdentity);
  return new CloudTrailEvent(record, ui, eventID, time.iso, time.ms, eventSource, eventName);
}

/**
 * The NormalizedEvent implementation. Per-event fields are plain properties; the flattened
 * identity is built on first use, because the resolver needs it only for a principal's first
 * event and a month holds millions of events but a few thousand principals.
 */
class CloudTrailEvent implements NormalizedEvent {
  readonly eventType: string | undefined;
  readonly eventCategory: string | undefined;
  readonly account: string;
  readonly region: string;
  readonly sourceIps: readonly string[];
  readonly userAgent: string;
  readonly errorCode: string | undefined;
  readonly readOnly: boolean | undefined;
  readonly sessionCredentialFromConsole: boolean;
  readonly vpcEndpointId: string | undefined;
  readonly sharedEventId: string | undefined;
  readonly principalKey: string;
  readonly accessKeyId: string | undefined;
  readonly requestParameters: Json | undefined;
  readonly responseElements: Json | undefined;
  readonly additionalEventData: Json | undefined;
  private flattened: EventIdentity | undefined;

  constructor(
    readonly raw: Json,
    private readonly userIdentity: Json | undefined,
    readonly eventId: string,
    readonly eventTime: string,
    readonly timeMs: number,
    readonly eventSource: string,
    readonly eventName: string,
  ) {
    const record = raw;
    const ui = userIdentity;
    this.eventType = str(record.eventType);
    this.eventCategory = str(record.eventCategory);
    this.account = str(record.recipientAccountId) || (ui ? str(ui.accountId) : undefined) || '';
    this.region = str(record.awsRegion) ?? '';
    this.sourceIps = splitAddresses(str(record.sourceIPAddress));
    this.userAgent = str(record.userAgent) ?? '';
    this.errorCode = str(record.errorCode) || undefined;
    this.readOnly = bool(record.readOnly);
    this.sessionCredentialFromConsole = bool(record.sessionCredentialFromConsole) === true;
    this.vpcEndpointId = str(record.vpcEndpointId);
    this.sharedEventId = str(record.sharedEventID);
    this.requestParameters = asObject(record.requestParameters);
    this.responseElements = asObject(record.responseElements);
    this.additionalEventData = asObject(record.additionalEventData);
    this.accessKeyId = ui ? str(ui.accessKeyId) || undefined : undefined;
    const arn = ui ? str(ui.arn) : undefined;
    // Identifies the principal for caching attribution: every field that tells principals apart.
    // Identity Center users have no ARN; their user id sits in onBehalfOf.
    const onBehalfOf = ui ? asObject(ui.onBehalfOf) : undefined;
    this.principalKey = arn
      ? `${str(ui?.type) ?? ''}|${arn}`
      : ui
        ? `${str(ui.type) ?? ''}|${str(ui.principalId) ?? ''}|${str(ui.invokedBy) ?? ''}|${str(ui.accountId) ?? ''}|${str(ui.userName) ?? ''}|${str(ui.identityProvider) ?? ''}|${str(onBehalfOf?.userId) ?? ''}|${str(onBehalfOf?.identityStoreArn) ?? ''}`
        : '';
  }

  get identity(): EventIdentity {
    this.flattened ??= normalizeIdentity(this.userIdentity);
    return this.flattened;
  }
}

function isRejection(value: NormalizedEvent | NormalizeRejection): value is NormalizeRejection {
  return (value as NormalizeRejection).rejected === true;
}

export type { EventIdentity, NormalizedEvent, NormalizeRejection, SessionIssuer };
export { isRejection, normalizeEvent, parseEventTime };
