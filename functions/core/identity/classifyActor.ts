/**
 * @module Decides an actor's class from the evidence of its first event, with reasons in plain words.
 *
 * Order matters and mirrors how strong each signal is: the tenant's own declaration, then
 * identity facts AWS guarantees (service principals, service-linked roles, foreign accounts,
 * federation type), then naming conventions AWS imposes (Identity Center roles, Bedrock agent
 * roles, instance-id sessions), and only then client hints such as the user agent.
 */
import type { InventoryEntry } from '../config/tenantConfig.js';
import type { NormalizedEvent } from '../ingest/normalizeEvent.js';
import { ActorClass, type PrincipalRef } from './principal.js';
import { isInteractiveFamily, UserAgentFamily, userAgentFamily } from './userAgent.js';

interface Classification {
  readonly actorClass: ActorClass;
  readonly reasons: readonly string[];
  /** True when the class comes from the tenant inventory. */
  readonly declared: boolean;
}

interface ClassifyContext {
  /** The tenant's account ids; empty when unknown (then no principal is foreign by account alone). */
  readonly tenantAccounts: ReadonlySet<string>;
  readonly declaration?: { entry: InventoryEntry; index: number };
}

const SSO_ROLE = /^AWSReservedSSO_(.+?)(?:_[0-9a-f]{6,16})?$/;
const SERVICE_LINKED_ROLE = /^AWSServiceRoleFor/;
const BEDROCK_AGENT_ROLE = /^AmazonBedrockExecutionRoleForAgents_|AgentCore|bedrock-?agent/i;
const AGENT_NAME = /(?:^|[-_])(?:ai|llm|genai|gen-ai)[-_]?agent|agent[-_]?runtime|agentcore/i;
const INSTANCE_SESSION = /^i-[0-9a-f]{8,17}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Two name parts joined by a dot or underscore (jane.doe, bob_ross): how people's sessions are named. */
const PERSON_NAME = /^[a-z]{2,}[._][a-z]{2,}$/i;
/** Identity Center roles live under this IAM path, whatever their name. */
const SSO_ISSUER_PATH = /:role\/aws-reserved\/sso\.amazonaws\.com\//;
/** Session names ending in an epoch timestamp are made by code (schedulers, SDK defaults). */
const GENERATED_SESSION = /[-_](?:\d{10}|\d{13})$/;
const AWS_SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com$/;
/** Consumer identity providers: web identity federation from them means end users, not pipelines. */
const CONSUMER_PROVIDER = /accounts\.google\.com|graph\.facebook\.com|www\.amazon\.com|appleid\.apple\.com/i;
const CI_SESSION =
  /^(?:GitHubActions|github-actions|gha-|GitLab|gitlab-|circleci|buildkite|jenkins|codebuild|bitbucket)/i;
const SDK_SESSION = /^(?:botocore-session-\d+|aws-go-sdk-\d+|aws-sdk-js-\d+|\d{10,})$/;
/** Roles Anywhere names sessions after the client certificate's serial number (hex). */
const ROLES_ANYWHERE_SESSION = /^[0-9a-f]{32,40}$/i;
/** EKS Pod Identity sessions are named `eks-<cluster>-<pod>-<uuid>`. */
const EKS_SESSION = /^eks-[a-z0-9-]+-[0-9a-f]{8}-[0-9a-f]{4}-/i;
const LAMBDA_ENV = /exec-env\/AWS_Lambda/i;
const CONTAINER_ENV = /exec-env\/AWS_ECS|exec-env\/AWS_Batch|eks\.amazonaws\.com/i;
const WORKLOAD_USER_NAME =
  /(?:^|[-_.])(?:svc|service|bot|ci|cd|deploy|deployer|automation|terraform|backup|sync|integration|pipeline|etl|batch|app|api|robot|system)(?:[-_.]|$)/i;
const CI_PROVIDER = /token\.actions\.githubusercontent\.com|gitlab|circleci|bitbucket|buildkite/i;
const EKS_PROVIDER = /oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/i;

