import { describe, expect, it } from 'vitest';
import { checkNamed, isPublicAddress, statementsOf } from '../../../functions/core/controls/checks.js';
import type { Attribution } from '../../../functions/core/identity/IdentityResolver.js';
import {
  isRejection,
  type NormalizedEvent,
  normalizeEvent,
} from '../../../functions/core/ingest/normalizeEvent.js';

function event(fields: Record<string, unknown> = {}): NormalizedEvent {
  const e = normalizeEvent({
    eventID: 'e1',
    eventTime: '2026-11-03T10:00:00Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'UpdateAssumeRolePolicy',
    awsRegion: 'us-east-1',
    recipientAccountId: '111111111111',
    userIdentity: { type: 'IAMUser', accountId: '111111111111', arn: 'arn:aws:iam::111111111111:user/admin' },
    ...fields,
  });
  if (isRejection(e)) throw new Error(e.reason);
  return e;
}

const attribution = (inventory?: object, sessionName?: string) =>
  ({
    actor: { inventory, declared: false, principal: { roleName: sessionName ? 'web' : undefined } },
    sessionName,
  }) as unknown as Attribution;
const tenant = {
  environments: new Map([
    ['111111111111', 'prod'],
    ['333333333333', 'dev'],
  ]),
  inventorySize: 0,
};
const run = (name: string, value: unknown, e = event(), a = attribution()) =>
  checkNamed(name)!({ event: e, attribution: a, tenant }, value);
