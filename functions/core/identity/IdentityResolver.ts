/**
 * @module Attributes each event to an actor: who or what acted, with which credential, owned by whom.
 *
 * An actor's class is decided once, at first sight, and kept: later events of the same actor
 * that contradict it (a service account in a browser) are what the detectors look for, so the
 * class must not drift with them.
 */
import type { InventoryEntry, TenantConfig } from '../config/tenantConfig.js';
import type { NormalizedEvent } from '../ingest/normalizeEvent.js';
import { type Classification, classifyActor } from './classifyActor.js';
import { Inventory } from './inventory.js';
import { ActorClass, CredentialKind, credentialKindOf, type PrincipalRef, principalOf } from './principal.js';

const SSO_ROLE = /^AWSReservedSSO_/;
const MAX_PRINCIPAL_KEYS = 200_000;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** An actor as the pipeline knows it after its first event. Shared by all its events. */
interface ActorProfile {
  readonly id: string;
  readonly actorClass: ActorClass;
  readonly reasons: readonly string[];
  readonly declared: boolean;
  readonly principal: PrincipalRef;
  readonly owner: string | null;
  readonly name: string;
  readonly inventory?: InventoryEntry;
  /** Index of the matching inventory entry, so the entry's allowed scope can be looked up. */
  readonly inventoryIndex?: number;
}

interface Attribution {
  readonly actor: ActorProfile;
  readonly credentialId: string | null;
  readonly credentialKind: CredentialKind;
  readonly sessionName?: string;
}

/** A short human name for an actor id, e.g. `role/gha-deploy` or `user/legacy-backup`. */
function displayName(principal: PrincipalRef, actorId: string): string {
  if (principal.roleName && actorId === principal.sessionArn && principal.sessionName) {
    return principal.sessionName;
  }
  if (principal.roleName) return `role/${principal.roleName}`;
  const arnResource = /^arn:[^:]+:[^:]+::\d{12}:(.+)$/.exec(actorId);
  return arnResource ? arnResource[1]! : actorId;
}

class IdentityResolver {
  private readonly inventory: Inventory;
  private readonly tenantAccounts: ReadonlySet<string>;
  private readonly byPrincipalKey = new Map<string, { principal: PrincipalRef; actor: ActorProfile }>();
  private readonly actors = new Map<string, ActorProfile>();

  constructor(config: Pick<TenantConfig, 'inventory' | 'accounts'>) {
    this.inventory = new Inventory(config.inventory);
    this.tenantAccounts = new Set(config.accounts.map((a) => a.id));
  }

  attribute(event: NormalizedEvent): Attribution {
    const key = event.principalKey;
    let known = this.byPrincipalKey.get(key);
    if (!known) {
      const principal = principalOf(event.identity, event.account);
      const actorId = this.actorIdOf(principal);
      let actor = this.actors.get(actorId);
      if (!actor) {
        actor = this.profile(actorId, principal, event);
        this.actors.set(actorId, actor);
      }
      known = { principal, actor };
      // Keys are bounded by principals and sessions, not events; cap them anyway.
      if (this.byPrincipalKey.size >= MAX_PRINCIPAL_KEYS) this.byPrincipalKey.clear();
      this.byPrincipalKey.set(key, known);
    }
    const accessKeyId = event.accessKeyId ?? null;
    return {
      actor: known.actor,
      credentialId: accessKeyId,
      credentialKind: credentialKindOf(accessKeyId ?? undefined),
      sessionName: known.principal.sessionName,
    };
  }

  /** Every actor seen so far, in first-seen order. */
  knownActors(): IterableIterator<ActorProfile> {
    return this.actors.values();
  }

  /**
   * People who share a role (Identity Center permission sets, roles assumed with personal session
   * names) are distinct actors; workloads are one actor per role, whatever their session names.
   */
  private actorIdOf(principal: PrincipalRef): string {
    if (principal.roleName && principal.sessionArn && principal.sessionName) {
      if (SSO_ROLE.test(principal.roleName) || EMAIL.test(principal.sessionName)) return principal.sessionArn;
    }
    return principal.id;
  }

  private profile(actorId: string, principal: PrincipalRef, event: NormalizedEvent): ActorProfile {
    const declaration = this.inventory.lookup([
      actorId,
      principal.id,
      principal.roleArn,
      principal.sessionArn,
      event.identity.arn,
    ]);
    const classification: Classification = classifyActor(principal, event, {
      tenantAccounts: this.tenantAccounts,
      declaration,
    });
    const name = declaration?.entry.name ?? displayName(principal, actorId);
    const owner =
      declaration?.entry.owner ??
      (classification.actorClass === ActorClass.Human
        ? (principal.sessionName ?? principal.userName ?? null)
        : null);
    return {
      id: actorId,
      actorClass: classification.actorClass,
      reasons: classification.reasons,
      declared: classification.declared,
      principal,
      owner,
      name,
      inventory: declaration?.entry,
      inventoryIndex: declaration?.index,
    };
  }
}

export type { ActorProfile, Attribution };
export { CredentialKind, IdentityResolver };