function declared(entry: InventoryEntry): Classification {
  const details = [entry.purpose, entry.owner ? `owner ${entry.owner}` : undefined]
    .filter(Boolean)
    .join('; ');
  return {
    actorClass: entry.class,
    reasons: [
      `declared in the tenant inventory as ${entry.class} (pattern ${entry.match}${details ? `; ${details}` : ''})`,
    ],
    declared: true,
  };
}

function result(actorClass: ActorClass, ...reasons: string[]): Classification {
  return { actorClass, reasons, declared: false };
}

/** Classifies the actor behind `principal` using the event it was first seen in. */
function classifyActor(
  principal: PrincipalRef,
  event: NormalizedEvent,
  context: ClassifyContext,
): Classification {
  if (context.declaration) return declared(context.declaration.entry);
  const identity = event.identity;
  const ua = userAgentFamily(event.userAgent);
  const uaReason = `user agent identifies ${ua.label}`;

  if (principal.type === 'AWSService') {
    return result(
      ActorClass.AwsService,
      `userIdentity.type is AWSService: ${identity.invokedBy ?? 'an AWS service'} made the call itself`,
    );
  }
  if (event.eventType === 'AwsServiceEvent' && (!identity.type || principal.type === 'Unknown')) {
    return result(
      ActorClass.AwsService,
      'an AWS service event: AWS reports something it did, with no customer principal',
    );
  }
  if (principal.roleName && SERVICE_LINKED_ROLE.test(principal.roleName)) {
    return result(
      ActorClass.AwsService,
      `${principal.roleName} is a service-linked role, which only its AWS service can assume`,
    );
  }
  const knownAccounts = context.tenantAccounts.size > 0;
  const ownAccount = principal.accountId
    ? knownAccounts
      ? context.tenantAccounts.has(principal.accountId)
      : principal.accountId === event.account
    : true;
  if (principal.type === 'AWSAccount' && !ownAccount) {
    return result(
      ActorClass.ThirdParty,
      `userIdentity.type is AWSAccount: account ${principal.accountId ?? 'unknown'} acted on resources of account ${event.account}`,
    );
  }
  if (knownAccounts && !ownAccount) {
    return result(
      ActorClass.ThirdParty,
      `the principal belongs to account ${principal.accountId}, which is not one of the tenant's ${context.tenantAccounts.size} accounts`,
    );
  }
  if (principal.type === 'Root') {
    return result(
      ActorClass.Human,
      'the root user of the account: its credentials are held by people, not workloads',
    );
  }
  if (principal.type === 'IdentityCenterUser' || identity.onBehalfOfUserId) {
    return result(
      ActorClass.Human,
      'an IAM Identity Center user acting for themselves (onBehalfOf names the user)',
    );
  }
  if (principal.type === 'SAMLUser') {
    return result(
      ActorClass.Human,
      `SAML federation from ${identity.identityProvider ?? 'a workforce identity provider'}`,
    );
  }
  if (principal.type === 'WebIdentityUser' || identity.webIdFederationProvider) {
    const provider = identity.identityProvider ?? identity.webIdFederationProvider ?? 'an OIDC provider';
    if (CONSUMER_PROVIDER.test(provider)) {
      return result(
        ActorClass.Human,
        `web identity federation from ${provider}, a consumer sign-in used by people`,
      );
    }
    const kind = CI_PROVIDER.test(provider)
      ? 'a CI/CD pipeline'
      : EKS_PROVIDER.test(provider)
        ? 'a Kubernetes service account (EKS)'
        : 'an application identity';
    return result(ActorClass.Workload, `web identity (OIDC) federation from ${provider}: ${kind}`);
  }
  if (principal.roleName) return classifyRoleSession(principal, event, ua, uaReason);
  if (principal.type === 'IAMUser' || principal.type === 'FederatedUser') {
    return classifyUser(principal, event, ua, uaReason);
  }
  if (principal.type === 'AWSAccount') {
    return result(
      ActorClass.Unknown,
      `userIdentity.type is AWSAccount for the tenant's own account ${principal.accountId ?? ''}: no principal to judge`,
    );
  }
  return result(ActorClass.Unknown, `userIdentity.type ${principal.type} gives no decisive signal`);
}

