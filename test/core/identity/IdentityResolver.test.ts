import { describe, expect, it } from 'vitest';
import { IdentityResolver } from '../../../functions/core/identity/IdentityResolver.js';
import {
  isRejection,
  type NormalizedEvent,
  normalizeEvent,
} from '../../../functions/core/ingest/normalizeEvent.js';
import { awsDocsEvents } from '../../helpers/corpus.js';

const tenant = (accounts: string[] = [], inventory: unknown[] = []) => ({
  accounts: accounts.map((id) => ({ id, name: id, environment: 'prod', source: { files: '.' } as const })),
  inventory: inventory as never[],
});

function normalized(event: Record<string, unknown>): NormalizedEvent {
  const e = normalizeEvent({ eventID: 'doc-example', ...event });
  if (isRejection(e)) throw new Error(e.reason);
  return e;
}

const docs = awsDocsEvents();
const doc = (name: string, type?: string) =>
  normalized(
    docs.find(
      (d) =>
        d.event.eventName === name && (!type || (d.event.userIdentity as { type?: string })?.type === type),
    )!.event,
  );

describe('IdentityResolver on AWS documentation examples (one per userIdentity type)', () => {
  it('a person signing in to the console as an IAM user is human', () => {
    const a = new IdentityResolver(tenant(['111122223333'])).attribute(doc('ConsoleLogin', 'IAMUser'));
    expect(a.actor.actorClass).toBe('human');
    expect(a.actor.id).toBe('arn:aws:iam::111122223333:user/anaya');
    expect(a.credentialKind).toBe('none');
    expect(a.actor.reasons[0]).toMatch(/console/);
  });

  it('the root user is human and named by its root ARN', () => {
    const a = new IdentityResolver(tenant()).attribute(doc('ConsoleLogin', 'Root'));
    expect(a.actor.actorClass).toBe('human');
    expect(a.actor.id).toMatch(/^arn:aws:iam::\d{12}:root$/);
  });

  it('another AWS account is a third party', () => {
    // The documentation example has no recipientAccountId; the tenant is the account the docs use.
    const a = new IdentityResolver(tenant(['111122223333'])).attribute(doc('AssumeRole', 'AWSAccount'));
    expect(a.actor.actorClass).toBe('third-party');
    expect(a.actor.id).toMatch(/^account:/);
  });

  it('SAML federation is human; consumer web identity (Google) is human, a CI issuer is a workload', () => {
    expect(new IdentityResolver(tenant()).attribute(doc('AssumeRoleWithSAML')).actor.actorClass).toBe(
      'human',
    );
    const google = new IdentityResolver(tenant()).attribute(doc('AssumeRoleWithWebIdentity'));
    expect(google.actor.actorClass).toBe('human');
    expect(google.actor.reasons[0]).toMatch(/consumer sign-in/);
    const ci = normalized({
      ...doc('AssumeRoleWithWebIdentity').raw,
      userIdentity: {
        type: 'WebIdentityUser',
        principalId:
          'token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/api:ref:refs/heads/main',
        userName: 'repo:acme/api:ref:refs/heads/main',
        identityProvider: 'token.actions.githubusercontent.com',
      },
    });
    const web = new IdentityResolver(tenant()).attribute(ci);
    expect(web.actor.actorClass).toBe('workload');
    expect(web.actor.reasons[0]).toMatch(/OIDC.*CI\/CD pipeline/);
  });

  it('a role session is attributed to its role, with a temporary or long-lived credential', () => {
    const e = doc('DeleteBucket');
    const a = new IdentityResolver(tenant()).attribute(e);
    expect(a.actor.id).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(a.credentialId).toBe(e.identity.accessKeyId);
  });

  it('AWS service events without a principal are aws-service', () => {
    const a = new IdentityResolver(tenant()).attribute(
      normalized({
        ...docs.find((d) => d.event.eventName === 'RotateKey')!.event,
        userIdentity: { type: 'AWSService', invokedBy: 'kms.amazonaws.com' },
      }),
    );
    expect(a.actor.actorClass).toBe('aws-service');
    expect(a.actor.id).toBe('service:kms.amazonaws.com');
  });
});

