/**
 * @module Who the principal of an event is, as stable identifiers derived from `userIdentity`.
 */
import type { EventIdentity } from '../ingest/normalizeEvent.js';

const ActorClass = {
  Human: 'human',
  Workload: 'workload',
  AiAgent: 'ai-agent',
  AwsService: 'aws-service',
  ThirdParty: 'third-party',
  Unknown: 'unknown',
} as const;
type ActorClass = (typeof ActorClass)[keyof typeof ActorClass];

const ACTOR_CLASSES: readonly ActorClass[] = Object.values(ActorClass);
/** Classes whose actions are machine actions (non-human identities). */
const MACHINE_CLASSES: ReadonlySet<ActorClass> = new Set([ActorClass.Workload, ActorClass.AiAgent]);

const CredentialKind = { LongLived: 'long-lived', Temporary: 'temporary', None: 'none' } as const;
type CredentialKind = (typeof CredentialKind)[keyof typeof CredentialKind];

const ASSUMED_ROLE_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

/** What the principal is, before any judgement about its class. */
interface PrincipalRef {
  /** Stable actor id: an ARN where one exists, else `service:…`, `account:…`, `web-identity:…` etc. */
  readonly id: string;
  readonly type: string;
  readonly accountId?: string;
  /** For role sessions: the role ARN (`arn:aws:iam::…:role/…`). */
  readonly roleArn?: string;
  readonly roleName?: string;
  readonly sessionName?: string;
  /** The ARN of the session itself (assumed-role or federated-user ARN). */
  readonly sessionArn?: string;
  readonly userName?: string;
}

/** Long-lived keys start with AKIA (IAM users, root); ASIA keys come from STS. */
function credentialKindOf(accessKeyId: string | undefined): CredentialKind {
  if (!accessKeyId) return CredentialKind.None;
  if (accessKeyId.startsWith('AKIA')) return CredentialKind.LongLived;
  return CredentialKind.Temporary;
}

function roleFromAssumedRoleArn(
  arn: string,
): { partition: string; account: string; role: string; session: string } | undefined {
  const m = ASSUMED_ROLE_ARN.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, role: m[3]!, session: m[4]! } : undefined;
}

function sessionNameFromPrincipalId(principalId: string | undefined): string | undefined {
  if (!principalId) return undefined;
  const colon = principalId.indexOf(':');
  return colon >= 0 ? principalId.slice(colon + 1) : undefined;
}

/** Derives the principal from `userIdentity`; never fails (falls back to `unknown:` ids). */
function principalOf(identity: EventIdentity, recipientAccount: string): PrincipalRef {
  const type = identity.type ?? (identity.invokedBy ? 'AWSService' : 'Unknown');
  const accountId = identity.accountId ?? identity.sessionIssuer?.accountId;
  switch (type) {
    case 'IAMUser': {
      const id =
        identity.arn ??
        (accountId && identity.userName
          ? `arn:aws:iam::${accountId}:user/${identity.userName}`
          : undefined) ??
        `unknown:${identity.principalId ?? 'iam-user'}`;
      return { id, type, accountId, userName: identity.userName };
    }
    case 'Root':
      return { id: identity.arn ?? `arn:aws:iam::${accountId ?? recipientAccount}:root`, type, accountId };
    case 'AssumedRole': {
      const parsed = identity.arn ? roleFromAssumedRoleArn(identity.arn) : undefined;
      const issuer = identity.sessionIssuer;
      const roleArn =
        (issuer?.type === 'Role' ? issuer.arn : undefined) ??
        (parsed ? `arn:${parsed.partition}:iam::${parsed.account}:role/${parsed.role}` : undefined);
      const roleName = issuer?.userName ?? parsed?.role;
      const sessionName = parsed?.session ?? sessionNameFromPrincipalId(identity.principalId);
      return {
        id: roleArn ?? identity.arn ?? `unknown:${identity.principalId ?? 'assumed-role'}`,
        type,
        accountId,
        roleArn,
        roleName,
        sessionName,
        sessionArn: identity.arn,
      };
    }
    case 'FederatedUser':
      return {
        id: identity.arn ?? `unknown:${identity.principalId ?? 'federated-user'}`,
        type,
        accountId,
        sessionName: sessionNameFromPrincipalId(identity.principalId),
        sessionArn: identity.arn,
        userName: identity.sessionIssuer?.userName,
      };
    case 'AWSService':
      return { id: `service:${identity.invokedBy ?? 'unknown'}`, type };
    case 'AWSAccount':
      return { id: `account:${accountId ?? identity.principalId ?? 'unknown'}`, type, accountId };
    case 'SAMLUser':
    case 'WebIdentityUser': {
      const provider = identity.identityProvider ?? 'unknown-provider';
      const subject = identity.userName ?? identity.principalId ?? 'unknown';
      const scheme = type === 'SAMLUser' ? 'saml' : 'web-identity';
      return { id: `${scheme}:${provider}:${subject}`, type, accountId, userName: identity.userName };
    }
    case 'IdentityCenterUser':
      return {
        id: `identity-center:${identity.onBehalfOfIdentityStoreArn ?? 'store'}/${identity.onBehalfOfUserId ?? identity.principalId ?? 'unknown'}`,
        type,
        accountId,
        userName: identity.userName,
      };
    default:
      return {
        id: identity.arn ?? `unknown:${identity.principalId ?? identity.accountId ?? 'anonymous'}`,
        type,
        accountId,
      };
  }
}

export type { PrincipalRef };
export {
  ACTOR_CLASSES,
  ActorClass,
  CredentialKind,
  credentialKindOf,
  MACHINE_CLASSES,
  principalOf,
  roleFromAssumedRoleArn,
};
