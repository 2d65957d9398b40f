/**
 * @module Sample tenant month: a deterministic, streaming generator of realistic CloudTrail records for
 * the fictional MSSP client Acme Robotics, with five planted incidents.
 *
 * It feeds demos, benchmarks and end-to-end tests, so it is pure (no I/O, no clock, no Math.random)
 * and its memory stays flat whatever the volume: records are built one UTC hour at a time, sorted,
 * yielded and dropped. Between hours it keeps only the live sessions (a handful, plus one per extra
 * workload) and the events of sessions that spill into the next hour.
 *
 * Record shapes follow real and documented events (AWS documentation examples, Panther rule tests,
 * Stratus Red Team detonation logs): field order, `userIdentity` per type, `tlsDetails`,
 * `sessionCredentialFromConsole`, data vs management events, and STS responses whose issued
 * `credentials.accessKeyId` is the key the later calls carry (how role chains are resolved).
 * All identifiers are fictional; public addresses come from the RFC 5737 documentation ranges.
 */

/** A plain CloudTrail event as it appears in a delivered log file's `Records` array. */
type CloudTrailRecord = Record<string, unknown>;
type Json = Record<string, unknown>;

/** Options of {@link generateTenantMonth}. */
interface TenantMonthOptions {
  /** Month to generate, `YYYY-MM`, in UTC. */
  month: string;
  /** PRNG seed: the same options always give the same records. @default 20261 */
  seed?: number;
  /** Multiplier of machine (background) volume; 1 gives about 25,000–40,000 events. @default 1 */
  scale?: number;
  /**
   * Wanted total number of events; when set it overrides `scale` and the total lands within ±3 %.
   * People, deploys, session issuance and incidents do not scale, so about 9,000 events is the floor.
   */
  targetEvents?: number;
  /**
   * Planted incidents to include, by scenario id (e.g. `leaked-key-llmjacking`). Without
   * `stop-logging` the prod data events never stop; without `key-rotation` the legacy key is
   * never rotated. @default every incident
   */
  incidents?: readonly string[];
  /**
   * Further machine identities to add, for simulating a large client: Lambda execution roles, ECS task
   * roles and IAM service users with long-lived keys, named `fleet-<team>-<app>-<n>` and spread over the
   * four accounts and both regions. Each runs on its own schedule and makes a few to a few hundred calls
   * a month at scale 1 (its share of the volume follows `scale` and counts towards `targetEvents`);
   * every new session and every run also makes one fixed start-up call, so each one shows up as an actor
   * at any scale and raises the `targetEvents` floor by about 55 events. An integer from 0 to 20,000.
   * @default 0
   */
  extraWorkloads?: number;
}

// ---------------------------------------------------------------------------------------------------
// Scenario data
// ---------------------------------------------------------------------------------------------------

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const DEFAULT_SEED = 20261;

const PROD = '111111111111';
const STAGING = '222222222222';
const DEV = '333333333333';
const SECURITY = '444444444444';
const VENDOR_ACCOUNT = '999988887777';
const EU = 'eu-west-1';
const US = 'us-east-1';

const ACCOUNTS = [
  { id: PROD, name: 'acme-prod', environment: 'prod' },
  { id: STAGING, name: 'acme-staging', environment: 'staging' },
  { id: DEV, name: 'acme-dev', environment: 'dev' },
  { id: SECURITY, name: 'acme-security', environment: 'shared' },
] as const;

/** RFC 5737 ranges: 192.0.2.0/24 is Acme's own (offices, servers, NAT), the other two are outsiders. */
const IP = {
  alice: '192.0.2.10',
  bob: '192.0.2.11',
  carol: '192.0.2.12',
  backupServer: '192.0.2.25',
  reportingServer: '192.0.2.30',
  ciRunners: ['192.0.2.40', '192.0.2.41', '192.0.2.42'],
  svcReportingPerson: '192.0.2.61',
  natEu: '192.0.2.200',
  natUs: '192.0.2.201',
  agentRuntime: '10.40.2.87',
  vendor: ['198.51.100.17', '198.51.100.18', '198.51.100.19'],
  attackerRecon: '203.0.113.45',
  attackerApi: '203.0.113.87',
  attackerProxy: '198.51.100.203',
} as const;

interface RoleDef {
  readonly name: string;
  readonly path: string;
}

const SSO_PATH = `/aws-reserved/sso.amazonaws.com/${EU}/`;

const ROLE = {
  ghaDeploy: { name: 'gha-deploy', path: '/' },
  ordersApi: { name: 'orders-api-role', path: '/' },
  batchWorker: { name: 'batch-worker-role', path: '/' },
  bedrockAgent: { name: 'AmazonBedrockExecutionRoleForAgents_SupportBot', path: '/service-role/' },
  supportTools: { name: 'support-tools-role', path: '/' },
  agentRuntime: { name: 'support-agent-runtime', path: '/' },
  vendor: { name: 'vendor-monitoring', path: '/' },
  opsAdmin: { name: 'ops-admin', path: '/' },
  ssoAdmin: { name: 'AWSReservedSSO_AdministratorAccess_1a2b3c4d5e6f7a8b', path: SSO_PATH },
  ssoReadOnly: { name: 'AWSReservedSSO_ReadOnly_9c8d7e6f5a4b3c2d', path: SSO_PATH },
  config: { name: 'AWSServiceRoleForConfig', path: '/aws-service-role/config.amazonaws.com/' },
  autoScaling: { name: 'AWSServiceRoleForAutoScaling', path: '/aws-service-role/autoscaling.amazonaws.com/' },
} as const satisfies Record<string, RoleDef>;

/** CDK's CloudFormation execution role carries the account and region in its name. */
function cfnExecRole(account: string): RoleDef {
  return { name: `cdk-hnb659fds-cfn-exec-role-${account}-${EU}`, path: '/' };
}

const LEGACY_USER = 'legacy-backup';
const REPORTING_USER = 'svc-reporting';

const MODEL = {
  sonnet: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  haiku: 'anthropic.claude-3-haiku-20240307-v1:0',
  opus: 'anthropic.claude-3-opus-20240229-v1:0',
} as const;

const BUCKET = {
  appData: 'acme-prod-app-data',
  backups: 'acme-prod-backups',
  batch: 'acme-batch-data',
  finance: 'acme-finance-reports',
  orgTrail: `acme-org-cloudtrail-${SECURITY}`,
} as const;

const ORG_TRAIL_ARN = `arn:aws:cloudtrail:${EU}:${SECURITY}:trail/acme-org-trail`;
const DATA_TRAIL_ARN = `arn:aws:cloudtrail:${EU}:${PROD}:trail/acme-prod-data-events`;
const CLOUDTRAIL_KEY_ARN = `arn:aws:kms:${EU}:${SECURITY}:key/4c1d7e2a-9b3f-4a6e-8d5c-2f7b9e1a3c60`;
const IDENTITY_STORE_ARN = `arn:aws:identitystore::${SECURITY}:identitystore/d-93670c1a2b`;
const GITHUB_OIDC = 'token.actions.githubusercontent.com';
const VENDOR_EXTERNAL_ID = 'nimbusmon-acme-4f1c9e2a';

/** Browser, SDK and tool user agents, one per kind of caller. */
const UA = {
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  firefox: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:133.0) Gecko/20100101 Firefox/133.0',
  awsInternal: 'AWS Internal',
  backup:
    'Boto3/1.26.137 md/Botocore#1.29.137 ua/2.0 os/linux#5.15.0-105-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.29.137',
  reporting:
    'Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.15.0-119-generic md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144',
  batch:
    'Boto3/1.35.76 md/Botocore#1.35.76 ua/2.0 os/linux#6.1.115-126.197.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.76',
  attackerCurl: 'curl/8.5.0',
  attackerBoto:
    'Boto3/1.35.99 md/Botocore#1.35.99 ua/2.0 os/linux#6.8.0-1021-azure md/arch#x86_64 lang/python#3.10.16 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.99 Resource',
  docker:
    'docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0-1017-aws os/linux arch/amd64 UpstreamClient(Docker-Client/27.3.1 \\(linux\\))',
  ghaCredentials:
    'aws-sdk-js/3.682.0 ua/2.1 os/linux#6.8.0-1017-aws lang/js md/nodejs#20.18.0 api/sts#3.682.0 configure-aws-credentials-for-github-actions',
  strands:
    'strands-agents/1.9.1 Boto3/1.40.45 md/Botocore#1.40.45 ua/2.1 os/linux#5.10.240-238.955.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.11 md/pyimpl#CPython cfg/retry-mode#standard botocore/1.40.45',
} as const;

/** SDK user agents name the service client (`api/<id>#<version>`), so some depend on the call. */
type UserAgent = string | ((source: string, name: string) => string);

const lambdaNodeUa = (source: string, name: string): string =>
  `aws-sdk-js/3.693.0 ua/2.1 os/linux#5.10.227-239.884.amzn2.x86_64 lang/js md/nodejs#20.18.0 api/${apiId(source, name)}#3.693.0 exec-env/AWS_Lambda_nodejs20.x`;
const cdkUa = (source: string, name: string): string =>
  `aws-sdk-js/3.699.0 ua/2.1 os/linux#6.8.0-1017-aws lang/js md/nodejs#20.18.1 api/${apiId(source, name)}#3.699.0 m/E aws-cdk/2.171.1`;
const cliUa = (source: string, name: string): string =>
  `aws-cli/2.22.35 md/awscrt#0.23.8 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#${cliCommand(source, name)}`;
const terraformUa = (source: string, name: string): string =>
  `APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.82.2 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.7 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/${apiId(source, name)}#${goClientVersion(source)}`;
const vendorUa = (source: string, name: string): string =>
  `aws-sdk-go-v2/1.32.6 ua/2.1 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64 api/${apiId(source, name)}#${goClientVersion(source)} nimbusmon-collector/4.12.0`;

/** Diurnal load of customer-facing workloads by UTC hour (mean about 1.0). */
const LOAD = [
  0.5, 0.45, 0.45, 0.45, 0.5, 0.6, 0.8, 1.1, 1.35, 1.45, 1.5, 1.5, 1.45, 1.5, 1.5, 1.4, 1.3, 1.15, 1.05, 0.95,
  0.85, 0.75, 0.65, 0.55,
] as const;

interface Grant {
  readonly account: string;
  readonly role: RoleDef;
  readonly weight: number;
}

interface Person {
  readonly id: string;
  readonly email: string;
  readonly ip: string;
  readonly browser: string;
  /** Identity Center user id (a UUID in the identity store). */
  readonly idcUserId: string;
  readonly grants: readonly Grant[];
}

const PEOPLE: readonly Person[] = [
  {
    id: 'alice',
    email: 'alice@acme.example',
    ip: IP.alice,
    browser: UA.chrome,
    idcUserId: '93670c1a-8051-70d2-4e1f-6b2c9a0d7e31',
    grants: [
      { account: PROD, role: ROLE.ssoAdmin, weight: 3 },
      { account: STAGING, role: ROLE.ssoAdmin, weight: 2 },
    ],
  },
  {
    id: 'bob',
    email: 'bob@acme.example',
    ip: IP.bob,
    browser: UA.safari,
    idcUserId: '93670c1a-8051-70d2-5a3e-1c7f4b9d2e86',
    grants: [
      { account: PROD, role: ROLE.ssoReadOnly, weight: 3 },
      { account: STAGING, role: ROLE.ssoReadOnly, weight: 1 },
    ],
  },
  {
    id: 'carol',
    email: 'carol@acme.example',
    ip: IP.carol,
    browser: UA.firefox,
    idcUserId: '93670c1a-8051-70d2-6d4b-3e8a5c1f9b02',
    grants: [
      { account: DEV, role: ROLE.ssoAdmin, weight: 4 },
      { account: STAGING, role: ROLE.ssoReadOnly, weight: 1 },
    ],
  },
];

/** One API operation a person or poller may pick; `params` builds a fresh object per record. */
interface Op {
  readonly source: string;
  readonly name: string;
  readonly params: (account: string) => Json;
}

function op(source: string, name: string, params: (account: string) => Json = () => ({})): Op {
  return { source, name, params };
}

const INSTANCE = 'i-0c5d9e8f7a6b54321';
const instances = (instanceId: string) => ({ instancesSet: { items: [{ instanceId }] } });

const READ_OPS: readonly Op[] = [
  op('ec2', 'DescribeInstances', () => ({ instancesSet: {}, filterSet: {} })),
  op('ec2', 'DescribeSecurityGroups', () => ({ securityGroupSet: {} })),
  op('ec2', 'DescribeVpcs', () => ({ vpcSet: {}, filterSet: {} })),
  op('cloudformation', 'DescribeStacks', () => ({ stackName: 'robot-api' })),
  op('cloudformation', 'ListStacks'),
  op('lambda', 'ListFunctions20150331'),
  op('lambda', 'GetFunction20150331v2', () => ({ functionName: 'orders-api' })),
  op('iam', 'ListRoles'),
  op('iam', 'GetRole', () => ({ roleName: 'orders-api-role' })),
  op('logs', 'DescribeLogGroups', () => ({ limit: 50 })),
  op('s3', 'ListBuckets', () => ({ Host: `s3.${EU}.amazonaws.com` })),
  op('dynamodb', 'DescribeTable', () => ({ tableName: 'orders' })),
  op('cloudtrail', 'LookupEvents', () => ({ maxResults: 50 })),
  op('ssm', 'GetParameter', () => ({ name: '/robot-api/feature-flags' })),
  op('kms', 'ListAliases'),
];

const WRITE_OPS: readonly Op[] = [
  op('ec2', 'StopInstances', () => ({ ...instances(INSTANCE), force: false })),
  op('ec2', 'StartInstances', () => instances(INSTANCE)),
  op('ssm', 'PutParameter', () => ({ name: '/robot-api/feature-flags', type: 'String', overwrite: true })),
  op('lambda', 'UpdateFunctionConfiguration20150331v2', () => ({ functionName: 'orders-api', timeout: 30 })),
  op('monitoring', 'PutMetricAlarm', () => ({ alarmName: 'orders-api-errors', threshold: 5 })),
  op('iam', 'TagRole', () => ({ roleName: 'orders-api-role', tags: [{ key: 'owner', value: 'platform' }] })),
];

const OPS_ADMIN_OPS: readonly Op[] = [
  op('ecs', 'DescribeServices', () => ({ cluster: 'prod', services: ['support-agent'] })),
  op('ecs', 'UpdateService', () => ({ cluster: 'prod', service: 'support-agent', desiredCount: 3 })),
  op('autoscaling', 'UpdateAutoScalingGroup', () => ({ autoScalingGroupName: 'batch-workers', maxSize: 8 })),
  op('ec2', 'RebootInstances', () => instances('i-0a1b2c3d4e5f60718')),
  op('ssm', 'SendCommand', () => ({
    documentName: 'AWS-RunShellScript',
    instanceIds: ['i-0a1b2c3d4e5f60718'],
    parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS',
  })),
  op('ec2', 'DescribeInstances', () => ({ instancesSet: {}, filterSet: {} })),
];