describe('IdentityResolver: inventory and tenant accounts', () => {
  const roleEvent = (role: string, session: string, account = '111122223333') =>
    normalized({
      eventTime: '2026-11-03T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'eu-west-1',
      userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
      recipientAccountId: '111122223333',
      userIdentity: {
        type: 'AssumedRole',
        principalId: `AROAEXAMPLE:${session}`,
        arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
        accountId: account,
        accessKeyId: 'ASIAEXAMPLE',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn: `arn:aws:iam::${account}:role/${role}`,
            accountId: account,
            userName: role,
          },
        },
      },
    });

  it('a declaration wins over heuristics and says so', () => {
    const resolver = new IdentityResolver(
      tenant(
        ['111122223333'],
        [
          {
            match: 'arn:aws:iam::111122223333:role/ops-*',
            class: 'ai-agent',
            owner: 'ml-team@example.com',
            purpose: 'triage agent',
          },
        ],
      ),
    );
    const a = resolver.attribute(roleEvent('ops-triage', 'alice@example.com'));
    expect(a.actor.actorClass).toBe('ai-agent');
    expect(a.actor.declared).toBe(true);
    expect(a.actor.owner).toBe('ml-team@example.com');
    expect(a.actor.reasons[0]).toMatch(/declared in the tenant inventory/);
  });

  it('people sharing an Identity Center role are separate actors; workload sessions share one', () => {
    const resolver = new IdentityResolver(tenant(['111122223333']));
    const sso = 'AWSReservedSSO_AdministratorAccess_1a2b3c4d5e6f7a8b';
    const alice = resolver.attribute(roleEvent(sso, 'alice@example.com'));
    const bob = resolver.attribute(roleEvent(sso, 'bob@example.com'));
    expect(alice.actor.actorClass).toBe('human');
    expect(alice.actor.id).not.toBe(bob.actor.id);
    expect(alice.actor.owner).toBe('alice@example.com');
    const w1 = resolver.attribute(roleEvent('batch-worker-role', 'i-0a1b2c3d4e5f60718'));
    const w2 = resolver.attribute(roleEvent('batch-worker-role', 'i-0ffeeddccbbaa9988'));
    expect(w1.actor).toBe(w2.actor);
    expect(w1.actor.actorClass).toBe('workload');
  });

  it('Identity Center users (no ARN) are told apart by their user id, not merged into the first seen', () => {
    // userIdentity shape of an IdentityCenterUser as the CloudTrail user guide documents it.
    const idc = (userId: string) =>
      normalized({
        eventVersion: '1.10',
        eventTime: '2026-10-01T09:00:00Z',
        eventSource: 'sso.amazonaws.com',
        eventName: 'ListAccounts',
        awsRegion: 'eu-west-1',
        recipientAccountId: '111122223333',
        userIdentity: {
          type: 'IdentityCenterUser',
          accountId: '111122223333',
          onBehalfOf: {
            userId,
            identityStoreArn: 'arn:aws:identitystore::111122223333:identitystore/d-1234567890',
          },
          credentialId: `cred-${userId}`,
        },
      });
    const resolver = new IdentityResolver(tenant(['111122223333']));
    const first = resolver.attribute(idc('90676d6b-a0b1-7012-3456-789abcdef012'));
    const second = resolver.attribute(idc('90676d6b-a0b1-7012-3456-000000000099'));
    expect(first.actor.id).not.toBe(second.actor.id);
    expect(second.actor.id).toContain('90676d6b-a0b1-7012-3456-000000000099');
  });

  it('a principal from an account outside the tenant is a third party', () => {
    const a = new IdentityResolver(tenant(['111122223333'])).attribute(
      roleEvent('vendor-role', 'sync', '999988887777'),
    );
    expect(a.actor.actorClass).toBe('third-party');
    expect(a.actor.reasons[0]).toMatch(/999988887777.*not one of the tenant's 1 accounts/);
  });

  it('keeps the class decided at first sight', () => {
    const resolver = new IdentityResolver(tenant(['111122223333']));
    const first = resolver.attribute(roleEvent('batch-worker-role', 'i-0a1b2c3d4e5f60718'));
    const later = resolver.attribute({
      ...roleEvent('batch-worker-role', 'i-0a1b2c3d4e5f60718'),
      sessionCredentialFromConsole: true,
    });
    expect(later.actor.actorClass).toBe(first.actor.actorClass);
  });
});