type UserAgentInfo = ReturnType<typeof userAgentFamily>;

function classifyRoleSession(
  principal: PrincipalRef,
  event: NormalizedEvent,
  ua: UserAgentInfo,
  uaReason: string,
): Classification {
  const identity = event.identity;
  const role = principal.roleName!;
  const session = principal.sessionName ?? '';
  const ssoRole = SSO_ROLE.exec(role);
  const sso = ssoRole || SSO_ISSUER_PATH.test(identity.sessionIssuer?.arn ?? '');
  if (ua.family === UserAgentFamily.AgentFramework) {
    return result(
      ActorClass.AiAgent,
      `role ${role} is driven by ${ua.label}`,
      sso
        ? `the agent acts with the Identity Center session of ${session}, who is accountable for it`
        : uaReason,
    );
  }
  if (sso) {
    return result(
      ActorClass.Human,
      `role ${role} is an IAM Identity Center permission set${ssoRole ? ` (${ssoRole[1]})` : ''}; the session name ${session || '(none)'} names the person`,
    );
  }
  if (BEDROCK_AGENT_ROLE.test(role)) {
    return result(
      ActorClass.AiAgent,
      `role ${role} follows the Amazon Bedrock agent / AgentCore execution role naming`,
    );
  }
  const invokedBy = identity.invokedBy;
  if (invokedBy && /bedrock/.test(invokedBy)) {
    return result(ActorClass.AiAgent, `calls made through ${invokedBy} on behalf of role ${role}`);
  }
  if (AGENT_NAME.test(role)) {
    return result(ActorClass.AiAgent, `role name ${role} names an AI agent runtime`);
  }
  if (
    invokedBy &&
    AWS_SERVICE_PRINCIPAL.test(invokedBy) &&
    (event.userAgent === invokedBy || event.sourceIps[0] === invokedBy)
  ) {
    return result(
      ActorClass.AwsService,
      `${invokedBy} acted with role ${role} that it was given (the call came from the service itself, session ${session || '(unnamed)'})`,
    );
  }
  if (INSTANCE_SESSION.test(session) || identity.ec2RoleDelivery) {
    return result(
      ActorClass.Workload,
      `EC2 instance role: session ${session || '(unnamed)'} is an instance id${identity.ec2RoleDelivery ? `, credentials delivered by IMDS v${identity.ec2RoleDelivery}` : ''}`,
    );
  }
  if (LAMBDA_ENV.test(event.userAgent)) {
    return result(
      ActorClass.Workload,
      `Lambda function role: the user agent carries the Lambda execution environment (session ${session})`,
    );
  }
  if (CONTAINER_ENV.test(event.userAgent)) {
    return result(
      ActorClass.Workload,
      'container task role: the user agent carries the ECS/Batch execution environment',
    );
  }
  if (CI_SESSION.test(session)) {
    return result(ActorClass.Workload, `session name ${session} is set by a CI/CD system`);
  }
  if (ROLES_ANYWHERE_SESSION.test(session) || identity.sourceIdentity?.startsWith('CN=')) {
    return result(
      ActorClass.Workload,
      `IAM Roles Anywhere session: ${identity.sourceIdentity?.startsWith('CN=') ? `source identity ${identity.sourceIdentity} is an X.509 certificate subject` : `session name ${session} is a certificate serial number`}`,
    );
  }
  if (EKS_SESSION.test(session)) {
    return result(
      ActorClass.Workload,
      `session name ${session} is set by EKS Pod Identity for a Kubernetes pod`,
    );
  }
  if (EMAIL.test(session)) {
    return result(
      ActorClass.Human,
      `role ${role} assumed with session name ${session}, an e-mail address naming a person`,
    );
  }
  if (identity.mfaAuthenticated) {
    return result(ActorClass.Human, `role ${role} session authenticated with MFA, which workloads cannot do`);
  }
  if (identity.sourceIdentity) {
    return result(
      ActorClass.Human,
      `sts:SourceIdentity ${identity.sourceIdentity} names the person behind the session`,
    );
  }
  if (event.sessionCredentialFromConsole || isInteractiveFamily(ua.family)) {
    return result(
      ActorClass.Human,
      `role ${role} used from the AWS console (${event.sessionCredentialFromConsole ? 'sessionCredentialFromConsole' : uaReason})`,
    );
  }
  if (PERSON_NAME.test(session) && ua.family === UserAgentFamily.Cli) {
    return result(
      ActorClass.Human,
      `role ${role} used from the AWS CLI with session name ${session}, a person's name`,
    );
  }
  if (SDK_SESSION.test(session) || GENERATED_SESSION.test(session)) {
    return result(
      ActorClass.Workload,
      `session name ${session} is generated by code rather than chosen by a person`,
    );
  }
  if (ua.family === UserAgentFamily.Sdk || ua.family === UserAgentFamily.InfrastructureAsCode) {
    return result(ActorClass.Workload, `role ${role} used programmatically: ${uaReason}`);
  }
  return result(
    ActorClass.Unknown,
    `role ${role}, session ${session || '(unnamed)'}: ${event.userAgent ? uaReason : 'no user agent'}, no sign of a person or of automation`,
  );
}

