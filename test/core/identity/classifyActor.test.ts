import { describe, expect, it } from 'vitest';
import { IdentityResolver } from '../../../functions/core/identity/IdentityResolver.js';
import { isRejection, normalizeEvent } from '../../../functions/core/ingest/normalizeEvent.js';

const ACCOUNT = '111111111111';
const tenant = {
  accounts: [{ id: ACCOUNT, name: 'prod', environment: 'prod', source: { files: '.' } as const }],
  inventory: [],
};

function roleEvent(
  role: string,
  session: string,
  fields: Record<string, unknown> = {},
  context: Record<string, unknown> = {},
) {
  const e = normalizeEvent({
    eventID: `${role}-${session}`,
    eventTime: '2026-11-03T10:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'eu-west-1',
    recipientAccountId: ACCOUNT,
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE:${session}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
      accountId: ACCOUNT,
      accessKeyId: 'ASIAEXAMPLE',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
          accountId: ACCOUNT,
          userName: role,
        },
        ...context,
      },
    },
    ...fields,
  });
  if (isRejection(e)) throw new Error(e.reason);
  return e;
}

const classify = (e: ReturnType<typeof roleEvent>) => new IdentityResolver(tenant).attribute(e).actor;

describe('classification heuristics for role sessions (each decides, with its reason)', () => {
  it.each([
    [
      'a service-linked role',
      roleEvent('AWSServiceRoleForAutoScaling', 'AutoScaling'),
      'aws-service',
      /service-linked role/,
    ],
    [
      'an Identity Center permission set',
      roleEvent('AWSReservedSSO_ReadOnly_0123456789abcdef', 'carol@acme.example'),
      'human',
      /Identity Center permission set/,
    ],
    [
      'a Bedrock agent execution role',
      roleEvent('AmazonBedrockExecutionRoleForAgents_Support', 'agent'),
      'ai-agent',
      /Bedrock agent/,
    ],
    [
      'an agent framework in the user agent',
      roleEvent('support-runtime', 'task', {
        userAgent: 'strands-agents/1.2.0 Boto3/1.34.0 md/Botocore#1.34.0',
      }),
      'ai-agent',
      /AI agent framework/,
    ],
    [
      'an instance-id session with IMDS delivery',
      roleEvent('batch', 'i-0a1b2c3d4e5f60718', {}, { ec2RoleDelivery: '2.0' }),
      'workload',
      /EC2 instance role/,
    ],
    [
      'a Lambda execution environment',
      roleEvent('orders', 'orders-api', {
        userAgent: 'aws-sdk-js/3.600.0 os/linux lang/js md/nodejs#20 exec-env/AWS_Lambda_nodejs20.x',
      }),
      'workload',
      /Lambda/,
    ],
    [
      'an ECS task',
      roleEvent('worker', 'abc', { userAgent: 'Boto3/1.34 exec-env/AWS_ECS_FARGATE' }),
      'workload',
      /container task role/,
    ],
    ['a GitHub Actions session name', roleEvent('deploy', 'GitHubActions-8812345'), 'workload', /CI\/CD/],
    [
      'a Roles Anywhere certificate serial',
      roleEvent('onprem', '2b4f1c9e8d7a6b5c4d3e2f1a0b9c8d7e'),
      'workload',
      /Roles Anywhere/,
    ],
    [
      'an EKS Pod Identity session',
      roleEvent('app', 'eks-prod-api-7d9f-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d'),
      'workload',
      /EKS Pod Identity/,
    ],
    ['an e-mail session name', roleEvent('ops-admin', 'alice@acme.example'), 'human', /e-mail address/],
    [
      'the console',
      roleEvent('ops-admin', 'alice', { sessionCredentialFromConsole: 'true' }),
      'human',
      /console/,
    ],
    [
      'a botocore default session',
      roleEvent('etl', 'botocore-session-1730000000'),
      'workload',
      /SDK default/,
    ],
    [
      'plain programmatic use',
      roleEvent('etl', 'nightly', { userAgent: 'Boto3/1.34.10 Botocore/1.34.10' }),
      'workload',
      /programmatically/,
    ],
  ])('%s', (_name, event, expected, reason) => {
    const actor = classify(event);
    expect(actor.actorClass).toBe(expected);
    expect(actor.reasons.join(' ')).toMatch(reason);
  });

  it('people sharing one role are told apart by their sessions, workloads are not', () => {
    const resolver = new IdentityResolver(tenant);
    const a = resolver.attribute(roleEvent('ops-admin', 'alice@acme.example')).actor;
    const b = resolver.attribute(roleEvent('ops-admin', 'bob@acme.example')).actor;
    expect(a.id).not.toBe(b.id);
    const w1 = resolver.attribute(roleEvent('etl', 'run-1')).actor;
    const w2 = resolver.attribute(roleEvent('etl', 'run-2')).actor;
    expect(w1.id).toBe(w2.id);
  });
});