const TERRAFORM_OPS: readonly Op[] = [
  op('ec2', 'DescribeVpcs', () => ({ vpcSet: {}, filterSet: {} })),
  op('ec2', 'DescribeSubnets', () => ({ subnetSet: {}, filterSet: {} })),
  op('ec2', 'DescribeSecurityGroups', () => ({ securityGroupSet: {} })),
  op('iam', 'GetRole', () => ({ roleName: 'orders-api-role' })),
  op('iam', 'ListRolePolicies', () => ({ roleName: 'orders-api-role' })),
  op('lambda', 'GetFunction20150331v2', () => ({ functionName: 'orders-api' })),
  op('s3', 'GetBucketVersioning', () => ({ bucketName: 'acme-dev-sandbox', versioning: '' })),
  op('ec2', 'AuthorizeSecurityGroupIngress', () => ({
    groupId: 'sg-0de1a2b3c4d5e6f70',
    ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443 }] },
  })),
  op('lambda', 'UpdateFunctionCode20150331v2', () => ({ functionName: 'orders-api', publish: true })),
];

const VENDOR_OPS: readonly Op[] = [
  op('ec2', 'DescribeInstances', () => ({ instancesSet: {}, filterSet: {} })),
  op('ec2', 'DescribeVolumes', () => ({ volumeSet: {}, filterSet: {} })),
  op('rds', 'DescribeDBInstances'),
  op('lambda', 'ListFunctions20150331'),
  op('dynamodb', 'ListTables'),
  op('sqs', 'ListQueues'),
  op('elasticloadbalancing', 'DescribeLoadBalancers'),
  op('tagging', 'GetResources', () => ({ resourcesPerPage: 100 })),
  op('s3', 'GetBucketPolicy', () => ({ bucketName: BUCKET.appData, policy: '' })),
];

const CONFIG_OPS: readonly Op[] = [
  op('ec2', 'DescribeInstances', () => ({ instancesSet: {}, filterSet: {} })),
  op('ec2', 'DescribeSecurityGroups', () => ({ securityGroupSet: {} })),
  op('ec2', 'DescribeNetworkInterfaces', () => ({ networkInterfaceIdSet: {} })),
  op('s3', 'GetBucketAcl', () => ({ bucketName: BUCKET.appData, acl: '' })),
  op('s3', 'GetBucketEncryption', () => ({ bucketName: BUCKET.backups, encryption: '' })),
  op('iam', 'ListAttachedRolePolicies', () => ({ roleName: 'orders-api-role' })),
  op('iam', 'GetPolicy', (account) => ({ policyArn: `arn:aws:iam::${account}:policy/orders-api-access` })),
  op('lambda', 'GetFunction20150331v2', () => ({ functionName: 'orders-api' })),
];

// ---------------------------------------------------------------------------------------------------
// Incidents: fixed days (every month has at least 28) and UTC start times
// ---------------------------------------------------------------------------------------------------