const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('named checks', () => {
  it('reads policy documents that are JSON, URL-encoded, single statements or broken', () => {
    const one = { Effect: 'Allow', Action: '*', Resource: '*' };
    expect(statementsOf(JSON.stringify({ Statement: one }))).toHaveLength(1);
    expect(statementsOf(encodeURIComponent(doc(one, one)))).toHaveLength(2);
    expect(statementsOf('{not json')).toEqual([]);
    expect(statementsOf(undefined)).toEqual([]);
  });

  it('trust-admits-outside-account: anyone or a foreign account, not the own or a tenant account', () => {
    const trust = (principal: unknown) =>
      doc({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' });
    expect(run('trust-admits-outside-account', trust('*'))).toBe(true);
    expect(run('trust-admits-outside-account', trust({ AWS: 'arn:aws:iam::999988887777:root' }))).toBe(true);
    expect(run('trust-admits-outside-account', trust({ AWS: ['333333333333'] }))).toBe(false);
    expect(run('trust-admits-outside-account', trust({ AWS: 'arn:aws:iam::111111111111:role/x' }))).toBe(
      false,
    );
    expect(run('trust-admits-outside-account', trust({ Service: 'lambda.amazonaws.com' }))).toBe(false);
    expect(
      run('trust-admits-outside-account', doc({ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' })),
    ).toBe(false);
  });

  it('oidc-trust-without-subject: a federated OIDC trust must pin sub', () => {
    const oidc = (condition?: object) =>
      doc({
        Effect: 'Allow',
        Principal: {
          Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        ...(condition ? { Condition: condition } : {}),
      });
    expect(run('oidc-trust-without-subject', oidc())).toBe(true);
    expect(
      run(
        'oidc-trust-without-subject',
        oidc({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } }),
      ),
    ).toBe(true);
    expect(
      run(
        'oidc-trust-without-subject',
        oidc({ StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:a/b:*' } }),
      ),
    ).toBe(false);
  });

  it('policy-grants-admin and policy-grants-passrole-anywhere', () => {
    expect(run('policy-grants-admin', doc({ Effect: 'Allow', Action: ['s3:*', '*'], Resource: '*' }))).toBe(
      true,
    );
    expect(run('policy-grants-admin', doc({ Effect: 'Allow', Action: 'IAM:*', Resource: ['*'] }))).toBe(true);
    expect(
      run('policy-grants-admin', doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/*' })),
    ).toBe(false);
    expect(
      run('policy-grants-passrole-anywhere', doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' })),
    ).toBe(true);
    expect(
      run(
        'policy-grants-passrole-anywhere',
        doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/x' }),
      ),
    ).toBe(false);
  });

  it('selectors-narrow-logging: management events dropped or split, not data-only trails', () => {
    const put = (requestParameters: object) =>
      event({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'PutEventSelectors', requestParameters });
    const check = (e: NormalizedEvent) => run('selectors-narrow-logging', undefined, e);
    expect(check(put({ eventSelectors: [{ includeManagementEvents: false, readWriteType: 'All' }] }))).toBe(
      true,
    );
    expect(
      check(put({ eventSelectors: [{ includeManagementEvents: true, readWriteType: 'WriteOnly' }] })),
    ).toBe(true);
    expect(check(put({ eventSelectors: [{ includeManagementEvents: true, readWriteType: 'All' }] }))).toBe(
      false,
    );
    const mgmt = (extra: object[]) => ({
      advancedEventSelectors: [
        { fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }, ...extra] },
      ],
    });
    expect(check(put(mgmt([{ field: 'readOnly', equals: ['true'] }])))).toBe(true);
    expect(check(put(mgmt([])))).toBe(false);
    expect(
      check(
        put({ advancedEventSelectors: [{ fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }] }] }),
      ),
    ).toBe(false);
  });

  it('outside-declared-scope uses IAM action names, regions and accounts', () => {
    const scoped = attribution({
      allowedScope: { actions: ['lambda:InvokeFunction', 's3:Get*'], regions: ['eu-west-1'] },
    });
    const invoke = event({
      eventSource: 'lambda.amazonaws.com',
      eventName: 'Invoke',
      awsRegion: 'eu-west-1',
    });
    expect(run('outside-declared-scope', undefined, invoke, scoped)).toBe(false);
    const head = event({ eventSource: 's3.amazonaws.com', eventName: 'HeadObject', awsRegion: 'eu-west-1' });
    expect(run('outside-declared-scope', undefined, head, scoped)).toBe(false);
    const otherRegion = event({
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'us-east-1',
    });
    expect(run('outside-declared-scope', undefined, otherRegion, scoped)).toBe(true);
    const iam = event({ eventName: 'CreateAccessKey', awsRegion: 'eu-west-1' });
    expect(run('outside-declared-scope', undefined, iam, scoped)).toBe(true);
    expect(run('outside-declared-scope', undefined, iam, attribution())).toBe(false);
  });

  it('cross-environment compares the caller account with the role account', () => {
    const assume = (caller: string, role: string) =>
      event({
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        userIdentity: {
          type: 'AssumedRole',
          accountId: caller,
          arn: `arn:aws:sts::${caller}:assumed-role/r/s`,
        },
        requestParameters: { roleArn: `arn:aws:iam::${role}:role/target` },
      });
    expect(run('cross-environment', undefined, assume('333333333333', '111111111111'))).toBe(true);
    expect(run('cross-environment', undefined, assume('111111111111', '111111111111'))).toBe(false);
    expect(run('cross-environment', undefined, assume('555555555555', '111111111111'))).toBe(false);
  });

  it('public-address and instance-credential-off-instance', () => {
    for (const ip of [
      '10.1.2.3',
      '192.168.0.1',
      '172.20.0.1',
      '100.64.0.1',
      'fd00::1',
      'AWS Internal',
      'ec2.amazonaws.com',
    ]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
    for (const ip of ['45.33.32.156', '52.42.146.205', '2001:db8::1'])
      expect(isPublicAddress(ip), ip).toBe(true);
    const instance = (ip: string, extra: object = {}) =>
      event({
        sourceIPAddress: ip,
        userIdentity: {
          type: 'AssumedRole',
          arn: 'arn:aws:sts::111111111111:assumed-role/web/i-0abcdef1234567890',
          sessionContext: { ec2RoleDelivery: '2.0' },
          ...extra,
        },
      });
    const session = attribution(undefined, 'i-0abcdef1234567890');
    expect(run('instance-credential-off-instance', undefined, instance('45.33.32.156'), session)).toBe(true);
    expect(run('instance-credential-off-instance', undefined, instance('10.0.0.5'), session)).toBe(false);
    expect(
      run(
        'instance-credential-off-instance',
        undefined,
        instance('45.33.32.156', { invokedBy: 'ssm.amazonaws.com' }),
        session,
      ),
    ).toBe(false);
  });
});
