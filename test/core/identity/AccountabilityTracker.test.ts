import { describe, expect, it } from 'vitest';
import { loadControlCatalog } from '../../../functions/adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../../functions/adapters/fs/loadRulePack.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import type { Analysis } from '../../../functions/core/analysis/types.js';
import { parseTenantConfig } from '../../../functions/core/config/tenantConfig.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';

const catalog = await loadControlCatalog();
const rules = await loadRulePack(catalog);
const PROD = '111111111111';
const DEV = '333333333333';
const VENDOR = '999988887777';

let n = 0;
const id = () => `evt-${String(++n).padStart(5, '0')}`;

/** A role session's userIdentity, as CloudTrail writes it. */
function roleSession(
  account: string,
  role: string,
  session: string,
  key: string,
  extra: Record<string, unknown> = {},
) {
  return {
    type: 'AssumedRole',
    principalId: `AROA${role.toUpperCase().slice(0, 8)}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    accountId: account,
    accessKeyId: key,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: `AROA${role}`,
        arn: `arn:aws:iam::${account}:role/${role}`,
        accountId: account,
        userName: role,
      },
      attributes: { creationDate: '2026-11-02T09:00:00Z', mfaAuthenticated: 'false' },
      ...extra,
    },
  };
}

function event(time: string, account: string, userIdentity: unknown, fields: Record<string, unknown> = {}) {
  return {
    eventVersion: '1.09',
    eventID: id(),
    eventTime: time,
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '192.0.2.10',
    userAgent: 'Boto3/1.34.10 md/Botocore#1.34.10 ua/2.0 os/linux lang/python#3.12',
    recipientAccountId: account,
    userIdentity,
    ...fields,
  };
}

/** An STS issuing event: `caller` called `eventName` for `role` in `account` and received `issued`. */
function issue(
  time: string,
  account: string,
  caller: unknown,
  eventName: string,
  role: string,
  session: string,
  issued: string,
  extra: Record<string, unknown> = {},
) {
  return event(time, account, caller, {
    eventSource: 'sts.amazonaws.com',
    eventName,
    requestParameters: {
      roleArn: `arn:aws:iam::${account}:role/${role}`,
      roleSessionName: session,
      ...extra,
    },
    responseElements: {
      credentials: { accessKeyId: issued, expiration: 'Nov 2, 2026, 10:00:00 AM' },
      assumedRoleUser: { arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}` },
    },
  });
}

function tenant(inventory: unknown[], accounts = [PROD, DEV]) {
  return parseTenantConfig(
    {
      id: 'acme',
      name: 'Acme',
      mssp: { name: 'Northwind' },
      accounts: accounts.map((a) => ({
        id: a,
        name: a,
        environment: a === PROD ? 'prod' : 'dev',
        source: { files: '.' },
      })),
      inventory,
    },
    'tenant.yaml',
  );
}

async function analyse(
  records: unknown[],
  inventory: unknown[] = [],
  accounts?: string[],
): Promise<Analysis> {
  const source: RecordSource = {
    name: 'chains.json',
    open: async function* () {
      yield Buffer.from(JSON.stringify({ Records: records }));
    },
  };
  return runAnalysis({
    sources: [source],
    config: tenant(inventory, accounts),
    configHash: null,
    catalog,
    rules,
    window: { startMs: Date.UTC(2026, 10, 1), endMs: Date.UTC(2026, 11, 1), label: '2026-11' },
    toolVersion: 'test',
  });
}

const chainsOf = (a: Analysis, actorId: string) => a.actors.find((x) => x.id === actorId)!.accountability;