interface When {
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

const INCIDENT = {
  svcConsole: { day: 3, hour: 13, minute: 20 },
  llmjacking: { day: 9, hour: 2, minute: 13 },
  stopLogging: { day: 9, hour: 3, minute: 2 },
  rotation: { day: 10, hour: 10, minute: 2 },
  rotationDelete: { day: 13, hour: 9, minute: 30 },
  agentScope: { day: 18, hour: 14, minute: 5 },
} as const satisfies Record<string, When>;

const LEGACY_USER_ARN = `arn:aws:iam::${PROD}:user/${LEGACY_USER}`;
const REPORTING_USER_ARN = `arn:aws:iam::${PROD}:user/${REPORTING_USER}`;

// ---------------------------------------------------------------------------------------------------
// Seeded randomness and formatting
// ---------------------------------------------------------------------------------------------------

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = `${ALNUM}+/`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** murmur3's finaliser: a bijection on 32-bit integers, so distinct inputs give distinct outputs. */
function fmix32(input: number): number {
  let x = input >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hash32(text: string, seed: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** sfc32 seeded from a string key, so every routine-hour draws from its own stream. */
class Rand {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, key: string) {
    this.a = hash32(key, seed);
    this.b = hash32(key, seed ^ 0x9e3779b9);
    this.c = hash32(key, seed ^ 0x85ebca6b);
    this.d = hash32(key, seed ^ 0xc2b2ae35);
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.u32() / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** floor(rate + u): an integer whose expectation is exactly `rate`, so volume is linear in scale. */
  quota(rate: number): number {
    return Math.floor(rate + this.next());
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [value, w] of entries) {
      x -= w;
      if (x < 0) return value;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  }

  chars(n: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet.charAt(this.u32() % alphabet.length);
    return out;
  }

  hex(n: number): string {
    let out = '';
    while (out.length < n) out += this.u32().toString(16).padStart(8, '0');
    return out.slice(0, n);
  }

  uuid(): string {
    const h = this.hex(30);
    const variant = '89ab'.charAt(this.u32() & 3);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(12, 15)}-${variant}${h.slice(15, 18)}-${h.slice(18, 30)}`;
  }

  /** A temporary (STS) access key id. */
  asia(): string {
    return `ASIA${this.chars(16, BASE32)}`;
  }

  sessionToken(): string {
    return `IQoJb3JpZ2luX2VjE${this.chars(96, B64)}`;
  }
}

/** Seed-independent characters for fixed identifiers (role ids, long-term keys): stable across runs. */
function stableChars(name: string, n: number, alphabet: string): string {
  return new Rand(0x5eed, name).chars(n, alphabet);
}

/** Memoised per name: a handful of entries, computed once instead of once per record. */
function memo(fn: (key: string) => string): (key: string) => string {
  const cache = new Map<string, string>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = fn(key);
      cache.set(key, value);
    }
    return value;
  };
}

const roleIdOf = memo((key) => `AROA${stableChars(key, 17, BASE32)}`);
const userIdOf = memo((key) => `AIDA${stableChars(key, 17, BASE32)}`);
const vpceIdOf = memo((key) => `vpce-${stableChars(key, 17, '0123456789abcdef')}`);
const secretSuffixOf = memo((key) => stableChars(key, 6, ALNUM));

const LEGACY_KEY_OLD = `AKIA${stableChars('legacy-backup#1', 16, BASE32)}`;
const LEGACY_KEY_NEW = `AKIA${stableChars('legacy-backup#2', 16, BASE32)}`;
const REPORTING_KEY = `AKIA${stableChars('svc-reporting#1', 16, BASE32)}`;
const AGENT_CREATED_KEY = `AKIA${stableChars('svc-reporting#2', 16, BASE32)}`;

function iso(ms: number): string {
  return `${new Date(ms - (ms % SEC)).toISOString().slice(0, 19)}Z`;
}

/** STS `expiration` style, `Jan 5, 2026, 11:23:45 AM`; IAM `createDate` has no comma after the year. */
function awsDate(ms: number, stsStyle = true): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}${stsStyle ? ',' : ''} ${clock}`;
}

const RUNTIME_OPERATION = /^(Invoke|Converse)/;

/** The `api/<id>` token SDK user agents carry. */
function apiId(source: string, name: string): string {
  if (source === 'bedrock' && RUNTIME_OPERATION.test(name)) return 'bedrock-runtime';
  if (source === 'monitoring') return 'cloudwatch';
  if (source === 'secretsmanager') return 'secrets-manager';
  if (source === 'tagging') return 'resource-groups-tagging-api';
  return source;
}

function goClientVersion(source: string): string {
  return `1.${hash32(source, 7) % 90}.${hash32(source, 9) % 12}`;
}

/** The IAM action behind an event name (Lambda's names carry an API version suffix). */
function actionName(name: string): string {
  return name.replace(/\d{8}(v\d)?$/, '');
}

/** The `md/command#service.operation` token of AWS CLI v2 user agents. */
function cliCommand(source: string, name: string): string {
  const command = actionName(name)
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
  return `${apiId(source, name)}.${command}`;
}

// ---------------------------------------------------------------------------------------------------
// Identities and callers
// ---------------------------------------------------------------------------------------------------

/** A live role session: the ASIA key it was issued and everything its `userIdentity` shows. */
interface Session {
  readonly account: string;
  readonly role: RoleDef;
  readonly roleId: string;
  readonly roleArn: string;
  readonly name: string;
  readonly arn: string;
  readonly key: string;
  readonly createdAt: number;
  readonly created: string;
  readonly renewAt: number;
  readonly sourceIdentity?: string;
  readonly ec2?: boolean;
  readonly webIdProvider?: string;
}

interface SessionSpec {
  account: string;
  role: RoleDef;
  name: string;
  key: string;
  createdAt: number;
  renewAt?: number;
  sourceIdentity?: string;
  ec2?: boolean;
  webIdProvider?: string;
}

function roleArn(account: string, role: RoleDef): string {
  return `arn:aws:iam::${account}:role${role.path}${role.name}`;
}

function newSession(spec: SessionSpec): Session {
  const { renewAt, ...rest } = spec;
  return {
    ...rest,
    roleId: roleIdOf(`${spec.account}/${spec.role.name}`),
    roleArn: roleArn(spec.account, spec.role),
    arn: `arn:aws:sts::${spec.account}:assumed-role/${spec.role.name}/${spec.name}`,
    created: iso(spec.createdAt),
    renewAt: renewAt ?? spec.createdAt + HOUR,
  };
}

function sessionIdentity(s: Session, invokedBy?: string): Json {
  const sessionContext: Json = {
    sessionIssuer: {
      type: 'Role',
      principalId: s.roleId,
      arn: s.roleArn,
      accountId: s.account,
      userName: s.role.name,
    },
    webIdFederationData: s.webIdProvider ? { federatedProvider: s.webIdProvider, attributes: {} } : {},
    attributes: { creationDate: s.created, mfaAuthenticated: 'false' },
  };
  if (s.sourceIdentity) sessionContext.sourceIdentity = s.sourceIdentity;
  if (s.ec2) sessionContext.ec2RoleDelivery = '2.0';
  const identity: Json = {
    type: 'AssumedRole',
    principalId: `${s.roleId}:${s.name}`,
    arn: s.arn,
    accountId: s.account,
    accessKeyId: s.key,
    sessionContext,
  };
  if (invokedBy) identity.invokedBy = invokedBy;
  return identity;
}

/** An IAM user (in prod unless told); a console sign-in gives it a temporary key and a session context. */
function iamUserIdentity(
  userName: string,
  key: string | undefined,
  consoleSince?: number,
  account: string = PROD,
): Json {
  const identity: Json = {
    type: 'IAMUser',
    principalId: userIdOf(`${account}/${userName}`),
    arn: `arn:aws:iam::${account}:user/${userName}`,
    accountId: account,
  };
  if (key !== undefined) identity.accessKeyId = key;
  identity.userName = userName;
  if (consoleSince !== undefined) {
    const attributes = { creationDate: iso(consoleSince), mfaAuthenticated: 'false' };
    identity.sessionContext = { sessionIssuer: {}, webIdFederationData: {}, attributes };
  }
  return identity;
}

/** Who is calling, and from where: the part of a record that does not depend on the operation. */
interface Caller {
  readonly identity: () => Json;
  readonly ip: string;
  readonly ua: UserAgent;
  /** Calls into this region go through VPC endpoints and show a private address. */
  readonly vpc?: { readonly region: string; readonly account: string; readonly ip: string };
  readonly console?: boolean;
  /** An AWS service made the call: its name is address and agent, and there is no TLS detail. */
  readonly service?: boolean;
  readonly tls12?: boolean;
}

function serviceCaller(service: string): Caller {
  return {
    identity: () => ({ type: 'AWSService', invokedBy: service }),
    ip: service,
    ua: service,
    service: true,
  };
}

function roleCaller(s: Session, ip: string, ua: UserAgent, extra: Partial<Caller> = {}): Caller {
  return { identity: () => sessionIdentity(s), ip, ua, ...extra };
}

/** A service acting with a role it assumed (CloudFormation, Config, Bedrock Agents, Auto Scaling). */
function viaServiceCaller(s: Session, service: string): Caller {
  return { identity: () => sessionIdentity(s, service), ip: service, ua: service, service: true };
}

// ---------------------------------------------------------------------------------------------------
// Record emission
// ---------------------------------------------------------------------------------------------------

/** One API call, in the terms of its CloudTrail record. */
interface Call {
  source: string;
  name: string;
  region: string;
  account: string;
  readOnly: boolean;
  params: Json | null;
  response?: Json | null;
  resources?: Json[];
  error?: readonly [code: string, message: string];
  extra?: Json;
  data?: boolean;
  eventType?: 'AwsApiCall' | 'AwsConsoleSignIn';
  shared?: boolean;
  host?: string;
  /** Calls the console backend makes for the user: address and agent read `AWS Internal`. */
  internal?: boolean;
}

/** Read-only by name, as CloudTrail's `readOnly` mostly is; the model runtime calls count as reads. */
const READ_NAME = /^(Describe|List|Get|Lookup|BatchGet|BatchCheck|Head|Converse|InvokeModel)/;

function api(
  source: string,
  name: string,
  region: string,
  account: string,
  params: Json | null = null,
  more: Partial<Call> = {},
): Call {
  return { source, name, region, account, readOnly: READ_NAME.test(name), params, ...more };
}

interface Pending {
  readonly t: number;
  readonly seq: number;
  readonly record: CloudTrailRecord;
}

interface Hour {
  readonly start: number;
  readonly index: number;
  /** Day of month, 1-based. */
  readonly day: number;
  readonly hour: number;
  readonly dayStart: number;
  readonly weekend: boolean;
}

/** Generator state; its size does not depend on the number of events. */
interface Gen {
  readonly seed: number;
  readonly scale: number;
  readonly monthStart: number;
  readonly monthEnd: number;
  readonly idSalt: number;
  seq: number;
  /** Start of the hour being built: nothing may be emitted before it. */
  floor: number;
  pending: Pending[];
  readonly sessions: Map<string, Session>;
  /** Incident 4 narrows prod data events until the administrator restores them in incident 5. */
  readonly dataGap: readonly [number, number];
  /** When the legacy key was replaced: the old key is never used after this. */
  readonly rotatedAt: number;
  /** The extra workloads of the month, if any were asked for. */
  readonly fleet: Fleet | undefined;
}

const VPCE_SERVICES = new Set([
  's3',
  'dynamodb',
  'sqs',
  'kms',
  'secretsmanager',
  'monitoring',
  'bedrock',
  'lambda',
]);

/** The `clientProvidedHostHeader` a client of this endpoint sends. */
function hostFor(call: Call): string {
  const { source, region, name } = call;
  if (call.host) return call.host;
  if (source === 'iam') return 'iam.amazonaws.com';
  if (source === 'signin') return `${region}.signin.aws.amazon.com`;
  if (source === 'bedrock' && RUNTIME_OPERATION.test(name)) return `bedrock-runtime.${region}.amazonaws.com`;
  if (source === 'ecr') return `api.ecr.${region}.amazonaws.com`;
  if (source === 'sso') return `portal.sso.${region}.amazonaws.com`;
  return `${source}.${region}.amazonaws.com`;
}

const EVENT_VERSION: Readonly<Record<string, string>> = {
  sts: '1.08',
  signin: '1.08',
  iam: '1.08',
  s3: '1.10',
  bedrock: '1.10',
  sso: '1.10',
  cloudtrail: '1.11',
};

function recordedDataEvent(g: Gen, call: Call, t: number): boolean {
  if (call.account !== PROD || t < g.dataGap[0] || t >= g.dataGap[1]) return true;
  // The narrowed selector keeps only S3 object events of the batch bucket.
  return call.source === 's3' && call.params?.bucketName === BUCKET.batch;
}

/** Builds the record of `call` made by `caller` at `t`, in CloudTrail's field order, and queues it. */
function emit(g: Gen, r: Rand, t: number, caller: Caller, call: Call): void {
  if (t < g.floor) throw new Error(`sample generator: ${call.name} at ${iso(t)} is before the current hour`);
  if (t >= g.monthEnd || (call.data && !recordedDataEvent(g, call, t))) return;
  const seq = g.seq++;
  const vpc = caller.vpc?.region === call.region && VPCE_SERVICES.has(call.source) ? caller.vpc : undefined;
  const internal = call.internal === true;
  const ua = typeof caller.ua === 'string' ? caller.ua : caller.ua(call.source, call.name);
  const record: CloudTrailRecord = {
    eventVersion: call.data ? '1.09' : (EVENT_VERSION[call.source] ?? '1.09'),
    userIdentity: caller.identity(),
    eventTime: iso(t),
    eventSource: `${call.source}.amazonaws.com`,
    eventName: call.name,
    awsRegion: call.region,
    sourceIPAddress: internal ? UA.awsInternal : (vpc?.ip ?? caller.ip),
    userAgent: internal ? UA.awsInternal : ua,
  };
  if (call.error) {
    record.errorCode = call.error[0];
    record.errorMessage = call.error[1];
  }
  record.requestParameters = call.params;
  record.responseElements = call.error ? null : (call.response ?? null);
  if (call.extra) record.additionalEventData = call.extra;
  // Sign-in events carry no request id; S3's are 16 upper-case hex digits.
  if (call.source !== 'signin') record.requestID = call.source === 's3' ? r.hex(16).toUpperCase() : r.uuid();
  record.eventID = eventId(g, seq, r);
  record.readOnly = call.readOnly;
  if (call.resources) record.resources = call.resources;
  record.eventType = call.eventType ?? 'AwsApiCall';
  record.managementEvent = !call.data;
  record.recipientAccountId = call.account;
  if (call.shared) record.sharedEventID = r.uuid();
  if (vpc && !internal) {
    record.vpcEndpointId = vpceIdOf(`${vpc.account}/${call.region}/${call.source}`);
    record.vpcEndpointAccountId = vpc.account;
  }
  record.eventCategory = call.data ? 'Data' : 'Management';
  if (!caller.service && !internal) {
    const host = hostFor(call);
    record.tlsDetails = caller.tls12
      ? { tlsVersion: 'TLSv1.2', cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', clientProvidedHostHeader: host }
      : { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: host };
  }
  if (caller.console && call.eventType !== 'AwsConsoleSignIn') record.sessionCredentialFromConsole = 'true';
  g.pending.push({ t, seq, record });
}

/** UUID-shaped and unique: the first group is a bijection of the event's sequence number. */
function eventId(g: Gen, seq: number, r: Rand): string {
  const head = fmix32(seq ^ g.idSalt)
    .toString(16)
    .padStart(8, '0');
  const tail = r.hex(22);
  const variant = '89ab'.charAt(r.u32() & 3);
  return `${head}-${tail.slice(0, 4)}-4${tail.slice(4, 7)}-${variant}${tail.slice(7, 10)}-${tail.slice(10, 22)}`;
}

function denied(
  principalArn: string,
  source: string,
  name: string,
  resource = '*',
): readonly [string, string] {
  const action = `${source === 'monitoring' ? 'cloudwatch' : source}:${actionName(name)}`;
  const message = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
  return source === 'ec2'
    ? ['Client.UnauthorizedOperation', `You are not authorized to perform this operation. ${message}`]
    : ['AccessDenied', message];
}

/** A time in the hour, after the first 90 s in which sessions are (re)issued. */
function within(r: Rand, h: Hour): number {
  return h.start + 90 * SEC + Math.floor(r.next() * (HOUR - 91 * SEC));
}

/** A clock for scripted sequences: each step moves it on by a random number of seconds. */
type Clock = (lo: number, hi: number) => number;

function clock(r: Rand, start: number): Clock {
  let t = start;
  return (lo, hi) => {
    t += r.int(lo, hi) * SEC;
    return t;
  };
}

function at(monthStart: number, when: When): number {
  return monthStart + (when.day - 1) * DAY + when.hour * HOUR + when.minute * MIN;
}

function rand(g: Gen, ...parts: readonly (string | number)[]): Rand {
  return new Rand(g.seed, parts.join('|'));
}

// ---------------------------------------------------------------------------------------------------
// Calls shared by several routines
// ---------------------------------------------------------------------------------------------------

function roleResource(s: Session): Json[] {
  return [{ accountId: s.account, type: 'AWS::IAM::Role', ARN: s.roleArn }];
}

function credentials(r: Rand, s: Session, lifetime: number): Json {
  return { accessKeyId: s.key, sessionToken: r.sessionToken(), expiration: awsDate(s.createdAt + lifetime) };
}

/** The STS AssumeRole record that issued `s`; its response carries the key the session then uses. */
function assumeRoleCall(
  r: Rand,
  s: Session,
  region: string,
  more: Partial<Call> & { lifetime?: number } = {},
): Call {
  const { lifetime = HOUR, params, ...rest } = more;
  const response: Json = {
    credentials: credentials(r, s, lifetime),
    assumedRoleUser: { assumedRoleId: `${s.roleId}:${s.name}`, arn: s.arn },
  };
  if (s.sourceIdentity) response.sourceIdentity = s.sourceIdentity;
  return api(
    'sts',
    'AssumeRole',
    region,
    s.account,
    { roleArn: s.roleArn, roleSessionName: s.name, ...params },
    {
      readOnly: true,
      response,
      resources: roleResource(s),
      ...rest,
    },
  );
}

interface ServiceSessionSpec {
  key: string;
  account: string;
  region: string;
  role: RoleDef;
  name: string;
  service: string;
  ttlHours: number;
  ec2?: boolean;
}

/**
 * The live session of a role an AWS service assumes on a schedule (Lambda, EC2, ECS, Bedrock, Config);
 * a new one, with its AssumeRole record, is issued at the top of the hour the old one is due.
 */
function serviceSession(g: Gen, r: Rand, h: Hour, spec: ServiceSessionSpec): Session {
  const live = g.sessions.get(spec.key);
  if (live && h.start < live.renewAt) return live;
  const t = h.start + r.int(2, 60) * SEC;
  const s = newSession({
    account: spec.account,
    role: spec.role,
    name: spec.name,
    key: r.asia(),
    createdAt: t,
    renewAt: h.start + spec.ttlHours * HOUR,
    ...(spec.ec2 ? { ec2: true } : {}),
  });
  g.sessions.set(spec.key, s);
  const lifetime = spec.ttlHours * HOUR + 15 * MIN;
  emit(g, r, t, serviceCaller(spec.service), assumeRoleCall(r, s, spec.region, { lifetime, shared: true }));
  return s;
}

function functionArn(account: string, region: string, name: string): string {
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

function secretArn(account: string, region: string, name: string): string {
  return `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${secretSuffixOf(name)}`;
}

function appKeyArn(account: string): string {
  const id =
    account === PROD ? '7d3f9a52-1c4e-4b8a-9f2d-6e5c4b3a2918' : '2b8e6c41-5d7a-4f39-a0c2-9e1d3b5f7a64';
  return `arn:aws:kms:${EU}:${account}:key/${id}`;
}

function dynamoCall(r: Rand, account: string, region: string, name: string): Call {
  const params: Json =
    name === 'Query'
      ? {
          tableName: 'orders',
          indexName: 'by-customer',
          keyConditionExpression: 'customerId = :c',
          limit: 20,
        }
      : { tableName: 'orders', key: { orderId: `ORD-${r.int(100000, 999999)}` } };
  const ARN = `arn:aws:dynamodb:${region}:${account}:table/orders`;
  return api('dynamodb', name, region, account, params, {
    readOnly: name === 'GetItem' || name === 'Query',
    data: true,
    resources: [{ accountId: account, type: 'AWS::DynamoDB::Table', ARN }],
  });
}

function s3ObjectCall(
  r: Rand,
  account: string,
  region: string,
  name: string,
  bucket: string,
  key: string,
): Call {
  const readOnly = name === 'GetObject';
  const bytes = r.int(2_000, 9_000_000);
  const host = `${bucket}.s3.${region}.amazonaws.com`;
  return api(
    's3',
    name,
    region,
    account,
    { bucketName: bucket, Host: host, key },
    {
      data: true,
      extra: {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: readOnly ? 0 : bytes,
        AuthenticationMethod: 'AuthHeader',
        'x-amz-id-2': r.chars(56, B64),
        bytesTransferredOut: readOnly ? bytes : 0,
      },
      resources: [
        { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
        { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
      ],
      host,
    },
  );
}

function lambdaInvokeCall(account: string, region: string, fn: string): Call {
  const ARN = functionArn(account, region, fn);
  return api(
    'lambda',
    'Invoke',
    region,
    account,
    { functionName: ARN, invocationType: 'RequestResponse' },
    {
      data: true,
      extra: { functionVersion: `${ARN}:$LATEST` },
      resources: [{ accountId: account, type: 'AWS::Lambda::Function', ARN }],
    },
  );
}

function bedrockCall(name: string, modelId: string): Call {
  return api('bedrock', name, US, PROD, { modelId });
}

function secretCall(account: string, region: string, name: string): Call {
  return api('secretsmanager', 'GetSecretValue', region, account, {
    secretId: secretArn(account, region, name),
  });
}

function decryptCall(account: string, region: string, encryptionContext: Json): Call {
  const ARN = appKeyArn(account);
  return api(
    'kms',
    'Decrypt',
    region,
    account,
    { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext },
    {
      readOnly: true,
      resources: [{ accountId: account, type: 'AWS::KMS::Key', ARN }],
    },
  );
}

/** IAM is global: its events are recorded in us-east-1. */
function opCall(o: Op, account: string, region: string): Call {
  return api(o.source, o.name, o.source === 'iam' ? US : region, account, o.params(account));
}

// ---------------------------------------------------------------------------------------------------
// Routines: one small function per identity
// ---------------------------------------------------------------------------------------------------

type Routine = (g: Gen, h: Hour) => void;

const ORDERS_API_MIX = [
  ['GetItem', 30],
  ['Query', 12],
  ['PutItem', 10],
  ['UpdateItem', 8],
  ['SendMessage', 14],
  ['Decrypt', 20],
  ['GetSecretValue', 4],
] as const;

/** Lambda `orders-api` (prod and staging): DynamoDB, SQS, KMS and Secrets Manager at a steady rate. */
function ordersApi(g: Gen, h: Hour): void {
  const targets = [
    { account: PROD, rate: 7, env: 'prod', subnet: 10 },
    { account: STAGING, rate: 1.2, env: 'staging', subnet: 20 },
  ] as const;
  for (const { account, rate, env, subnet } of targets) {
    const r = rand(g, 'orders-api', account, h.index);
    const n = r.quota(rate * g.scale * (LOAD[h.hour] ?? 1) * (h.weekend ? 0.7 : 1));
    const s = serviceSession(g, r, h, {
      key: `orders-api/${account}`,
      account,
      region: EU,
      role: ROLE.ordersApi,
      name: 'orders-api',
      service: 'lambda.amazonaws.com',
      ttlHours: 4,
    });
    const vpc = { region: EU, account, ip: `10.${subnet}.${r.int(10, 13)}.${r.int(4, 250)}` };
    const caller = roleCaller(s, IP.natEu, lambdaNodeUa, { vpc });
    const queue = { name: 'orders-events', url: `https://sqs.${EU}.amazonaws.com/${account}/orders-events` };
    for (let i = 0; i < n; i++) {
      const t = within(r, h);
      const kind = r.weighted(ORDERS_API_MIX);
      if (kind === 'SendMessage') {
        const params = { queueUrl: queue.url, messageBody: 'HIDDEN_DUE_TO_SECURITY_REASONS' };
        const ARN = `arn:aws:sqs:${EU}:${account}:${queue.name}`;
        const resources = [{ accountId: account, type: 'AWS::SQS::Queue', ARN }];
        emit(g, r, t, caller, api('sqs', 'SendMessage', EU, account, params, { data: true, resources }));
      } else if (kind === 'Decrypt') {
        const call = decryptCall(account, EU, {
          'aws:lambda:FunctionArn': functionArn(account, EU, 'orders-api'),
        });
        emit(g, r, t, caller, call);
      } else if (kind === 'GetSecretValue') {
        const call = secretCall(account, EU, `${env}/orders/db`);
        // A staging deploy shipped a policy without the secret: a trickle of denials.
        if (account === STAGING && r.chance(0.15)) {
          call.error = denied(
            s.arn,
            'secretsmanager',
            'GetSecretValue',
            secretArn(account, EU, `${env}/orders/db`),
          );
        }
        emit(g, r, t, caller, call);
      } else {
        emit(g, r, t, caller, dynamoCall(r, account, EU, kind));
      }
    }
  }
}

/** EC2 instance role `batch-worker-role`: S3 reads and writes, CloudWatch metrics, via VPC endpoints. */
function batchWorker(g: Gen, h: Hour): void {
  const r = rand(g, 'batch-worker', h.index);
  const n = r.quota(4.5 * g.scale * (h.hour < 6 ? 1.5 : 0.85));
  const s = serviceSession(g, r, h, {
    key: 'batch-worker',
    account: PROD,
    region: EU,
    role: ROLE.batchWorker,
    name: 'i-0a1b2c3d4e5f60718',
    service: 'ec2.amazonaws.com',
    ttlHours: 6,
    ec2: true,
  });
  const caller = roleCaller(s, IP.natEu, UA.batch, { vpc: { region: EU, account: PROD, ip: '10.10.21.14' } });
  const mix = [
    ['GetObject', 40],
    ['PutObject', 25],
    ['PutMetricData', 35],
  ] as const;
  for (let i = 0; i < n; i++) {
    const t = within(r, h);
    const kind = r.weighted(mix);
    if (kind === 'PutMetricData') {
      const params = { namespace: 'Acme/BatchWorker' };
      emit(g, r, t, caller, api('monitoring', 'PutMetricData', EU, PROD, params, { data: true }));
    } else {
      const folder = kind === 'GetObject' ? 'incoming' : 'processed';
      const key = `${folder}/${iso(t).slice(0, 10)}/part-${r.hex(8)}.parquet`;
      emit(g, r, t, caller, s3ObjectCall(r, PROD, EU, kind, BUCKET.batch, key));
    }
  }
}

const CI_TARGETS = [
  {
    account: PROD,
    runsPerDay: 1.5,
    stack: 'robot-api-prod',
    subject: 'repo:acme/robot-api:ref:refs/heads/main',
  },
  {
    account: STAGING,
    runsPerDay: 4,
    stack: 'robot-api-staging',
    subject: 'repo:acme/robot-api:environment:staging',
  },
] as const;

/** GitHub Actions (self-hosted runners, OIDC): deploy runs on weekdays into prod and staging. */
function githubActions(g: Gen, h: Hour): void {
  if (h.weekend) return;
  for (const target of CI_TARGETS) {
    const plan = rand(g, 'gha-plan', target.account, h.day);
    // Deploy frequency follows the team, not the load, so it does not scale.
    const runs = plan.quota(target.runsPerDay);
    for (let i = 0; i < runs; i++) {
      const start = h.dayStart + 7 * HOUR + Math.floor(plan.next() * 10 * HOUR);
      if (start >= h.start && start < h.start + HOUR) {
        ciRun(g, target, start, rand(g, 'gha-run', target.account, h.day, i));
      }
    }
  }
}

/** One deploy: OIDC federation, an image push, then `cdk deploy`. */
function ciRun(g: Gen, target: (typeof CI_TARGETS)[number], t0: number, r: Rand): void {
  const { account, subject } = target;
  const provider = `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC}`;
  const name = `GitHubActions-${r.int(11_000_000_000, 12_999_999_999)}`;
  const s = newSession({
    account,
    role: ROLE.ghaDeploy,
    name,
    key: r.asia(),
    createdAt: t0,
    webIdProvider: provider,
  });
  const runner = r.pick(IP.ciRunners);
  const webIdentity: Caller = {
    identity: () => ({
      type: 'WebIdentityUser',
      principalId: `${GITHUB_OIDC}:sts.amazonaws.com:${subject}`,
      userName: subject,
      identityProvider: GITHUB_OIDC,
    }),
    ip: runner,
    ua: UA.ghaCredentials,
  };
  const federate = { roleArn: s.roleArn, roleSessionName: s.name, durationSeconds: 3600 };
  const assume = api('sts', 'AssumeRoleWithWebIdentity', EU, account, federate, {
    readOnly: true,
    response: {
      credentials: credentials(r, s, HOUR),
      subjectFromWebIdentityToken: subject,
      assumedRoleUser: { assumedRoleId: `${s.roleId}:${s.name}`, arn: s.arn },
      provider,
      audience: 'sts.amazonaws.com',
    },
    resources: roleResource(s),
  });
  emit(g, r, t0, webIdentity, assume);
  const step = clock(r, t0);
  emit(
    g,
    r,
    step(2, 5),
    roleCaller(s, runner, UA.ghaCredentials),
    api('sts', 'GetCallerIdentity', EU, account),
  );
  const tag = pushImage(g, r, s, runner, step);
  cdkDeploy(g, r, s, runner, target.stack, tag, step);
}

/** docker push to ECR, signed with the token GetAuthorizationToken returned; returns the image tag. */
function pushImage(g: Gen, r: Rand, s: Session, runner: string, step: Clock): string {
  const { account } = s;
  const docker = roleCaller(s, runner, UA.docker);
  const ecr = (action: string, params: Json) => api('ecr', action, EU, account, params);
  const repo = { repositoryName: 'robot-api', registryId: account };
  const digest = () => [`sha256:${r.hex(64)}`];
  emit(
    g,
    r,
    step(20, 60),
    roleCaller(s, runner, cdkUa),
    ecr('GetAuthorizationToken', { registryIds: [account] }),
  );
  emit(g, r, step(1, 3), docker, ecr('BatchCheckLayerAvailability', { ...repo, layerDigests: digest() }));
  for (let layer = r.int(1, 3); layer > 0; layer--) {
    const uploadId = r.uuid();
    const initiate = ecr('InitiateLayerUpload', repo);
    initiate.response = { uploadId, partSize: 20_971_520 };
    emit(g, r, step(1, 4), docker, initiate);
    const part = { ...repo, uploadId, partFirstByte: 0, partLastByte: r.int(100_000, 20_000_000) };
    emit(g, r, step(3, 20), docker, ecr('UploadLayerPart', part));
    emit(g, r, step(1, 3), docker, ecr('CompleteLayerUpload', { ...repo, uploadId, layerDigests: digest() }));
  }
  const tag = `sha-${r.hex(7)}`;
  const manifest = 'application/vnd.oci.image.manifest.v1+json';
  const putImage = ecr('PutImage', { ...repo, imageTag: tag, imageManifestMediaType: manifest });
  if (r.chance(0.04)) {
    const message = `Image with digest 'sha256:${r.hex(64)}' and tag '${tag}' already exists in the repository with name 'robot-api' in registry with id '${account}'`;
    putImage.error = ['ImageAlreadyExistsException', message];
  }
  emit(g, r, step(1, 4), docker, putImage);
  return tag;
}

/** `cdk deploy`: a change set the CI role creates and executes, then watches while CloudFormation works. */
function cdkDeploy(
  g: Gen,
  r: Rand,
  s: Session,
  runner: string,
  stackName: string,
  tag: string,
  step: Clock,
): void {
  const cdk = roleCaller(s, runner, cdkUa);
  const cfn = (action: string, params: Json) => api('cloudformation', action, EU, s.account, params);
  const stack = { stackName };
  const changeSet = { ...stack, changeSetName: 'cdk-deploy-change-set' };
  const capabilities = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];
  emit(g, r, step(15, 40), cdk, cfn('DescribeStacks', stack));
  emit(g, r, step(1, 3), cdk, cfn('GetTemplate', { ...stack, templateStage: 'Original' }));
  emit(
    g,
    r,
    step(5, 15),
    cdk,
    cfn('CreateChangeSet', { ...changeSet, changeSetType: 'UPDATE', capabilities }),
  );
  for (let k = r.int(2, 3); k > 0; k--) emit(g, r, step(3, 8), cdk, cfn('DescribeChangeSet', changeSet));
  emit(g, r, step(1, 3), cdk, cfn('ExecuteChangeSet', changeSet));
  cloudFormationApply(g, r, s.account, tag, step(1, 3));
  for (let k = r.int(3, 7); k > 0; k--) emit(g, r, step(5, 15), cdk, cfn('DescribeStackEvents', stack));
  emit(g, r, step(2, 6), cdk, cfn('DescribeStacks', stack));
}

/** CloudFormation assumes the CDK execution role and updates the function (invokedBy cloudformation). */
function cloudFormationApply(g: Gen, r: Rand, account: string, tag: string, t0: number): void {
  const name = 'AWSCloudFormation';
  const exec = newSession({ account, role: cfnExecRole(account), name, key: r.asia(), createdAt: t0 });
  emit(
    g,
    r,
    t0,
    serviceCaller('cloudformation.amazonaws.com'),
    assumeRoleCall(r, exec, EU, { shared: true }),
  );
  const caller = viaServiceCaller(exec, 'cloudformation.amazonaws.com');
  const lambda = (action: string, params: Json) =>
    api('lambda', action, EU, account, { functionName: 'orders-api', ...params });
  const imageUri = `${account}.dkr.ecr.${EU}.amazonaws.com/robot-api:${tag}`;
  const step = clock(r, t0);
  emit(g, r, step(3, 10), caller, lambda('UpdateFunctionCode20150331v2', { imageUri, publish: false }));
  emit(g, r, step(5, 20), caller, lambda('GetFunction20150331v2', {}));
  if (r.chance(0.3)) {
    emit(g, r, step(2, 10), caller, lambda('UpdateFunctionConfiguration20150331v2', { environment: {} }));
  }
}

/**
 * Bedrock Agents `SupportBot` (prod, us-east-1): the Bedrock service, with the agent's execution role,
 * calls the model and invokes the tool Lambdas, whose own role then touches order data.
 */
function supportBot(g: Gen, h: Hour): void {
  const r = rand(g, 'support-bot', h.index);
  const conversations = r.quota(1.6 * g.scale * (LOAD[h.hour] ?? 1));
  const agent = serviceSession(g, r, h, {
    key: 'support-bot',
    account: PROD,
    region: US,
    role: ROLE.bedrockAgent,
    name: `BedrockAgents-${r.hex(8)}`,
    service: 'bedrock.amazonaws.com',
    ttlHours: 1,
  });
  const caller = viaServiceCaller(agent, 'bedrock.amazonaws.com');
  const tools = toolSessions(g, r, h);
  for (let i = 0; i < conversations; i++) {
    let t = within(r, h);
    emit(g, r, t, caller, bedrockCall('InvokeModel', MODEL.sonnet));
    t += r.int(2, 6) * SEC;
    emit(g, r, t, caller, lambdaInvokeCall(PROD, US, 'lookup-order'));
    lookupOrderTool(g, r, t + 400, tools.lookup);
    if (r.chance(0.2)) {
      t += r.int(3, 9) * SEC;
      emit(g, r, t, caller, lambdaInvokeCall(PROD, US, 'refund-order'));
      refundOrderTool(g, r, t + 500, tools.refund);
    }
    t += r.int(2, 6) * SEC;
    emit(g, r, t, caller, bedrockCall('InvokeModel', MODEL.sonnet));
  }
}

function toolSessions(g: Gen, r: Rand, h: Hour): { lookup: Session; refund: Session } {
  const spec = {
    account: PROD,
    region: US,
    role: ROLE.supportTools,
    service: 'lambda.amazonaws.com',
    ttlHours: 4,
  };
  return {
    lookup: serviceSession(g, r, h, { ...spec, key: 'tool/lookup-order', name: 'lookup-order' }),
    refund: serviceSession(g, r, h, { ...spec, key: 'tool/refund-order', name: 'refund-order' }),
  };
}

/** Tool Lambda `lookup-order` (us-east-1) reads the orders table in eu-west-1 over the NAT. */
function lookupOrderTool(g: Gen, r: Rand, t: number, s: Session): void {
  emit(g, r, t, roleCaller(s, IP.natUs, lambdaNodeUa), dynamoCall(r, PROD, EU, 'GetItem'));
}

/** Tool Lambda `refund-order`: the payment API key, a decrypt, and the order update. */
function refundOrderTool(g: Gen, r: Rand, t: number, s: Session): void {
  const vpc = { region: US, account: PROD, ip: `10.40.${r.int(1, 3)}.${r.int(4, 250)}` };
  const caller = roleCaller(s, IP.natUs, lambdaNodeUa, { vpc });
  emit(g, r, t, caller, secretCall(PROD, US, 'prod/payments/refund-api-key'));
  const call = decryptCall(PROD, US, { 'aws:lambda:FunctionArn': functionArn(PROD, US, 'refund-order') });
  emit(g, r, t + 300, caller, call);
  emit(g, r, t + 900, caller, dynamoCall(r, PROD, EU, 'UpdateItem'));
}

/** Strands agent `support-agent-runtime` on ECS (prod, us-east-1): Converse plus a tool Lambda. */
function agentRuntime(g: Gen, h: Hour): void {
  const r = rand(g, 'agent-runtime', h.index);
  const conversations = r.quota(1.2 * g.scale * (LOAD[h.hour] ?? 1));
  const s = serviceSession(g, r, h, {
    key: 'support-agent-runtime',
    account: PROD,
    region: US,
    role: ROLE.agentRuntime,
    name: r.hex(32), // the ECS task id
    service: 'ecs-tasks.amazonaws.com',
    ttlHours: 6,
  });
  const caller = roleCaller(s, IP.natUs, UA.strands, {
    vpc: { region: US, account: PROD, ip: IP.agentRuntime },
  });
  const tools = toolSessions(g, r, h);
  for (let i = 0; i < conversations; i++) {
    let t = within(r, h);
    for (let turn = r.int(1, 3); turn > 0; turn--) {
      const call = bedrockCall(
        r.chance(0.3) ? 'ConverseStream' : 'Converse',
        r.chance(0.8) ? MODEL.sonnet : MODEL.haiku,
      );
      if (r.chance(0.01))
        call.error = ['ThrottlingException', 'Too many requests, please wait before trying again.'];
      emit(g, r, t, caller, call);
      t += r.int(2, 8) * SEC;
    }
    if (r.chance(0.6)) {
      emit(g, r, t, caller, lambdaInvokeCall(PROD, US, 'lookup-order'));
      lookupOrderTool(g, r, t + 350, tools.lookup);
    }
  }
}

/** IAM user `legacy-backup`: a nightly copy job on an on-prem server, signing with a long-lived key. */
function legacyBackup(g: Gen, h: Hour): void {
  if (h.hour !== 1) return;
  const r = rand(g, 'legacy-backup', h.day);
  const objects = r.quota(14 * g.scale);
  let t = h.start + r.int(0, 300) * SEC;
  const key = t < g.rotatedAt ? LEGACY_KEY_OLD : LEGACY_KEY_NEW;
  const caller: Caller = {
    identity: () => iamUserIdentity(LEGACY_USER, key),
    ip: IP.backupServer,
    ua: UA.backup,
    tls12: true,
  };
  emit(g, r, t, caller, api('s3', 'ListBuckets', EU, PROD, { Host: `s3.${EU}.amazonaws.com` }));
  const day = iso(t).slice(0, 10);
  const tables = ['orders', 'customers', 'invoices', 'telemetry'] as const;
  for (let i = 0; i < objects; i++) {
    const object = `exports/${day}/${r.pick(tables)}-${r.hex(6)}.csv.gz`;
    t += r.int(2, 40) * SEC;
    const get = s3ObjectCall(r, PROD, EU, 'GetObject', BUCKET.appData, object);
    if (r.chance(0.03)) get.error = ['AccessDenied', 'Access Denied'];
    emit(g, r, t, caller, get);
    if (get.error) continue;
    t += r.int(1, 20) * SEC;
    emit(g, r, t, caller, s3ObjectCall(r, PROD, EU, 'PutObject', BUCKET.backups, `nightly/${object}`));
  }
}

/** IAM user `svc-reporting`: weekday morning Athena reports from the reporting server. */
function svcReporting(g: Gen, h: Hour): void {
  if (h.weekend || h.hour !== 6) return;
  const r = rand(g, 'svc-reporting', h.day);
  const queries = r.quota(2 * g.scale);
  const caller: Caller = {
    identity: () => iamUserIdentity(REPORTING_USER, REPORTING_KEY),
    ip: IP.reportingServer,
    ua: UA.reporting,
  };
  const athena = (action: string, params: Json) => api('athena', action, EU, PROD, params);
  let t = h.start + r.int(60, 600) * SEC;
  for (let i = 0; i < queries; i++) {
    const queryExecutionId = r.uuid();
    const query = { queryString: 'HIDDEN_DUE_TO_SECURITY_REASONS', workGroup: 'reporting' };
    const call = athena('StartQueryExecution', { ...query, queryExecutionContext: { database: 'finance' } });
    emit(g, r, t, caller, call);
    for (let k = r.int(2, 4); k > 0; k--) {
      t += r.int(2, 10) * SEC;
      emit(g, r, t, caller, athena('GetQueryExecution', { queryExecutionId }));
    }
    t += r.int(1, 3) * SEC;
    emit(g, r, t, caller, athena('GetQueryResults', { queryExecutionId, maxResults: 1000 }));
    t += r.int(1, 3) * SEC;
    const result = `daily/${iso(t).slice(0, 10)}/${queryExecutionId}.csv`;
    emit(g, r, t, caller, s3ObjectCall(r, PROD, EU, 'GetObject', BUCKET.finance, result));
    t += r.int(20, 120) * SEC;
  }
}

/** Vendor role `vendor-monitoring`: the SaaS account assumes it hourly with an external id, then reads. */
function vendorMonitoring(g: Gen, h: Hour): void {
  const r = rand(g, 'vendor', h.index);
  const n = r.quota(3.5 * g.scale);
  const t0 = h.start + r.int(5, 80) * SEC;
  const s = newSession({
    account: PROD,
    role: ROLE.vendor,
    name: `nimbusmon-${r.hex(12)}`,
    key: r.asia(),
    createdAt: t0,
  });
  const ip = r.pick(IP.vendor);
  const vendor: Caller = {
    identity: () => ({
      type: 'AWSAccount',
      principalId: `${roleIdOf(`${VENDOR_ACCOUNT}/nimbus-collector`)}:nimbus-collector`,
      accountId: VENDOR_ACCOUNT,
    }),
    ip,
    ua: vendorUa,
  };
  const params = { durationSeconds: 3600, externalId: VENDOR_EXTERNAL_ID };
  emit(g, r, t0, vendor, assumeRoleCall(r, s, US, { params, shared: true, host: 'sts.amazonaws.com' }));
  const caller = roleCaller(s, ip, vendorUa);
  for (let i = 0; i < n; i++) {
    const o = r.pick(VENDOR_OPS);
    const call = opCall(o, PROD, r.chance(0.7) ? EU : US);
    if (o.name === 'GetBucketPolicy' && r.chance(0.5))
      call.error = ['NoSuchBucketPolicy', 'The bucket policy does not exist'];
    emit(g, r, within(r, h), caller, call);
  }
}

/** Identity Center people: weekday console and CLI sessions, plus alice's chained `ops-admin` role. */
function people(g: Gen, h: Hour): void {
  if (h.weekend) return;
  for (const person of PEOPLE) {
    const plan = rand(g, 'person-plan', person.id, h.day);
    if (plan.next() > 0.9) continue; // a day off
    const sessions = plan.int(1, 3);
    for (let i = 0; i < sessions; i++) {
      const startHour = plan.int(7, 16);
      const minute = plan.int(0, 59);
      const grant = plan.weighted(person.grants.map((gr) => [gr, gr.weight] as const));
      const mode = plan.chance(0.55) ? 'console' : 'cli';
      // People do not scale with load: their volume is the same at any scale.
      const calls = plan.int(10, 36);
      if (startHour === h.hour) {
        const r = rand(g, 'person', person.id, h.day, i);
        humanSession(g, r, person, grant, mode, calls, h.start + minute * MIN);
      }
    }
  }
}

/** The Identity Center portal records the user federating into an account (in the IdC account). */
function identityCenterCall(
  g: Gen,
  r: Rand,
  t: number,
  person: Person,
  grant: Grant,
  mode: 'console' | 'cli',
): void {
  const credentialId = r.chars(43, ALNUM);
  const onBehalfOf = { userId: person.idcUserId, identityStoreArn: IDENTITY_STORE_ARN };
  const caller: Caller = {
    identity: () => ({ type: 'IdentityCenterUser', accountId: SECURITY, onBehalfOf, credentialId }),
    ip: person.ip,
    ua: mode === 'console' ? person.browser : cliUa('sso', 'GetRoleCredentials'),
  };
  const permissionSet = grant.role.name.split('_')[1] ?? grant.role.name;
  const name = mode === 'console' ? 'Federate' : 'GetRoleCredentials';
  const call = api(
    'sso',
    name,
    EU,
    SECURITY,
    { roleName: permissionSet, accountId: grant.account },
    { readOnly: true },
  );
  emit(g, r, t, caller, call);
}

function ssoSession(r: Rand, person: Person, grant: Grant, t: number): Session {
  return newSession({
    account: grant.account,
    role: grant.role,
    name: person.email,
    key: r.asia(),
    createdAt: t,
    renewAt: t + 8 * HOUR,
  });
}

function consoleLogin(account: string, extra: Json): Call {
  const response = { ConsoleLogin: 'Success' };
  return api('signin', 'ConsoleLogin', EU, account, null, {
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    response,
    extra,
  });
}

function humanSession(
  g: Gen,
  r: Rand,
  person: Person,
  grant: Grant,
  mode: 'console' | 'cli',
  calls: number,
  start: number,
): void {
  let t = start;
  identityCenterCall(g, r, t, person, grant, mode);
  t += r.int(3, 12) * SEC;
  const s = ssoSession(r, person, grant, t);
  const inConsole = mode === 'console';
  const terraform = person.id === 'carol' && grant.account === DEV && !inConsole && r.chance(0.5);
  const ua = inConsole ? person.browser : terraform ? terraformUa : cliUa;
  const caller = roleCaller(s, person.ip, ua, inConsole ? { console: true } : {});
  if (inConsole) emit(g, r, t, caller, consoleLogin(grant.account, { MobileVersion: 'No', MFAUsed: 'No' }));
  const admin = grant.role === ROLE.ssoAdmin;
  for (let i = 0; i < calls; i++) {
    t += (terraform ? r.int(1, 4) : r.int(5, 150)) * SEC;
    // Read-only users now and then try a change and are denied.
    const wantsWrite = r.chance(admin ? 0.1 : 0.02);
    const o = terraform ? r.pick(TERRAFORM_OPS) : r.pick(wantsWrite ? WRITE_OPS : READ_OPS);
    const call = opCall(o, grant.account, EU);
    if (inConsole && r.chance(0.12)) call.internal = true;
    if (!call.readOnly && !admin) call.error = denied(s.arn, o.source, o.name);
    emit(g, r, t, caller, call);
  }
  if (person.id === 'alice' && grant.account === PROD && !inConsole && r.chance(0.35)) {
    opsAdminChain(g, r, t + r.int(30, 300) * SEC, person, s);
  }
}

/** Role chain: alice's SSO CLI session assumes `ops-admin`, setting her e-mail as source identity. */
function opsAdminChain(g: Gen, r: Rand, t0: number, person: Person, from: Session): void {
  const sourceIdentity = person.email;
  const name = `${person.id}-ops`;
  const chained = newSession({
    account: PROD,
    role: ROLE.opsAdmin,
    name,
    key: r.asia(),
    createdAt: t0,
    sourceIdentity,
  });
  const params = { durationSeconds: 3600, sourceIdentity };
  const call = assumeRoleCall(r, chained, US, { params, host: 'sts.amazonaws.com' });
  emit(g, r, t0, roleCaller(from, person.ip, cliUa), call);
  const caller = roleCaller(chained, person.ip, cliUa);
  let t = t0;
  for (let i = r.int(4, 10); i > 0; i--) {
    t += r.int(10, 120) * SEC;
    emit(g, r, t, caller, opCall(r.pick(OPS_ADMIN_OPS), PROD, EU));
  }
}

/** CloudTrail encrypts the organization trail's log files with a KMS key in the security account. */
function cloudTrailKms(g: Gen, h: Hour): void {
  const r = rand(g, 'cloudtrail-kms', h.index);
  const n = r.quota(3 * g.scale);
  const caller = serviceCaller('cloudtrail.amazonaws.com');
  const resources = [{ accountId: SECURITY, type: 'AWS::KMS::Key', ARN: CLOUDTRAIL_KEY_ARN }];
  for (let i = 0; i < n; i++) {
    const t = within(r, h);
    const account = r.pick(ACCOUNTS).id;
    const region = r.chance(0.7) ? EU : US;
    const stamp = `${iso(t).replace(/[-:]/g, '').slice(0, 13)}Z`;
    const folder = `AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/${iso(t).slice(0, 10).replace(/-/g, '/')}`;
    const object = `${folder}/${account}_CloudTrail_${region}_${stamp}_${r.chars(16, ALNUM)}.json.gz`;
    const encryptionContext = {
      'aws:cloudtrail:arn': ORG_TRAIL_ARN,
      'aws:s3:arn': `arn:aws:s3:::${BUCKET.orgTrail}/${object}`,
    };
    const params = { keySpec: 'AES_256', encryptionContext, keyId: CLOUDTRAIL_KEY_ARN };
    const call = api('kms', 'GenerateDataKey', EU, SECURITY, params, {
      readOnly: true,
      resources,
      shared: true,
    });
    emit(g, r, t, caller, call);
  }
}

/** AWS Config's service-linked role describes resources in every account. */
function awsConfig(g: Gen, h: Hour): void {
  for (const { id: account } of ACCOUNTS) {
    const r = rand(g, 'config', account, h.index);
    const n = r.quota(0.5 * g.scale);
    const s = serviceSession(g, r, h, {
      key: `config/${account}`,
      account,
      region: EU,
      role: ROLE.config,
      name: 'AWSConfig-Describe',
      service: 'config.amazonaws.com',
      ttlHours: 6,
    });
    const caller = viaServiceCaller(s, 'config.amazonaws.com');
    for (let i = 0; i < n; i++) emit(g, r, within(r, h), caller, opCall(r.pick(CONFIG_OPS), account, EU));
  }
}

/** EC2 Auto Scaling's service-linked role grows the batch fleet at 06:00 and shrinks it at 20:00. */
function autoScaling(g: Gen, h: Hour): void {
  if (h.hour !== 6 && h.hour !== 20) return;
  const plan = rand(g, 'asg-plan', h.day);
  const count = plan.quota(2 * g.scale);
  const instanceIds = Array.from({ length: count }, () => `i-0${plan.hex(16)}`);
  const r = rand(g, 'asg', h.index);
  const s = serviceSession(g, r, h, {
    key: 'autoscaling',
    account: PROD,
    region: EU,
    role: ROLE.autoScaling,
    name: 'AutoScaling',
    service: 'autoscaling.amazonaws.com',
    ttlHours: 1,
  });
  const caller = viaServiceCaller(s, 'autoscaling.amazonaws.com');
  let t = h.start + 2 * MIN;
  for (const instanceId of instanceIds) {
    t += r.int(1, 20) * SEC;
    if (h.hour === 6) {
      const params = {
        instancesSet: { items: [{ minCount: 1, maxCount: 1 }] },
        launchTemplate: { launchTemplateId: 'lt-0a1b2c3d4e5f67890', version: '7' },
        subnetId: 'subnet-0b1c2d3e4f5a60718',
      };
      const pending = { instanceId, instanceType: 'c6i.xlarge', instanceState: { code: 0, name: 'pending' } };
      const response = { instancesSet: { items: [pending] } };
      emit(g, r, t, caller, api('ec2', 'RunInstances', EU, PROD, params, { response }));
    } else {
      const response = {
        instancesSet: { items: [{ instanceId, currentState: { code: 32, name: 'shutting-down' } }] },
      };
      emit(g, r, t, caller, api('ec2', 'TerminateInstances', EU, PROD, instances(instanceId), { response }));
    }
  }
}

const ROUTINES: readonly Routine[] = [
  ordersApi,
  batchWorker,
  githubActions,
  supportBot,
  agentRuntime,
  legacyBackup,
  svcReporting,
  vendorMonitoring,
  people,
  cloudTrailKms,
  awsConfig,
  autoScaling,
];

// ---------------------------------------------------------------------------------------------------
// Extra workloads (option `extraWorkloads`): a fleet of further machine identities for large clients
// ---------------------------------------------------------------------------------------------------

const MAX_EXTRA_WORKLOADS = 20_000;

type FleetKind = 'lambda' | 'ecs' | 'user';

type FleetAction =
  | 'ddb-read'
  | 'ddb-write'
  | 's3-get'
  | 's3-put'
  | 'sqs-send'
  | 'sqs-receive'
  | 'decrypt'
  | 'config'
  | 'metric'
  | 'invoke'
  | 'read-op'
  | 'write-op';

const FLEET_TEAMS = [
  'payments',
  'orders',
  'catalog',
  'logistics',
  'data',
  'ml',
  'identity',
  'growth',
  'support',
  'platform',
  'finance',
  'search',
  'iot',
  'media',
] as const;

const FLEET_APPS: Readonly<Record<FleetKind, readonly string[]>> = {
  lambda: [
    'invoice-sync',
    'webhook',
    'thumbnailer',
    'notifier',
    'exporter',
    'ingest',
    'scheduler',
    'cleanup',
    'enricher',
    'router',
    'audit-log',
    'token-refresh',
  ],
  ecs: ['api', 'worker', 'indexer', 'consumer', 'etl', 'gateway', 'crawler', 'renderer'],
  user: ['sftp-bridge', 'backup', 'legacy-sync', 'crm-export', 'erp-import', 'report-push'],
};

/** What a workload's own calls are drawn from; control-plane reads and writes are added sparingly. */
const FLEET_DATA_ACTIONS: readonly FleetAction[] = [
  'ddb-read',
  'ddb-write',
  's3-get',
  's3-put',
  'sqs-send',
  'sqs-receive',
  'decrypt',
  'metric',
  'invoke',
];

/** Share of the fleet per account, in the order of {@link ACCOUNTS}: prod, staging, dev, security. */
const FLEET_ACCOUNT_WEIGHTS = [40, 25, 25, 10] as const;
/** Second octet of the private addresses of each account's VPCs (eu-west-1; us-east-1 adds 5). */
const FLEET_SUBNET: Readonly<Record<string, number>> = {
  [PROD]: 11,
  [STAGING]: 21,
  [DEV]: 31,
  [SECURITY]: 51,
};

const FLEET_UA = {
  lambdaPython:
    'Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.145',
  ecsJava:
    'aws-sdk-java/2.25.60 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy',
  ecsPython:
    'Boto3/1.35.40 md/Botocore#1.35.40 ua/2.0 os/linux#5.10.225-213.878.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.10 md/pyimpl#CPython exec-env/AWS_ECS_FARGATE cfg/retry-mode#legacy Botocore/1.35.40',
  ecsGo: (source: string, name: string): string =>
    `aws-sdk-go-v2/1.30.3 ua/2.0 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 exec-env/AWS_ECS_FARGATE api/${apiId(source, name)}#${goClientVersion(source)}`,
  serverGo: (source: string, name: string): string =>
    `aws-sdk-go-v2/1.32.6 ua/2.1 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64 api/${apiId(source, name)}#${goClientVersion(source)}`,
  serverJava:
    'aws-sdk-java/1.12.772 Linux/5.15.0-119-generic OpenJDK_64-Bit_Server_VM/11.0.24+8-post-Ubuntu-1ubuntu322.04 java/11.0.24 vendor/Ubuntu cfg/retry-mode/legacy',
} as const;

/** One extra workload: who it is, where it runs, when it runs and what it calls. */
interface FleetWorkload {
  /** 1-based number, the `<n>` of its name. */
  readonly n: number;
  readonly kind: FleetKind;
  /** `fleet-<team>-<app>-<n>`: the name of its role or IAM user. */
  readonly name: string;
  readonly team: string;
  readonly app: string;
  readonly account: string;
  readonly env: string;
  readonly region: string;
  /**
   * The execution role of a Lambda function or ECS task, the service that assumes it and how long a
   * session lives (hours); service users have none.
   */
  readonly execution?: { readonly role: RoleDef; readonly service: string; readonly ttlHours: number };
  /** Lambda's function name, which is also the role session name. */
  readonly functionName: string;
  /** The long-lived key of a service user. */
  readonly key?: string;
  readonly ua: UserAgent;
  readonly ip: string;
  /** Private address for calls into its region through VPC endpoints. */
  readonly vpcIp?: string;
  readonly tls12: boolean;
  /** UTC hours of the day it runs in, on the days it runs. */
  readonly hours: readonly number[];
  /** Runs on the days whose 0-based index in the month is `offset` modulo `every`. */
  readonly every: number;
  readonly offset: number;
  readonly weekdaysOnly: boolean;
  /** Event-driven: follows the customer load curve; otherwise a flat (cron) schedule. */
  readonly diurnal: boolean;
  readonly mix: readonly (readonly [FleetAction, number])[];
  /** What a new session (a cold start, a new task) or a service user's run reads first: its config. */
  readonly config: 'secret' | 'parameter';
  readonly decryptParam: boolean;
  /** Calls per unit of schedule weight at scale 1: the month's expected total is its monthly rate. */
  readonly rate: number;
}

interface Fleet {
  /** Workloads by the UTC hour of day they run in, in order of their number. */
  readonly byHour: readonly (readonly FleetWorkload[])[];
}

function fleetRunsOn(w: FleetWorkload, dayIndex: number, weekend: boolean): boolean {
  return dayIndex % w.every === w.offset && !(w.weekdaysOnly && weekend);
}

function fleetWeight(w: FleetWorkload, hour: number, weekend: boolean): number {
  return w.diurnal ? (LOAD[hour] ?? 1) * (weekend ? 0.7 : 1) : 1;
}

/** `count` distinct hours of the day, ascending. */
function fleetHours(r: Rand, count: number): number[] {
  const hours = new Set<number>();
  while (hours.size < count) hours.add(r.int(0, 23));
  return [...hours].sort((a, b) => a - b);
}

function hourSpan(first: number, length: number): number[] {
  return Array.from({ length }, (_, i) => first + i);
}

/** 2–4 data actions with their weights, sometimes config re-reads, control-plane reads or writes. */
function fleetMix(r: Rand): [FleetAction, number][] {
  const menu = [...FLEET_DATA_ACTIONS];
  const mix: [FleetAction, number][] = [];
  for (let k = r.int(2, 4); k > 0; k--) {
    const [action] = menu.splice(Math.floor(r.next() * menu.length), 1) as [FleetAction];
    mix.push([action, r.int(1, 10)]);
  }
  if (r.chance(0.2)) mix.push(['config', 1]);
  if (r.chance(0.35)) mix.push(['read-op', 1]);
  if (r.chance(0.15)) mix.push(['write-op', 0.3]);
  return mix;
}

/**
 * Workload `n` of the fleet. It depends only on `n` (not on the seed): like role ids and long-term keys,
 * the client's identities stay the same from month to month, only their activity varies.
 */
function fleetWorkload(n: number, monthStart: number, monthEnd: number): FleetWorkload {
  const r = new Rand(0x5eed, `fleet#${n}`);
  const kind = r.weighted<FleetKind>([
    ['lambda', 52],
    ['ecs', 38],
    ['user', 10],
  ]);
  const team = r.pick(FLEET_TEAMS);
  const app = r.pick(FLEET_APPS[kind]);
  const name = `fleet-${team}-${app}-${n}`;
  const { id: account, environment: env } = r.weighted(
    ACCOUNTS.map((a, i) => [a, FLEET_ACCOUNT_WEIGHTS[i] ?? 1] as const),
  );
  const region = r.chance(0.7) ? EU : US;
  // Log-uniform between 4 and 300 calls a month: many quiet workloads, a few busy ones.
  const monthly = 4 * 75 ** r.next();
  const nat = region === EU ? IP.natEu : IP.natUs;
  const privateIp = () =>
    `10.${(FLEET_SUBNET[account] ?? 61) + (region === US ? 5 : 0)}.${r.int(32, 95)}.${r.int(4, 250)}`;
  let schedule: Pick<FleetWorkload, 'hours' | 'every' | 'weekdaysOnly' | 'diurnal'> & { ttlHours: number };
  let identity: Pick<FleetWorkload, 'key' | 'ua' | 'ip' | 'vpcIp' | 'tls12'> & {
    role?: RoleDef;
    service?: string;
  };
  if (kind === 'lambda') {
    // Scheduled functions cold-start on every run; event-driven ones keep a warm session all day.
    schedule = r.chance(0.5)
      ? {
          hours: fleetHours(r, r.chance(0.7) ? 1 : 2),
          every: r.pick([1, 1, 1, 2, 3, 7]),
          weekdaysOnly: false,
          diurnal: false,
          ttlHours: 1,
        }
      : {
          hours: hourSpan(r.int(6, 10), r.int(4, 11)),
          every: 1,
          weekdaysOnly: r.chance(0.4),
          diurnal: true,
          ttlHours: 12,
        };
    identity = {
      role: { name, path: r.chance(0.3) ? '/service-role/' : '/' },
      service: 'lambda.amazonaws.com',
      ua: r.chance(0.55) ? lambdaNodeUa : FLEET_UA.lambdaPython,
      ip: nat,
      ...(r.chance(0.5) ? { vpcIp: privateIp() } : {}),
      tls12: false,
    };
  } else if (kind === 'ecs') {
    // Long-running services (a task per day) or scheduled tasks (a task per run).
    schedule = r.chance(0.4)
      ? {
          hours: hourSpan(r.int(5, 9), r.int(8, 12)),
          every: 1,
          weekdaysOnly: r.chance(0.3),
          diurnal: true,
          ttlHours: 12,
        }
      : {
          hours: fleetHours(r, r.int(1, 3)),
          every: r.pick([1, 1, 2, 7]),
          weekdaysOnly: false,
          diurnal: false,
          ttlHours: 1,
        };
    identity = {
      role: { name, path: '/' },
      service: 'ecs-tasks.amazonaws.com',
      ua: r.pick([FLEET_UA.ecsJava, FLEET_UA.ecsPython, FLEET_UA.ecsGo]),
      ip: nat,
      ...(r.chance(0.8) ? { vpcIp: privateIp() } : {}),
      tls12: false,
    };
  } else {
    // Service users: cron jobs on Acme's own servers, signing with the user's long-lived key.
    const every = r.pick([1, 1, 7]);
    schedule = {
      hours: fleetHours(r, r.int(1, 2)),
      every,
      // A weekly job runs on a fixed weekday already; only daily jobs skip weekends.
      weekdaysOnly: every === 1 && r.chance(0.5),
      diurnal: false,
      ttlHours: 0,
    };
    identity = {
      key: `AKIA${stableChars(`${account}/${name}#1`, 16, BASE32)}`,
      ua: r.pick([FLEET_UA.serverGo, FLEET_UA.serverJava, UA.backup, UA.reporting]),
      ip: `192.0.2.${100 + (n % 90)}`,
      tls12: r.chance(0.3),
    };
  }
  const { ttlHours, ...when } = schedule;
  const { role, service, ...who } = identity;
  const offset = r.int(0, schedule.every - 1);
  const mix = fleetMix(r);
  const config = r.chance(0.4) ? 'secret' : 'parameter';
  const w: FleetWorkload = {
    n,
    kind,
    name,
    team,
    app,
    account,
    env,
    region,
    functionName: `${team}-${app}-${n}`,
    ...(role && service ? { execution: { role, service, ttlHours } } : {}),
    ...when,
    ...who,
    offset,
    mix,
    config,
    decryptParam: r.chance(0.5),
    rate: 0,
  };
  let weight = 0;
  for (let day = 0, t = monthStart; t < monthEnd; day++, t += DAY) {
    const weekday = new Date(t).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    if (!fleetRunsOn(w, day, weekend)) continue;
    for (const hour of w.hours) weight += fleetWeight(w, hour, weekend);
  }
  return { ...w, rate: weight > 0 ? monthly / weight : 0 };
}

function planFleet(count: number, monthStart: number, monthEnd: number): Fleet {
  const byHour: FleetWorkload[][] = Array.from({ length: 24 }, () => []);
  for (let n = 1; n <= count; n++) {
    const w = fleetWorkload(n, monthStart, monthEnd);
    for (const hour of w.hours) byHour[hour]?.push(w);
  }
  return { byHour };
}

/** The extra workloads that run in this hour. */
function fleet(g: Gen, h: Hour): void {
  if (!g.fleet) return;
  const dayIndex = h.day - 1;
  for (const w of g.fleet.byHour[h.hour] ?? []) {
    if (fleetRunsOn(w, dayIndex, h.weekend)) fleetRun(g, h, w);
  }
}

/** One hour of one workload: its session (issued by its service when due), a start-up read, its calls. */
function fleetRun(g: Gen, h: Hour, w: FleetWorkload): void {
  const r = rand(g, 'fleet', w.n, h.index);
  // The first draw of the stream, so that volume stays linear in scale.
  const n = r.quota(w.rate * fleetWeight(w, h.hour, h.weekend) * g.scale);
  let caller: Caller;
  let principalArn: string;
  let startup: number | undefined;
  if (w.execution) {
    const key = `fleet/${w.n}`;
    const before = g.sessions.get(key);
    const s = serviceSession(g, r, h, {
      key,
      account: w.account,
      region: w.region,
      ...w.execution,
      // Lambda names the session after the function; ECS after the task id.
      name: w.kind === 'lambda' ? w.functionName : r.hex(32),
    });
    const vpc = w.vpcIp ? { vpc: { region: w.region, account: w.account, ip: w.vpcIp } } : {};
    caller = roleCaller(s, w.ip, w.ua, vpc);
    principalArn = s.arn;
    if (s !== before) startup = s.createdAt + r.int(1, 20) * SEC;
  } else {
    caller = {
      identity: () => iamUserIdentity(w.name, w.key, undefined, w.account),
      ip: w.ip,
      ua: w.ua,
      tls12: w.tls12,
    };
    principalArn = `arn:aws:iam::${w.account}:user/${w.name}`;
    startup = h.start + r.int(0, 80) * SEC;
  }
  if (startup !== undefined) emit(g, r, startup, caller, fleetConfigCall(w));
  for (let i = 0; i < n; i++) {
    const t = within(r, h);
    emit(g, r, t, caller, fleetCall(r, w, r.weighted(w.mix), t, principalArn));
  }
}

/** The workload reads its config: a secret in Secrets Manager or a parameter in Parameter Store. */
function fleetConfigCall(w: FleetWorkload): Call {
  if (w.config === 'secret') return secretCall(w.account, w.region, `${w.env}/${w.team}/${w.app}`);
  const name = `/${w.team}/${w.app}/config`;
  return api(
    'ssm',
    'GetParameter',
    w.region,
    w.account,
    w.decryptParam ? { name, withDecryption: true } : { name },
  );
}

function fleetDynamoCall(r: Rand, w: FleetWorkload, name: string): Call {
  const table = `${w.team}-${w.app}`;
  const params: Json =
    name === 'Query'
      ? { tableName: table, keyConditionExpression: 'pk = :pk', limit: 50 }
      : { tableName: table, key: { pk: `${w.app}#${r.hex(10)}` } };
  const ARN = `arn:aws:dynamodb:${w.region}:${w.account}:table/${table}`;
  return api('dynamodb', name, w.region, w.account, params, {
    readOnly: name === 'GetItem' || name === 'Query',
    data: true,
    resources: [{ accountId: w.account, type: 'AWS::DynamoDB::Table', ARN }],
  });
}

function fleetQueueCall(w: FleetWorkload, name: 'SendMessage' | 'ReceiveMessage'): Call {
  const queue = `${w.team}-${w.app}-${w.n}`;
  const queueUrl = `https://sqs.${w.region}.amazonaws.com/${w.account}/${queue}`;
  const params =
    name === 'SendMessage'
      ? { queueUrl, messageBody: 'HIDDEN_DUE_TO_SECURITY_REASONS' }
      : { queueUrl, maxNumberOfMessages: 10, waitTimeSeconds: 20 };
  const ARN = `arn:aws:sqs:${w.region}:${w.account}:${queue}`;
  const resources = [{ accountId: w.account, type: 'AWS::SQS::Queue', ARN }];
  return api('sqs', name, w.region, w.account, params, { data: true, resources });
}

/** One call of a workload's own mix. */
function fleetCall(r: Rand, w: FleetWorkload, action: FleetAction, t: number, principalArn: string): Call {
  const { account, region } = w;
  switch (action) {
    case 'ddb-read':
      return fleetDynamoCall(r, w, r.chance(0.7) ? 'GetItem' : 'Query');
    case 'ddb-write': {
      const call = fleetDynamoCall(r, w, r.chance(0.6) ? 'PutItem' : 'UpdateItem');
      if (r.chance(0.01)) call.error = ['ConditionalCheckFailedException', 'The conditional request failed'];
      return call;
    }
    case 's3-get':
    case 's3-put': {
      const name = action === 's3-get' ? 'GetObject' : 'PutObject';
      const bucket = `acme-${w.env}-${w.team}-${region}`;
      const key = `${w.app}/${iso(t).slice(0, 10)}/${r.hex(12)}.json`;
      const call = s3ObjectCall(r, account, region, name, bucket, key);
      if (name === 'GetObject' && r.chance(0.01))
        call.error = ['NoSuchKey', 'The specified key does not exist.'];
      return call;
    }
    case 'sqs-send':
      return fleetQueueCall(w, 'SendMessage');
    case 'sqs-receive':
      return fleetQueueCall(w, 'ReceiveMessage');
    case 'decrypt': {
      const context: Json =
        w.kind === 'lambda'
          ? { 'aws:lambda:FunctionArn': functionArn(account, region, w.functionName) }
          : { service: `${w.team}-${w.app}` };
      return decryptCall(account, region, context);
    }
    case 'config':
      return fleetConfigCall(w);
    case 'metric':
      return api(
        'monitoring',
        'PutMetricData',
        region,
        account,
        { namespace: `Acme/${w.team}` },
        { data: true },
      );
    case 'invoke':
      return lambdaInvokeCall(account, region, `${w.team}-${r.pick(FLEET_APPS.lambda)}`);
    case 'read-op':
      return opCall(r.pick(READ_OPS), account, region);
    case 'write-op': {
      // Now and then a workload tries a change its policy does not allow.
      const o = r.pick(WRITE_OPS);
      const call = opCall(o, account, region);
      if (r.chance(0.6)) call.error = denied(principalArn, o.source, o.name);
      return call;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Incidents: one function per incident, each firing in the hour it starts
// ---------------------------------------------------------------------------------------------------

function startsNow(g: Gen, h: Hour, when: When): boolean {
  const t = at(g.monthStart, when);
  return t >= h.start && t < h.start + HOUR;
}

/** Whoever holds the leaked legacy key. */
function attacker(ip: string, ua: string): Caller {
  return { identity: () => iamUserIdentity(LEGACY_USER, LEGACY_KEY_OLD), ip, ua };
}

/** 1. The legacy key leaks: recon, Bedrock model access enablement, then LLM-jacking InvokeModel. */
function incidentLlmjacking(g: Gen, h: Hour): void {
  if (!startsNow(g, h, INCIDENT.llmjacking)) return;
  const r = rand(g, 'incident-llmjacking');
  const step = clock(r, at(g.monthStart, INCIDENT.llmjacking));
  const boto = attacker(IP.attackerApi, UA.attackerBoto);
  const bedrock = (name: string, params: Json | null, region = US) =>
    api('bedrock', name, region, PROD, params);
  const whoAmI = api('sts', 'GetCallerIdentity', US, PROD, null, { host: 'sts.amazonaws.com' });
  emit(g, r, step(0, 0), attacker(IP.attackerRecon, UA.attackerCurl), whoAmI);
  emit(g, r, step(40, 90), boto, bedrock('ListFoundationModels', null));
  emit(g, r, step(5, 15), boto, bedrock('ListFoundationModels', null, EU));
  for (const modelId of [MODEL.sonnet, MODEL.opus]) {
    emit(g, r, step(3, 10), boto, bedrock('GetFoundationModelAvailability', { modelId }));
  }
  const refused = bedrock('InvokeModel', { modelId: MODEL.opus });
  refused.error = [
    'AccessDeniedException',
    "You don't have access to the model with the specified model ID.",
  ];
  emit(g, r, step(5, 20), boto, refused);
  const call = bedrock('PutUseCaseForModelAccess', { formData: 'HIDDEN_DUE_TO_SECURITY_REASONS' });
  emit(g, r, step(20, 60), boto, call);
  for (const modelId of [MODEL.opus, MODEL.sonnet]) {
    const agreement = { modelId, offerToken: 'HIDDEN_DUE_TO_SECURITY_REASONS' };
    emit(g, r, step(5, 20), boto, bedrock('CreateFoundationModelAgreement', agreement));
    emit(g, r, step(2, 8), boto, bedrock('PutFoundationModelEntitlement', { modelId }));
  }
  // Then about two hours of invocations, rotating between two exits.
  const proxy = attacker(IP.attackerProxy, UA.attackerBoto);
  for (let i = 0; i < 48; i++) {
    const modelId = i % 4 === 0 ? MODEL.sonnet : MODEL.opus;
    emit(g, r, step(60, 170), i % 3 === 2 ? proxy : boto, bedrock('InvokeModel', { modelId }));
  }
}

/** 4. The same key tries to stop the organization trail, then narrows the prod data-event trail. */
function incidentStopLogging(g: Gen, h: Hour): void {
  if (!startsNow(g, h, INCIDENT.stopLogging)) return;
  const r = rand(g, 'incident-stoplogging');
  const step = clock(r, at(g.monthStart, INCIDENT.stopLogging));
  const caller = attacker(IP.attackerProxy, UA.attackerBoto);
  const trail = (name: string, params: Json) => api('cloudtrail', name, EU, PROD, params);
  emit(g, r, step(0, 0), caller, trail('DescribeTrails', { includeShadowTrails: true }));
  emit(g, r, step(5, 20), caller, trail('GetTrailStatus', { name: ORG_TRAIL_ARN }));
  const stop = trail('StopLogging', { name: ORG_TRAIL_ARN });
  stop.error = denied(LEGACY_USER_ARN, 'cloudtrail', 'StopLogging', ORG_TRAIL_ARN);
  emit(g, r, step(5, 20), caller, stop);
  emit(g, r, step(20, 60), caller, trail('GetEventSelectors', { trailName: DATA_TRAIL_ARN }));
  const narrowed = () => [
    {
      name: 'Batch data only',
      fieldSelectors: [
        { field: 'eventCategory', equals: ['Data'] },
        { field: 'resources.type', equals: ['AWS::S3::Object'] },
        { field: 'resources.ARN', startsWith: [`arn:aws:s3:::${BUCKET.batch}/`] },
      ],
    },
  ];
  const put = trail('PutEventSelectors', { trailName: DATA_TRAIL_ARN, advancedEventSelectors: narrowed() });
  put.response = { trailARN: DATA_TRAIL_ARN, advancedEventSelectors: narrowed() };
  emit(g, r, g.dataGap[0], caller, put);
}

/** The data-event selectors of the prod trail before incident 4 and after the restore. */
function fullDataSelectors(): Json[] {
  const types = ['S3::Object', 'Lambda::Function', 'DynamoDB::Table', 'SQS::Queue', 'CloudWatch::Metric'];
  return types.map((type) => ({
    name: `${type} data events`,
    fieldSelectors: [
      { field: 'eventCategory', equals: ['Data'] },
      { field: 'resources.type', equals: [`AWS::${type}`] },
    ],
  }));
}

/** 5. alice rotates the leaked key and restores the selectors; she deletes the old key three days later. */
function incidentRotation(g: Gen, h: Hour): void {
  const rotating = startsNow(g, h, INCIDENT.rotation);
  if (!rotating && !startsNow(g, h, INCIDENT.rotationDelete)) return;
  const alice = PEOPLE[0] as Person;
  const grant = alice.grants[0] as Grant;
  const r = rand(g, 'incident-rotation', rotating ? 1 : 2);
  const step = clock(r, at(g.monthStart, rotating ? INCIDENT.rotation : INCIDENT.rotationDelete));
  identityCenterCall(g, r, step(0, 0), alice, grant, 'cli');
  const s = ssoSession(r, alice, grant, step(5, 15));
  const caller = roleCaller(s, alice.ip, cliUa);
  const iam = (name: string, params: Json) =>
    api('iam', name, US, PROD, { userName: LEGACY_USER, ...params });
  emit(g, r, step(10, 40), caller, iam('ListAccessKeys', {}));
  if (!rotating) {
    emit(g, r, step(20, 90), caller, iam('DeleteAccessKey', { accessKeyId: LEGACY_KEY_OLD }));
    return;
  }
  const lastUsed = api('iam', 'GetAccessKeyLastUsed', US, PROD, { accessKeyId: LEGACY_KEY_OLD });
  emit(g, r, step(10, 40), caller, lastUsed);
  const selectors = api('cloudtrail', 'GetEventSelectors', EU, PROD, { trailName: DATA_TRAIL_ARN });
  emit(g, r, step(30, 90), caller, selectors);
  const restore = api('cloudtrail', 'PutEventSelectors', EU, PROD, {
    trailName: DATA_TRAIL_ARN,
    advancedEventSelectors: fullDataSelectors(),
  });
  restore.response = { trailARN: DATA_TRAIL_ARN, advancedEventSelectors: fullDataSelectors() };
  emit(g, r, g.dataGap[1], caller, restore);
  const created = iam('CreateAccessKey', {});
  const createDate = awsDate(g.rotatedAt, false);
  created.response = {
    accessKey: { accessKeyId: LEGACY_KEY_NEW, createDate, status: 'Active', userName: LEGACY_USER },
  };
  emit(g, r, g.rotatedAt, caller, created);
  const deactivate = iam('UpdateAccessKey', { accessKeyId: LEGACY_KEY_OLD, status: 'Inactive' });
  emit(g, r, g.rotatedAt + r.int(60, 150) * SEC, caller, deactivate);
}

/** 2. Someone signs in to the console as the workload user `svc-reporting`, without MFA, and browses. */
function incidentSvcConsole(g: Gen, h: Hour): void {
  if (!startsNow(g, h, INCIDENT.svcConsole)) return;
  const r = rand(g, 'incident-svc-console');
  const start = at(g.monthStart, INCIDENT.svcConsole);
  const step = clock(r, start);
  const ip = IP.svcReportingPerson;
  const login: Caller = { identity: () => iamUserIdentity(REPORTING_USER, undefined), ip, ua: UA.firefox };
  const loginTo = `https://${EU}.console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&region=${EU}&state=hashArgsFromTB_${EU}_${r.hex(16)}`;
  emit(g, r, step(0, 0), login, consoleLogin(PROD, { LoginTo: loginTo, MobileVersion: 'No', MFAUsed: 'No' }));
  const key = r.asia();
  const caller: Caller = {
    identity: () => iamUserIdentity(REPORTING_USER, key, start),
    ip,
    ua: UA.firefox,
    console: true,
  };
  const s3Host = { Host: `s3.${EU}.amazonaws.com` };
  const athena = (name: string, params: Json) => api('athena', name, EU, PROD, params);
  const report = () => {
    const name = `monthly/${r.pick(['revenue', 'payroll', 'margins'])}-${r.int(2024, 2026)}.xlsx`;
    return s3ObjectCall(r, PROD, EU, 'GetObject', BUCKET.finance, name);
  };
  const listUsers = api('iam', 'ListUsers', US, PROD, { maxItems: 100 });
  listUsers.error = denied(REPORTING_USER_ARN, 'iam', 'ListUsers', `arn:aws:iam::${PROD}:user/`);
  const steps: readonly (() => Call)[] = [
    () => api('s3', 'ListBuckets', EU, PROD, s3Host),
    () => api('s3', 'GetBucketLocation', EU, PROD, { bucketName: BUCKET.finance, location: '' }),
    () => api('kms', 'ListAliases', EU, PROD),
    () => athena('ListWorkGroups', { maxResults: 50 }),
    () => athena('ListQueryExecutions', { workGroup: 'reporting' }),
    () => athena('BatchGetQueryExecution', { queryExecutionIds: [r.uuid(), r.uuid()] }),
    () =>
      athena('StartQueryExecution', {
        queryString: 'HIDDEN_DUE_TO_SECURITY_REASONS',
        workGroup: 'reporting',
      }),
    () => athena('GetQueryExecution', { queryExecutionId: r.uuid() }),
    () => athena('GetQueryResults', { queryExecutionId: r.uuid(), maxResults: 100 }),
    report,
    report,
    () => api('ce', 'GetCostAndUsage', US, PROD, { granularity: 'MONTHLY', metrics: ['UnblendedCost'] }),
    () => api('iam', 'GetUser', US, PROD),
    () => listUsers,
    () => api('iam', 'ListAccessKeys', US, PROD),
    report,
    () => api('s3', 'ListBuckets', EU, PROD, s3Host),
  ];
  for (const next of steps) emit(g, r, step(20, 150), caller, next());
}

/** 3. A prompt-injected support agent acts far outside its declared scope. */
function incidentAgentScope(g: Gen, h: Hour): void {
  if (!startsNow(g, h, INCIDENT.agentScope)) return;
  const s = g.sessions.get('support-agent-runtime');
  if (!s) return;
  const r = rand(g, 'incident-agent-scope');
  const step = clock(r, at(g.monthStart, INCIDENT.agentScope));
  const agent = roleCaller(s, IP.natUs, UA.strands, {
    vpc: { region: US, account: PROD, ip: IP.agentRuntime },
  });
  const think = () => emit(g, r, step(3, 12), agent, bedrockCall('Converse', MODEL.sonnet));
  const iam = (name: string, params: Json) => api('iam', name, US, PROD, params);
  think();
  emit(g, r, step(2, 6), agent, api('sts', 'GetCallerIdentity', US, PROD));
  emit(g, r, step(2, 6), agent, iam('ListAttachedRolePolicies', { roleName: ROLE.agentRuntime.name }));
  think();
  const created = step(2, 8);
  const createKey = iam('CreateAccessKey', { userName: REPORTING_USER });
  const createDate = awsDate(created, false);
  createKey.response = {
    accessKey: { accessKeyId: AGENT_CREATED_KEY, createDate, status: 'Active', userName: REPORTING_USER },
  };
  emit(g, r, created, agent, createKey);
  const escalate = iam('AttachRolePolicy', {
    roleName: ROLE.agentRuntime.name,
    policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
  });
  escalate.error = denied(s.arn, 'iam', 'AttachRolePolicy', roleArn(PROD, ROLE.agentRuntime));
  emit(g, r, step(3, 10), agent, escalate);
  think();
  const instanceId = `i-0${r.hex(16)}`;
  const launch = api('ec2', 'RunInstances', US, PROD, {
    instancesSet: { items: [{ imageId: 'ami-0e2c8caa4b6378d8c', minCount: 1, maxCount: 1 }] },
    instanceType: 'g5.2xlarge',
    subnetId: 'subnet-0f9e8d7c6b5a40312',
  });
  const pending = { instanceId, instanceType: 'g5.2xlarge', instanceState: { code: 0, name: 'pending' } };
  launch.response = { instancesSet: { items: [pending] } };
  emit(g, r, step(5, 20), agent, launch);
  for (const report of [
    'payroll-2026-q3.xlsx',
    'board-forecast.pdf',
    'bank-accounts.csv',
    'margins-by-customer.xlsx',
  ]) {
    const call = s3ObjectCall(r, PROD, EU, 'GetObject', BUCKET.finance, `confidential/${report}`);
    emit(g, r, step(2, 8), agent, call);
  }
  think();
  emit(g, r, step(2, 6), agent, api('secretsmanager', 'ListSecrets', EU, PROD, { maxResults: 100 }));
  const secrets = [
    'prod/orders/db',
    'prod/payments/stripe',
    'prod/payments/refund-api-key',
    'prod/crm/api-token',
    'prod/github/deploy-key',
    'prod/smtp/relay',
    'prod/datadog/api-key',
    'prod/admin/break-glass',
  ] as const;
  const guarded = new Set(['prod/admin/break-glass', 'prod/github/deploy-key']);
  for (let i = 0; i < 14; i++) {
    const name = secrets[i % secrets.length] as string;
    const call = secretCall(PROD, EU, name);
    if (guarded.has(name))
      call.error = denied(s.arn, 'secretsmanager', 'GetSecretValue', secretArn(PROD, EU, name));
    emit(g, r, step(0, 2), agent, call);
  }
  think();
}

/** The incident routines by scenario id, in the order they run within an hour. */
const INCIDENTS: readonly (readonly [string, Routine])[] = [
  ['human-uses-service-identity', incidentSvcConsole],
  ['leaked-key-llmjacking', incidentLlmjacking],
  ['stop-logging', incidentStopLogging],
  ['key-rotation', incidentRotation],
  ['agent-out-of-scope', incidentAgentScope],
];
const INCIDENT_IDS: readonly string[] = INCIDENTS.map(([id]) => id);

// ---------------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------------

function parseMonth(month: string): { start: number; end: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { start: Date.UTC(year, index, 1), end: Date.UTC(year, index + 1, 1) };
}

function* run(
  start: number,
  end: number,
  seed: number,
  scale: number,
  incidents: ReadonlySet<string>,
  fleetPlan: Fleet | undefined,
): Generator<CloudTrailRecord, void, undefined> {
  const stopLogging = incidents.has('stop-logging') ? at(start, INCIDENT.stopLogging) : Infinity;
  const rotation = incidents.has('key-rotation') ? at(start, INCIDENT.rotation) : Infinity;
  const routines = INCIDENTS.filter(([id]) => incidents.has(id)).map(([, routine]) => routine);
  const g: Gen = {
    seed,
    scale,
    monthStart: start,
    monthEnd: end,
    idSalt: hash32('event-id', seed),
    seq: 0,
    floor: start,
    pending: [],
    sessions: new Map(),
    // Fixed points of the incident scripts, so that routines know when the gap and the rotation happen.
    dataGap: [stopLogging + 4 * MIN, rotation + 4 * MIN],
    rotatedAt: rotation + 10 * MIN,
    fleet: fleetPlan,
  };
  for (let hs = start, index = 0; hs < end; hs += HOUR, index++) {
    const dayIndex = Math.floor((hs - start) / DAY);
    const weekday = new Date(hs).getUTCDay();
    const h: Hour = {
      start: hs,
      index,
      day: dayIndex + 1,
      hour: Math.floor((hs - start) / HOUR) % 24,
      dayStart: start + dayIndex * DAY,
      weekend: weekday === 0 || weekday === 6,
    };
    g.floor = hs;
    for (const routine of ROUTINES) routine(g, h);
    fleet(g, h);
    for (const incident of routines) incident(g, h);
    yield* flush(g, hs + HOUR);
  }
}

/** Yields, in time order, the pending events of the hour that ends at `until`, and keeps the rest. */
function* flush(g: Gen, until: number): Generator<CloudTrailRecord, void, undefined> {
  const ready: Pending[] = [];
  const later: Pending[] = [];
  for (const p of g.pending) {
    if (p.t < until) ready.push(p);
    else later.push(p);
  }
  g.pending = later;
  ready.sort((a, b) => a.t - b.t || a.seq - b.seq);
  for (const p of ready) yield p.record;
}

function count(records: Iterable<CloudTrailRecord>): number {
  let n = 0;
  for (const _record of records) n++;
  return n;
}

/**
 * Volume is linear in `scale` (each scaled count is `floor(rate × scale + u)`, with `u` the first draw of
 * its stream), so counting at scale 0 and at scale 1 gives the scale that hits a target.
 */
function scaleFor(
  target: number,
  start: number,
  end: number,
  seed: number,
  incidents: ReadonlySet<string>,
  fleetPlan: Fleet | undefined,
): number {
  const fixed = count(run(start, end, seed, 0, incidents, fleetPlan));
  const perUnit = count(run(start, end, seed, 1, incidents, fleetPlan)) - fixed;
  return Math.max(0, (target - fixed) / perUnit);
}

/**
 * Generates one month of CloudTrail records for the Acme Robotics sample tenant, in non-decreasing
 * `eventTime` order, one hour at a time, so memory does not grow with the volume.
 *
 * @example
 * for (const record of generateTenantMonth({ month: '2026-03', targetEvents: 100_000 })) write(record);
 * @throws RangeError for a malformed month, seed, scale, target or number of extra workloads
 */
function generateTenantMonth(options: TenantMonthOptions): Generator<CloudTrailRecord, void, undefined> {
  const { start, end } = parseMonth(options.month);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  let scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale < 0)
    throw new RangeError(`scale must be a non-negative number, got ${scale}`);
  const incidents = new Set(options.incidents ?? INCIDENT_IDS);
  const unknown = [...incidents].filter((id) => !INCIDENT_IDS.includes(id));
  if (unknown.length)
    throw new RangeError(`unknown incident(s) ${unknown.join(', ')}; known: ${INCIDENT_IDS.join(', ')}`);
  const extra = options.extraWorkloads ?? 0;
  if (!Number.isSafeInteger(extra) || extra < 0 || extra > MAX_EXTRA_WORKLOADS)
    throw new RangeError(`extraWorkloads must be an integer from 0 to ${MAX_EXTRA_WORKLOADS}, got ${extra}`);
  const fleetPlan = extra > 0 ? planFleet(extra, start, end) : undefined;
  const target = options.targetEvents;
  if (target !== undefined) {
    if (!Number.isFinite(target) || target <= 0)
      throw new RangeError(`targetEvents must be positive, got ${target}`);
    scale = scaleFor(target, start, end, seed >>> 0, incidents, fleetPlan);
  }
  return run(start, end, seed >>> 0, scale, incidents, fleetPlan);
}

// ---------------------------------------------------------------------------------------------------
// Scenario description
// ---------------------------------------------------------------------------------------------------

interface ScenarioIdentity {
  id: string;
  class: 'human' | 'workload' | 'ai-agent' | 'aws-service' | 'third-party';
  arns: string[];
  description: string;
  sessionNames?: string[];
  accessKeyIds?: string[];
  sourceIps?: string[];
  userAgent?: string;
}

interface ScenarioIncident {
  id: string;
  title: string;
  /** Day of month the incident starts. */
  day: number;
  /** UTC time the incident starts, `HH:mm`. */
  startUtc: string;
  actor: string;
  accountId: string;
  regions: string[];
  /** Addresses its events come from: filtering by them (and the day) finds every event name below. */
  sourceIps: string[];
  userAgent?: string;
  accessKeyId?: string;
  eventNames: string[];
  notes: string;
}

interface TenantScenario {
  accounts: { id: string; name: string; environment: string }[];
  identities: ScenarioIdentity[];
  incidents: ScenarioIncident[];
}

const hhmm = (w: When) => `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;

function scenarioIdentities(): ScenarioIdentity[] {
  const arnsIn = (accounts: readonly string[], role: RoleDef) => accounts.map((a) => roleArn(a, role));
  return [
    {
      id: 'gha-deploy',
      class: 'workload',
      arns: arnsIn([PROD, STAGING], ROLE.ghaDeploy),
      description:
        'GitHub Actions deploys (OIDC AssumeRoleWithWebIdentity) from self-hosted runners, weekdays',
      sessionNames: ['GitHubActions-<run id>'],
      sourceIps: [...IP.ciRunners],
      userAgent: UA.ghaCredentials,
    },
    {
      id: 'cdk-cfn-exec',
      class: 'workload',
      arns: [roleArn(PROD, cfnExecRole(PROD)), roleArn(STAGING, cfnExecRole(STAGING))],
      description: 'CDK CloudFormation execution role, used by cloudformation.amazonaws.com during deploys',
      sessionNames: ['AWSCloudFormation'],
    },
    {
      id: 'orders-api',
      class: 'workload',
      arns: arnsIn([PROD, STAGING], ROLE.ordersApi),
      description:
        'Lambda orders-api: DynamoDB, SQS, KMS Decrypt, Secrets Manager, 24/7 through VPC endpoints',
      sessionNames: ['orders-api'],
    },
    {
      id: 'batch-worker',
      class: 'workload',
      arns: arnsIn([PROD], ROLE.batchWorker),
      description: 'EC2 instance role: S3 objects and CloudWatch PutMetricData through VPC endpoints',
      sessionNames: ['i-0a1b2c3d4e5f60718'],
      sourceIps: ['10.10.21.14'],
      userAgent: UA.batch,
    },
    {
      id: 'support-bot',
      class: 'ai-agent',
      arns: [roleArn(PROD, ROLE.bedrockAgent)],
      description:
        'Bedrock Agents SupportBot execution role: InvokeModel and tool Lambda Invoke via bedrock.amazonaws.com',
      sessionNames: ['BedrockAgents-<hex>'],
    },
    {
      id: 'support-agent-runtime',
      class: 'ai-agent',
      arns: arnsIn([PROD], ROLE.agentRuntime),
      description: 'Strands agent on ECS: Converse/ConverseStream and the lookup-order tool',
      sessionNames: ['<ECS task id>'],
      sourceIps: [IP.agentRuntime, IP.natUs],
      userAgent: UA.strands,
    },
    {
      id: 'support-tools',
      class: 'workload',
      arns: arnsIn([PROD], ROLE.supportTools),
      description: 'Agent tool Lambdas lookup-order and refund-order (us-east-1)',
      sessionNames: ['lookup-order', 'refund-order'],
    },
    {
      id: 'legacy-backup',
      class: 'workload',
      arns: [LEGACY_USER_ARN],
      description:
        'IAM user with a long-lived key: nightly S3 copy at 01:00 UTC from the on-prem backup server',
      accessKeyIds: [LEGACY_KEY_OLD, LEGACY_KEY_NEW],
      sourceIps: [IP.backupServer],
      userAgent: UA.backup,
    },
    {
      id: 'svc-reporting',
      class: 'workload',
      arns: [REPORTING_USER_ARN],
      description: 'IAM user for weekday 06:00 UTC Athena reports',
      accessKeyIds: [REPORTING_KEY],
      sourceIps: [IP.reportingServer],
      userAgent: UA.reporting,
    },
    {
      id: 'vendor-monitoring',
      class: 'third-party',
      arns: arnsIn([PROD], ROLE.vendor),
      description: `Nimbus Monitoring (account ${VENDOR_ACCOUNT}) assumes it hourly with externalId ${VENDOR_EXTERNAL_ID}, then reads`,
      sessionNames: ['nimbusmon-<hex>'],
      sourceIps: [...IP.vendor],
    },
    ...PEOPLE.map(
      (p): ScenarioIdentity => ({
        id: p.id,
        class: 'human',
        arns: p.grants.map((gr) => roleArn(gr.account, gr.role)),
        description: `Identity Center user ${p.email}: weekday console and CLI sessions`,
        sessionNames: [p.email],
        sourceIps: [p.ip],
      }),
    ),
    {
      id: 'ops-admin',
      class: 'human',
      arns: arnsIn([PROD], ROLE.opsAdmin),
      description: "Operations role chained from alice's SSO CLI session, with sourceIdentity",
      sessionNames: ['alice-ops'],
    },
    {
      id: 'aws-config',
      class: 'aws-service',
      arns: ACCOUNTS.map((a) => roleArn(a.id, ROLE.config)),
      description: 'AWS Config service-linked role, invokedBy config.amazonaws.com',
      sessionNames: ['AWSConfig-Describe'],
    },
    {
      id: 'autoscaling',
      class: 'aws-service',
      arns: arnsIn([PROD], ROLE.autoScaling),
      description:
        'EC2 Auto Scaling service-linked role: RunInstances at 06:00, TerminateInstances at 20:00 UTC',
      sessionNames: ['AutoScaling'],
    },
    {
      id: 'cloudtrail-kms',
      class: 'aws-service',
      arns: [],
      description: `cloudtrail.amazonaws.com GenerateDataKey on ${CLOUDTRAIL_KEY_ARN} (AWSService events)`,
    },
  ];
}

function scenarioIncidents(): ScenarioIncident[] {
  return [
    {
      id: 'leaked-key-llmjacking',
      title: 'Leaked long-lived key used for LLM-jacking',
      day: INCIDENT.llmjacking.day,
      startUtc: hhmm(INCIDENT.llmjacking),
      actor: LEGACY_USER_ARN,
      accountId: PROD,
      regions: [US, EU],
      sourceIps: [IP.attackerRecon, IP.attackerApi, IP.attackerProxy],
      userAgent: UA.attackerBoto,
      accessKeyId: LEGACY_KEY_OLD,
      eventNames: [
        'GetCallerIdentity',
        'ListFoundationModels',
        'GetFoundationModelAvailability',
        'PutUseCaseForModelAccess',
        'CreateFoundationModelAgreement',
        'PutFoundationModelEntitlement',
        'InvokeModel',
      ],
      notes:
        'Recon with curl, model access enablement, one refused then 48 InvokeModel over about two hours from two exits.',
    },
    {
      id: 'human-uses-service-identity',
      title: 'A person signs in to the console as a workload user',
      day: INCIDENT.svcConsole.day,
      startUtc: hhmm(INCIDENT.svcConsole),
      actor: REPORTING_USER_ARN,
      accountId: PROD,
      regions: [EU, US],
      sourceIps: [IP.svcReportingPerson],
      userAgent: UA.firefox,
      eventNames: [
        'ConsoleLogin',
        'ListBuckets',
        'GetBucketLocation',
        'ListAliases',
        'ListWorkGroups',
        'ListQueryExecutions',
        'BatchGetQueryExecution',
        'StartQueryExecution',
        'GetQueryExecution',
        'GetQueryResults',
        'GetObject',
        'GetCostAndUsage',
        'GetUser',
        'ListUsers',
        'ListAccessKeys',
      ],
      notes: 'ConsoleLogin with MFAUsed No, then browser calls with sessionCredentialFromConsole "true".',
    },
    {
      id: 'agent-out-of-scope',
      title: 'AI agent acts outside its declared scope',
      day: INCIDENT.agentScope.day,
      startUtc: hhmm(INCIDENT.agentScope),
      actor: roleArn(PROD, ROLE.agentRuntime),
      accountId: PROD,
      regions: [US, EU],
      sourceIps: [IP.agentRuntime, IP.natUs],
      userAgent: UA.strands,
      eventNames: [
        'GetCallerIdentity',
        'ListAttachedRolePolicies',
        'CreateAccessKey',
        'AttachRolePolicy',
        'RunInstances',
        'GetObject',
        'ListSecrets',
        'GetSecretValue',
      ],
      notes: `CreateAccessKey for svc-reporting (issues ${AGENT_CREATED_KEY}), AttachRolePolicy AdministratorAccess denied, a g5.2xlarge RunInstances, four finance reports read, 14 GetSecretValue in under a minute (some denied); Converse calls in between.`,
    },
    {
      id: 'stop-logging',
      title: 'Attempt to stop the organization trail; data events narrowed',
      day: INCIDENT.stopLogging.day,
      startUtc: hhmm(INCIDENT.stopLogging),
      actor: LEGACY_USER_ARN,
      accountId: PROD,
      regions: [EU],
      sourceIps: [IP.attackerProxy],
      userAgent: UA.attackerBoto,
      accessKeyId: LEGACY_KEY_OLD,
      eventNames: [
        'DescribeTrails',
        'GetTrailStatus',
        'StopLogging',
        'GetEventSelectors',
        'PutEventSelectors',
      ],
      notes: `StopLogging on ${ORG_TRAIL_ARN} fails with AccessDenied; PutEventSelectors on ${DATA_TRAIL_ARN} succeeds and keeps only ${BUCKET.batch} object events, so other prod data events are missing until the restore in key-rotation.`,
    },
    {
      id: 'key-rotation',
      title: 'Rotation of the leaked legacy-backup key by an SSO administrator',
      day: INCIDENT.rotation.day,
      startUtc: hhmm(INCIDENT.rotation),
      actor: roleArn(PROD, ROLE.ssoAdmin),
      accountId: PROD,
      regions: [US, EU],
      sourceIps: [IP.alice],
      accessKeyId: LEGACY_KEY_NEW,
      eventNames: [
        'GetRoleCredentials',
        'ListAccessKeys',
        'GetAccessKeyLastUsed',
        'GetEventSelectors',
        'PutEventSelectors',
        'CreateAccessKey',
        'UpdateAccessKey',
        'DeleteAccessKey',
      ],
      notes: `alice@acme.example creates ${LEGACY_KEY_NEW}, sets ${LEGACY_KEY_OLD} Inactive and restores the data-event selectors; DeleteAccessKey follows on day ${INCIDENT.rotationDelete.day} at ${hhmm(INCIDENT.rotationDelete)}. The old key is never used after the rotation, the new one from the next night on.`,
    },
  ];
}

/**
 * Describes what {@link generateTenantMonth} produces: the accounts, the identities with their routine,
 * and the planted incidents with the fields that find their events.
 *
 * @example
 * const llm = sampleTenantScenario().incidents.find((i) => i.id === 'leaked-key-llmjacking');
 */
function sampleTenantScenario(): TenantScenario {
  return {
    accounts: ACCOUNTS.map((a) => ({ id: a.id, name: a.name, environment: a.environment })),
    identities: scenarioIdentities(),
    incidents: scenarioIncidents(),
  };
}

export {
  type CloudTrailRecord,
  generateTenantMonth,
  type ScenarioIdentity,
  type ScenarioIncident,
  sampleTenantScenario,
  type TenantMonthOptions,
  type TenantScenario,
};