function classifyUser(
  principal: PrincipalRef,
  event: NormalizedEvent,
  ua: UserAgentInfo,
  uaReason: string,
): Classification {
  const identity = event.identity;
  const name = principal.type === 'IAMUser' ? principal.userName : principal.sessionName;
  const who =
    principal.type === 'IAMUser'
      ? `IAM user ${name ?? principal.id}`
      : `federated user ${name ?? principal.id}`;
  if (
    event.eventName === 'ConsoleLogin' ||
    event.sessionCredentialFromConsole ||
    isInteractiveFamily(ua.family)
  ) {
    return result(ActorClass.Human, `${who} signed in to or used the AWS console`);
  }
  if (identity.mfaAuthenticated) {
    return result(ActorClass.Human, `${who} authenticated with MFA, which workloads cannot do`);
  }
  if (ua.family === UserAgentFamily.AgentFramework) {
    return result(ActorClass.AiAgent, `${who} is driven by ${ua.label}`, uaReason);
  }
  const keyed = identity.accessKeyId?.startsWith('AKIA') ? 'a long-lived access key' : 'an access key';
  if (name && WORKLOAD_USER_NAME.test(name)) {
    return result(
      ActorClass.Workload,
      `${who}: the name marks a service account`,
      `calls signed with ${keyed}; ${uaReason}`,
    );
  }
  if (ua.family === UserAgentFamily.Sdk || ua.family === UserAgentFamily.InfrastructureAsCode) {
    return result(ActorClass.Workload, `${who} driven by code: calls signed with ${keyed} from ${ua.label}`);
  }
  if (ua.family === UserAgentFamily.Cli) {
    if (name && (PERSON_NAME.test(name) || EMAIL.test(name))) {
      return result(ActorClass.Human, `${who} used from the AWS CLI; the name is a person's`);
    }
    return result(ActorClass.Unknown, `${who} used from the AWS CLI, which people and scripts both use`);
  }
  if (
    event.userAgent &&
    ua.family !== UserAgentFamily.AwsInternal &&
    identity.accessKeyId?.startsWith('AKIA')
  ) {
    return result(ActorClass.Workload, `${who}: a long-lived access key used by a program (${uaReason})`);
  }
  return result(
    ActorClass.Unknown,
    `${who} with no decisive signal (${event.userAgent ? uaReason : 'no user agent'})`,
  );
}

export type { Classification, ClassifyContext };
export { classifyActor };