describe('accountability chain', () => {
  it('follows an SSO person through two role hops, even when uses come before the issuing events', async () => {
    const alice = roleSession(
      PROD,
      'AWSReservedSSO_Admin_0123456789abcdef',
      'alice@acme.example',
      'ASIAALICESSO00000001',
    );
    const opsAdmin = roleSession(PROD, 'ops-admin', 'alice-ops', 'ASIAOPSADMIN00000001');
    const deployer = roleSession(DEV, 'deployer', 'hop2', 'ASIADEPLOYER00000001');
    const records = [
      // The final hop's uses are read first (another account's files).
      event('2026-11-02T09:20:00Z', DEV, deployer, { userAgent: 'Boto3/1.34 Botocore/1.34' }),
      event('2026-11-02T09:21:00Z', DEV, deployer, { userAgent: 'Boto3/1.34 Botocore/1.34' }),
      issue('2026-11-02T09:10:00Z', DEV, opsAdmin, 'AssumeRole', 'deployer', 'hop2', 'ASIADEPLOYER00000001'),
      issue(
        '2026-11-02T09:05:00Z',
        PROD,
        alice,
        'AssumeRole',
        'ops-admin',
        'alice-ops',
        'ASIAOPSADMIN00000001',
      ),
    ];
    const analysis = await analyse(records, [
      { match: `arn:aws:iam::${DEV}:role/deployer`, class: 'workload' },
    ]);
    const [chain] = chainsOf(analysis, `arn:aws:iam::${DEV}:role/deployer`);
    expect(chain!.credential).toBe('ASIADEPLOYER00000001');
    expect(chain!.session).toBe('hop2');
    expect(chain!.path.map((s) => s.actorName)).toEqual([
      'role/deployer',
      'role/ops-admin',
      'alice@acme.example',
    ]);
    expect(chain!.path[0]!.issuedBy?.eventName).toBe('AssumeRole');
    expect(chain!.initiator).toBe(
      `arn:aws:sts::${PROD}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice@acme.example`,
    );
    expect(chain!.owner).toBe('alice@acme.example');
    expect(chain!.ownerSource).toMatch(/person/);
    expect(chain!.break).toBeNull();
  });

  it('ties a GitHub OIDC deploy to the owner declared for its role', async () => {
    const github = {
      type: 'WebIdentityUser',
      principalId: 'token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/api:ref:refs/heads/main',
      userName: 'repo:acme/api:ref:refs/heads/main',
      identityProvider: 'token.actions.githubusercontent.com',
    };
    const deploy = roleSession(PROD, 'gha-deploy', 'GitHubActions-9001', 'ASIAGHADEPLOY0000001');
    const records = [
      issue(
        '2026-11-03T12:00:00Z',
        PROD,
        github,
        'AssumeRoleWithWebIdentity',
        'gha-deploy',
        'GitHubActions-9001',
        'ASIAGHADEPLOY0000001',
      ),
      event('2026-11-03T12:01:00Z', PROD, deploy, {
        eventSource: 'cloudformation.amazonaws.com',
        eventName: 'UpdateStack',
      }),
    ];
    const analysis = await analyse(records, [
      { match: 'arn:aws:iam::*:role/gha-deploy', class: 'workload', owner: 'platform@acme.example' },
    ]);
    const [chain] = chainsOf(analysis, `arn:aws:iam::${PROD}:role/gha-deploy`);
    expect(chain!.initiator).toBe(
      'web-identity:token.actions.githubusercontent.com:repo:acme/api:ref:refs/heads/main',
    );
    expect(chain!.owner).toBe('platform@acme.example');
    expect(chain!.ownerSource).toBe('declared for role/gha-deploy');
  });

  it('links a Bedrock agent role and its tool Lambdas to the service that issued their sessions', async () => {
    const bedrock = { type: 'AWSService', invokedBy: 'bedrock.amazonaws.com' };
    const agent = roleSession(
      PROD,
      'AmazonBedrockExecutionRoleForAgents_Support',
      'agent-1',
      'ASIABEDROCKAGENT0001',
    );
    const records = [
      issue(
        '2026-11-04T08:00:00Z',
        PROD,
        bedrock,
        'AssumeRole',
        'AmazonBedrockExecutionRoleForAgents_Support',
        'agent-1',
        'ASIABEDROCKAGENT0001',
      ),
      event('2026-11-04T08:00:05Z', PROD, agent, {
        eventSource: 'lambda.amazonaws.com',
        eventName: 'Invoke',
        requestParameters: { functionName: 'lookup-order' },
      }),
    ];
    const analysis = await analyse(records);
    const actor = analysis.actors.find(
      (a) => a.id === `arn:aws:iam::${PROD}:role/AmazonBedrockExecutionRoleForAgents_Support`,
    )!;
    expect(actor.class).toBe('ai-agent');
    const [chain] = actor.accountability;
    expect(chain!.initiator).toBe('service:bedrock.amazonaws.com');
    expect(chain!.owner).toBeNull();
    expect(chain!.break).toBe('no-owner-on-chain');
    expect(analysis.accountability.breaks).toEqual([
      expect.objectContaining({ reason: 'no-owner-on-chain', actions: 1 }),
    ]);
  });

  it('keeps instance-role credentials tied to their instance role when they are used from outside AWS', async () => {
    const ec2 = { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' };
    const instance = roleSession(PROD, 'web-role', 'i-0fedcba9876543210', 'ASIAINSTANCE00000001', {
      ec2RoleDelivery: '2.0',
    });
    const records = [
      issue(
        '2026-11-07T06:00:00Z',
        PROD,
        ec2,
        'AssumeRole',
        'web-role',
        'i-0fedcba9876543210',
        'ASIAINSTANCE00000001',
      ),
      event('2026-11-07T06:05:00Z', PROD, instance, { sourceIPAddress: '10.0.1.20' }),
      // The same key, minutes later, from an address outside the VPC: still the instance role's credential.
      event('2026-11-07T06:20:00Z', PROD, instance, {
        sourceIPAddress: '203.0.113.77',
        eventName: 'ListUsers',
        eventSource: 'iam.amazonaws.com',
      }),
    ];
    const analysis = await analyse(records, [
      { match: `arn:aws:iam::${PROD}:role/web-role`, class: 'workload', owner: 'web@acme.example' },
    ]);
    const actor = analysis.actors.find((a) => a.id === `arn:aws:iam::${PROD}:role/web-role`)!;
    expect(actor.sourceIps.top.map((t) => t.value).sort()).toEqual(['10.0.1.20', '203.0.113.77']);
    const [chain] = actor.accountability;
    expect(chain!.credential).toBe('ASIAINSTANCE00000001');
    expect(chain!.events).toBe(2);
    expect(chain!.session).toBe('i-0fedcba9876543210');
    expect(chain!.initiator).toBe('service:ec2.amazonaws.com');
    expect(chain!.owner).toBe('web@acme.example');
  });

  it('says why a chain breaks: issued before the period, or the issuing account was not collected', async () => {
    const early = roleSession(PROD, 'batch-role', 'i-0abc1234def567890', 'ASIABATCHEARLY000001', {
      ec2RoleDelivery: '2.0',
    });
    const late = roleSession(PROD, 'batch-role', 'i-0abc1234def567891', 'ASIABATCHLATE0000001', {
      ec2RoleDelivery: '2.0',
    });
    const foreign = roleSession('555555555555', 'ci-runner', 'build', 'ASIAFOREIGN000000001');
    const records = [
      event('2026-11-01T00:30:00Z', PROD, early),
      event('2026-11-20T10:00:00Z', PROD, late),
      event('2026-11-20T10:00:00Z', PROD, foreign),
    ];
    const analysis = await analyse(records, [], [PROD, DEV, '555555555555']);
    const batch = chainsOf(analysis, `arn:aws:iam::${PROD}:role/batch-role`);
    expect(batch.find((c) => c.credential === 'ASIABATCHEARLY000001')!.break).toBe('issued-before-period');
    expect(batch.find((c) => c.credential === 'ASIABATCHLATE0000001')!.break).toBe('issuing-event-missing');
    const [f] = chainsOf(analysis, 'arn:aws:iam::555555555555:role/ci-runner');
    expect(f!.break).toBe('issuer-not-collected');
    expect(f!.breakReason).toMatch(/not collected/);
    expect(analysis.accountability.coverage).toBe(0);
  });

  it('stops at a loop instead of running forever', async () => {
    const a = roleSession(PROD, 'role-a', 's', 'ASIALOOPA00000000001');
    const b = roleSession(PROD, 'role-b', 's', 'ASIALOOPB00000000001');
    const records = [
      issue('2026-11-05T10:00:00Z', PROD, a, 'AssumeRole', 'role-b', 's', 'ASIALOOPB00000000001'),
      issue('2026-11-05T10:01:00Z', PROD, b, 'AssumeRole', 'role-a', 's', 'ASIALOOPA00000000001'),
      event('2026-11-05T10:02:00Z', PROD, a, { userAgent: 'Boto3/1.34' }),
    ];
    const analysis = await analyse(records);
    const [chain] = chainsOf(analysis, `arn:aws:iam::${PROD}:role/role-a`);
    expect(chain!.break).toBe('loop');
    expect(chain!.path.length).toBeLessThanOrEqual(4);
  });

  it('counts a vendor account assuming a tenant role, and a long-lived key with no declared owner', async () => {
    const vendor = { type: 'AWSAccount', principalId: 'AIDAVENDOR', accountId: VENDOR };
    const vendorRole = roleSession(PROD, 'vendor-monitoring', 'vendor', 'ASIAVENDORSESSION001');
    const keyUser = {
      type: 'IAMUser',
      principalId: 'AIDAKEYUSER',
      arn: `arn:aws:iam::${PROD}:user/svc-sync`,
      accountId: PROD,
      accessKeyId: 'AKIASVCSYNC000000001',
      userName: 'svc-sync',
    };
    const records = [
      issue(
        '2026-11-06T10:00:00Z',
        PROD,
        vendor,
        'AssumeRole',
        'vendor-monitoring',
        'vendor',
        'ASIAVENDORSESSION001',
        { externalId: 'x' },
      ),
      event('2026-11-06T10:01:00Z', PROD, vendorRole, {
        userAgent: 'Boto3/1.34',
        eventName: 'DescribeInstances',
        eventSource: 'ec2.amazonaws.com',
      }),
      event('2026-11-06T11:00:00Z', PROD, keyUser, { userAgent: 'Boto3/1.34 Botocore/1.34' }),
    ];
    const analysis = await analyse(records, [
      {
        match: `arn:aws:iam::${PROD}:role/vendor-monitoring`,
        class: 'workload',
        owner: 'vendor-management@acme.example',
      },
    ]);
    const [v] = chainsOf(analysis, `arn:aws:iam::${PROD}:role/vendor-monitoring`);
    expect(v!.initiator).toBe(`account:${VENDOR}`);
    expect(v!.owner).toBe('vendor-management@acme.example');
    const [k] = chainsOf(analysis, `arn:aws:iam::${PROD}:user/svc-sync`);
    expect(k!.break).toBe('long-lived-key-undeclared');
    expect(analysis.accountability.machineActions).toBe(2);
    expect(analysis.accountability.ownedActions).toBe(1);
    expect(analysis.accountability.coverage).toBe(0.5);
  });
});
