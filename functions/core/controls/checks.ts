/**
 * @module Named checks: the few judgements a field comparison cannot express, written once in
 * code and referenced from rule files by name (`{ field: requestParameters.policyDocument, check:
 * trust-admits-outside-account }`), the way panther-analysis keeps helpers beside YAML rules.
 */
import type { InventoryEntry } from '../config/tenantConfig.js';
import type { Attribution } from '../identity/IdentityResolver.js';
import type { NormalizedEvent } from '../ingest/normalizeEvent.js';
import { iamActionOf } from './iamActions.js';

/** What the tenant config says that checks need: account environments and declared scopes. */
interface TenantContext {
  /** Account id → environment name (prod, staging, dev…). Empty when no config was given. */
  readonly environments: ReadonlyMap<string, string>;
  /** Number of identities the tenant declared; rules about undeclared identities need one. */
  readonly inventorySize: number;
}

interface CheckInput {
  readonly event: NormalizedEvent;
  readonly attribution: Attribution;
  readonly tenant: TenantContext;
}

/** `value` is the condition's field value (undefined when the condition names no field). */
type Check = (input: CheckInput, value: unknown) => boolean;

interface PolicyStatement {
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const PRIVATE_IPV4 =
  /^(?:10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|127\.|169\.254\.|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Policy documents arrive as JSON strings, sometimes URL-encoded (IAM echoes what the caller sent).
 * Returns the statements, or an empty list when the document cannot be read.
 */
function statementsOf(document: unknown): PolicyStatement[] {
  let value = document;
  if (typeof value === 'string') {
    let text = value.trim();
    if (text.startsWith('%7B') || text.startsWith('%7b')) {
      try {
        text = decodeURIComponent(text);
      } catch {
        return [];
      }
    }
    try {
      value = JSON.parse(text);
    } catch {
      return [];
    }
  }
  if (!value || typeof value !== 'object') return [];
  return asList((value as { Statement?: unknown }).Statement).filter(
    (s): s is PolicyStatement => Boolean(s) && typeof s === 'object',
  );
}

function allows(statement: PolicyStatement): boolean {
  return statement.Effect === 'Allow';
}

function accountOfPrincipal(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

/** AWS principals a trust statement admits (`*`, account ids, ARNs). */
function awsPrincipals(statement: PolicyStatement): string[] {
  const principal = statement.Principal;
  if (principal === '*') return ['*'];
  if (!principal || typeof principal !== 'object') return [];
  return asList((principal as { AWS?: unknown }).AWS).filter((p): p is string => typeof p === 'string');
}

function federatedPrincipals(statement: PolicyStatement): string[] {
  const principal = statement.Principal;
  if (!principal || typeof principal !== 'object') return [];
  return asList((principal as { Federated?: unknown }).Federated).filter(
    (p): p is string => typeof p === 'string',
  );
}

function conditionKeys(statement: PolicyStatement): string[] {
  const keys: string[] = [];
  for (const operator of Object.values(statement.Condition ?? {})) {
    if (operator && typeof operator === 'object')
      keys.push(...Object.keys(operator).map((k) => k.toLowerCase()));
  }
  return keys;
}

/** The account a role in the event belongs to: the role ARN in the request, else the event's account. */
function roleAccount(event: NormalizedEvent): string {
  const arn = event.requestParameters?.roleArn;
  return (typeof arn === 'string' ? accountOfPrincipal(arn) : undefined) ?? event.account;
}

/** A trust policy lets in `*`, or an account that is neither the role's own nor one of the tenant's. */
function trustAdmitsOutsideAccount({ event, tenant }: CheckInput, value: unknown): boolean {
  const own = roleAccount(event);
  return statementsOf(value).some(
    (s) =>
      allows(s) &&
      awsPrincipals(s).some((p) => {
        if (p === '*') return true;
        const account = accountOfPrincipal(p);
        if (!account || account === own) return false;
        return tenant.environments.size === 0 || !tenant.environments.has(account);
      }),
  );
}

/** A trust policy lets an OIDC provider federate without pinning the token's subject (`sub`). */
function oidcTrustWithoutSubject(_input: CheckInput, value: unknown): boolean {
  return statementsOf(value).some((s) => {
    if (!allows(s)) return false;
    const oidc = federatedPrincipals(s).filter((p) => p.includes(':oidc-provider/') || !p.startsWith('arn:'));
    if (oidc.length === 0) return false;
    const keys = conditionKeys(s);
    return !keys.some((k) => k.endsWith(':sub'));
  });
}

/** A permissions policy allows every action, or every action of IAM, on every resource. */
function policyGrantsAdmin(_input: CheckInput, value: unknown): boolean {
  return statementsOf(value).some((s) => {
    if (!allows(s)) return false;
    const actions = asList(s.Action).filter((a): a is string => typeof a === 'string');
    const resources = asList(s.Resource).filter((r): r is string => typeof r === 'string');
    const everywhere = resources.length === 0 || resources.includes('*');
    return everywhere && actions.some((a) => a === '*' || a === '*:*' || a.toLowerCase() === 'iam:*');
  });
}

/** A permissions policy allows iam:PassRole on any role. */
function policyGrantsPassRoleAnywhere(_input: CheckInput, value: unknown): boolean {
  return statementsOf(value).some((s) => {
    if (!allows(s)) return false;
    const actions = asList(s.Action)
      .filter((a): a is string => typeof a === 'string')
      .map((a) => a.toLowerCase());
    const resources = asList(s.Resource).filter((r): r is string => typeof r === 'string');
    return actions.some((a) => a === 'iam:passrole' || a === 'iam:pass*') && resources.includes('*');
  });
}

/**
 * PutEventSelectors that stops logging management events, or keeps only reads or only writes.
 * A trail that only ever selected data events is not narrowed by restating them, so advanced
 * selectors count only when they touch management events.
 */
function selectorsNarrowLogging({ event }: CheckInput): boolean {
  const request = event.requestParameters ?? {};
  for (const selector of asList(request.eventSelectors)) {
    if (!selector || typeof selector !== 'object') continue;
    const s = selector as { includeManagementEvents?: unknown; readWriteType?: unknown };
    if (s.includeManagementEvents === false) return true;
    if (typeof s.readWriteType === 'string' && s.readWriteType !== 'All') return true;
  }
  for (const selector of asList(request.advancedEventSelectors)) {
    const fields = asList((selector as { fieldSelectors?: unknown })?.fieldSelectors) as {
      field?: unknown;
      equals?: unknown;
      notEquals?: unknown;
    }[];
    const category = fields.find((f) => f?.field === 'eventCategory');
    if (category && asList(category.notEquals).includes('Management')) return true;
    const management = category && asList(category.equals).includes('Management');
    if (management && fields.some((f) => f?.field === 'readOnly')) return true;
  }
  return false;
}

function inventoryOf(attribution: Attribution): InventoryEntry | undefined {
  return attribution.actor.inventory;
}

/** Compiled IAM action patterns (`s3:Get*`), cached per pattern. */
const actionPatterns = new Map<string, RegExp>();
function actionPattern(pattern: string): RegExp {
  let compiled = actionPatterns.get(pattern);
  if (!compiled) {
    const escaped = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    compiled = new RegExp(`^${escaped}$`, 'i');
    actionPatterns.set(pattern, compiled);
  }
  return compiled;
}

/** The actor has a declared allowed scope and this action, region or account is outside it. */
function outsideDeclaredScope({ event, attribution }: CheckInput): boolean {
  const scope = inventoryOf(attribution)?.allowedScope;
  if (!scope) return false;
  const action = iamActionOf(event.eventSource, event.eventName);
  if (!scope.actions.some((p) => p === '*' || actionPattern(p).test(action))) return true;
  if (scope.regions && event.region && !scope.regions.includes(event.region)) return true;
  if (scope.accounts && event.account && !scope.accounts.includes(event.account)) return true;
  return false;
}

/** The caller's own name: an IAM user's name, or a role session's name. */
function callerName(event: NormalizedEvent): string | undefined {
  const ui = event.raw.userIdentity as { userName?: unknown; arn?: unknown } | undefined;
  if (typeof ui?.userName === 'string' && ui.userName) return ui.userName;
  return typeof ui?.arn === 'string' ? ui.arn.split('/').at(-1) : undefined;
}

/**
 * An IAM change aimed at a user other than the caller (requestParameters.userName names someone
 * else). Changing one's own password or key is routine; doing it to another user is how accounts
 * are taken over or backdoored. Without userName the call targets the caller itself.
 */
function targetsAnotherUser({ event }: CheckInput): boolean {
  const target = event.requestParameters?.userName;
  if (typeof target !== 'string' || !target) return false;
  const caller = callerName(event);
  return caller === undefined || caller.toLowerCase() !== target.toLowerCase();
}

/** The value holds a 12-digit account id (or ARN) that belongs neither to the event's account nor to the tenant. */
function accountOutsideTenant({ event, tenant }: CheckInput, value: unknown): boolean {
  return asList(value).some((v) => {
    if (typeof v !== 'string') return false;
    const account = accountOfPrincipal(v) ?? (/^\d{12}$/.test(v) ? v : undefined);
    if (!account || account === event.account) return false;
    return tenant.environments.size === 0 || !tenant.environments.has(account);
  });
}

/** The actor has an allowed scope declared in the tenant inventory. */
function declaredScope({ attribution }: CheckInput): boolean {
  return inventoryOf(attribution)?.allowedScope !== undefined;
}

/** The actor is declared in the tenant inventory. */
function declaredIdentity({ attribution }: CheckInput): boolean {
  return attribution.actor.declared;
}

/** The tenant keeps an inventory, so an identity missing from it is a gap rather than the norm. */
function tenantKeepsInventory({ tenant }: CheckInput): boolean {
  return tenant.inventorySize > 0;
}

/** The actor was declared decommissioned before this event. */
function afterDecommission({ event, attribution }: CheckInput): boolean {
  const date = inventoryOf(attribution)?.decommissioned;
  return date !== undefined && event.eventTime.slice(0, 10) > date;
}

/** A role in one environment is assumed by a principal from an account of another environment. */
function crossEnvironment({ event, tenant }: CheckInput): boolean {
  const caller = event.identity.accountId;
  const target = roleAccount(event);
  if (!caller || caller === target) return false;
  const from = tenant.environments.get(caller);
  const to = tenant.environments.get(target);
  return from !== undefined && to !== undefined && from !== to;
}

function isPublicAddress(value: unknown): boolean {
  if (typeof value !== 'string' || !value) return false;
  if (IPV4.test(value)) return !PRIVATE_IPV4.test(value);
  // IPv6: unique-local (fc00::/7), link-local (fe80::/10) and loopback are private.
  if (value.includes(':') && /^[0-9a-f:]+$/i.test(value)) return !/^(?:f[cd]|fe[89ab]|::1$)/i.test(value);
  return false;
}

/**
 * Instance-role credentials (delivered by IMDS) used from a public address outside the VPC and not
 * by an AWS service on the instance's behalf: the classic sign of credentials taken off the host.
 */
function instanceCredentialOffInstance({ event, attribution }: CheckInput): boolean {
  // Cheap exits first: most events are not role sessions or come from private addresses.
  if (!attribution.actor.principal.roleName || event.vpcEndpointId) return false;
  if (!event.sourceIps.some(isPublicAddress)) return false;
  const ui = event.raw.userIdentity as
    | { invokedBy?: unknown; sessionContext?: { ec2RoleDelivery?: unknown } }
    | undefined;
  if (ui?.invokedBy) return false;
  const instanceSession =
    ui?.sessionContext?.ec2RoleDelivery !== undefined ||
    /^i-[0-9a-f]{8,17}$/.test(attribution.sessionName ?? '');
  return instanceSession;
}

/** A person at the console: a console sign-in, console-issued session credentials, or a browser. */
function interactiveUse({ event }: CheckInput): boolean {
  return (
    event.eventName === 'ConsoleLogin' ||
    event.sessionCredentialFromConsole ||
    event.userAgent.startsWith('Mozilla/')
  );
}

/** The call came from a public address (not a private range, not an AWS service name). */
function fromPublicAddress({ event }: CheckInput): boolean {
  return event.sourceIps.some(isPublicAddress);
}

const CHECKS: Readonly<Record<string, Check>> = {
  'trust-admits-outside-account': trustAdmitsOutsideAccount,
  'oidc-trust-without-subject': oidcTrustWithoutSubject,
  'policy-grants-admin': policyGrantsAdmin,
  'policy-grants-passrole-anywhere': policyGrantsPassRoleAnywhere,
  'selectors-narrow-logging': selectorsNarrowLogging,
  'outside-declared-scope': outsideDeclaredScope,
  'declared-scope': declaredScope,
  'declared-identity': declaredIdentity,
  'targets-another-user': targetsAnotherUser,
  'account-outside-tenant': accountOutsideTenant,
  'tenant-keeps-inventory': tenantKeepsInventory,
  'after-decommission': afterDecommission,
  'cross-environment': crossEnvironment,
  'instance-credential-off-instance': instanceCredentialOffInstance,
  'public-address': (_input, value) => asList(value).some(isPublicAddress),
  'interactive-use': interactiveUse,
  'from-public-address': fromPublicAddress,
};

const CHECK_NAMES: readonly string[] = Object.keys(CHECKS);

function checkNamed(name: string): Check | undefined {
  return CHECKS[name];
}

export type { Check, CheckInput, TenantContext };
export { CHECK_NAMES, checkNamed, isPublicAddress, statementsOf };
