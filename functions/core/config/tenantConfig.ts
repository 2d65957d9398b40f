/**
 * @module Tenant config: one YAML file per MSSP client, validated at load.
 *
 * The same file drives the CLI and (later) the deployment. Validation is strict about
 * shape and lenient about nothing: an unknown key is an error, because a typo in
 * `exceptions` or `inventory` would otherwise silently change what a report says.
 */
import { z } from 'zod';
import { DEFAULT_LINK_EXPIRY, linkExpiryProblem } from '../share/linkExpiry.js';
import { describeIssue, formatIssuePath } from '../shared/zodIssues.js';

const ACCOUNT_ID = /^\d{12}$/;
/** A tenant id: it names S3 prefixes, report files and IAM role names. */
const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+[a-z]?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const ActorClassSchema = z.enum(['human', 'workload', 'ai-agent', 'aws-service', 'third-party', 'unknown']);

const ACCOUNT_ID_MESSAGE = 'expected a 12-digit AWS account id (quote it in YAML)';
const accountId = z.string({ error: ACCOUNT_ID_MESSAGE }).regex(ACCOUNT_ID, ACCOUNT_ID_MESSAGE);
const isoDate = z
  .string()
  .regex(ISO_DATE, 'expected a date as YYYY-MM-DD')
  .refine((s) => {
    const ms = Date.parse(`${s}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(s);
  }, 'expected a real calendar date');

const SourceSchema = z.union(
  [
    z
      .object({
        s3: z
          .object({
            bucket: z.string().min(3, 'expected an S3 bucket name'),
            prefix: z.string().optional(),
            organizationId: z
              .string()
              .regex(/^o-[a-z0-9]{10,32}$/, 'expected an AWS Organizations id like o-abc123defg')
              .optional(),
          })
          .strict(),
      })
      .strict(),
    z.object({ lookupEvents: z.literal(true) }).strict(),
    z.object({ files: z.string().min(1, 'expected a path') }).strict(),
  ],
  {
    error:
      'expected one of { s3: { bucket, prefix?, organizationId? } }, { lookupEvents: true } or { files: <path> }',
  },
);

const AccountSchema = z
  .object({
    id: accountId,
    name: z.string().min(1),
    environment: z.string().min(1).describe('free text such as prod, staging, dev, shared'),
    source: SourceSchema,
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN')
      .optional(),
    externalId: z.string().min(2).max(1224).optional(),
  })
  .strict();

/** IAM-style action pattern such as `s3:GetObject`, `bedrock:Invoke*` or `lambda:*`. */
const ActionPattern = z
  .string()
  .regex(
    /^(?:\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/,
    'expected an action pattern like s3:GetObject, bedrock:Invoke* or *',
  );

const InventoryEntrySchema = z
  .object({
    match: z.string().min(1).describe('ARN or ARN pattern with * wildcards; also matches role session ARNs'),
    name: z.string().optional(),
    class: ActorClassSchema,
    owner: z.string().min(1).optional(),
    purpose: z.string().optional(),
    environment: z.string().optional(),
    allowedScope: z
      .object({
        actions: z.array(ActionPattern).min(1),
        regions: z.array(z.string().regex(REGION, 'expected an AWS region name')).optional(),
        accounts: z.array(accountId).optional(),
      })
      .strict()
      .optional(),
    decommissioned: isoDate.optional(),
  })
  .strict();

const ExceptionSchema = z
  .object({
    rule: z.string().min(1),
    actor: z.string().min(1).optional().describe('ARN pattern of the actor the exception covers'),
    resource: z.string().min(1).optional(),
    reason: z.string().min(5, 'say why the exception is acceptable'),
    approvedBy: z.string().optional(),
    expires: isoDate,
  })
  .strict();

/** Six fields as EventBridge Scheduler reads them: minutes hours day-of-month month day-of-week year. */
const SCHEDULER_CRON = /^\S+ \S+ \S+ \S+ \S+ \S+$/;

const ScheduleSchema = z
  .object({
    frequency: z
      .enum(['daily', 'weekly', 'monthly'])
      .optional()
      .describe('runs at 06:00 local time: every day, Mondays, or the 1st; reports the last complete period'),
    cron: z
      .string()
      .regex(SCHEDULER_CRON, 'expected a 6-field EventBridge cron such as "30 5 ? * MON-FRI *"')
      .optional(),
    period: z
      .enum(['daily', 'weekly', 'monthly'])
      .optional()
      .describe('with cron: which period each run reports on (default daily)'),
    timezone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'expected an IANA time zone such as Europe/Berlin')
      .default('UTC'),
  })
  .strict()
  .refine((s) => Boolean(s.frequency) !== Boolean(s.cron), 'set exactly one of frequency or cron')
  .refine((s) => !(s.frequency && s.period), 'period goes with cron; frequency already sets the period');

const ReportSettingsSchema = z
  .object({
    formats: z
      .array(z.enum(['html', 'pdf', 'json', 'csv', 'ocsf']))
      .min(1)
      .default(['html', 'pdf', 'json', 'csv', 'ocsf'])
      .describe('artifacts a scheduled run publishes'),
    retainDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .default(400)
      .describe('S3 Object Lock retention of each published object, in days'),
    retentionMode: z.enum(['governance', 'compliance']).default('governance'),
  })
  .strict();

const RecipientSchema = z
  .object({
    email: z.email('expected an e-mail address'),
    name: z.string().optional(),
    role: z.string().optional(),
  })
  .strict();

/** How published reports reach the tenant: link lifetime and who is told (see docs/sharing.md). */
const SharingSchema = z
  .object({
    linkExpiry: z
      .string()
      .superRefine((value, ctx) => {
        const problem = linkExpiryProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_LINK_EXPIRY),
    notify: z
      .union(
        [
          z
            .object({
              ses: z
                .object({
                  from: z.email('expected the verified SES sender address'),
                  configurationSet: z.string().min(1).optional(),
                })
                .strict(),
            })
            .strict(),
          z
            .object({
              sns: z
                .object({
                  topicArn: z
                    .string()
                    .regex(
                      /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
                      'expected an SNS topic ARN',
                    ),
                })
                .strict(),
            })
            .strict(),
        ],
        { error: 'expected { ses: { from, configurationSet? } } or { sns: { topicArn } }' },
      )
      .optional(),
  })
  .strict();

export const TenantConfigSchema = z
  .object({
    id: z.string().regex(TENANT_ID, 'expected lowercase letters, digits and dashes (used in S3 prefixes)'),
    name: z.string().min(1),
    mssp: z
      .object({
        name: z.string().min(1),
        logo: z.string().optional().describe('path to an SVG or PNG file, relative to this config file'),
        colors: z
          .object({
            primary: z.string().regex(HEX_COLOUR, 'expected a colour like #0b3d91').optional(),
            accent: z.string().regex(HEX_COLOUR, 'expected a colour like #f28c28').optional(),
          })
          .strict()
          .optional(),
        contact: z.string().optional(),
        poweredBy: z
          .boolean()
          .optional()
          .describe('credit Trailproof in the report footer; reports are white-label by default'),
      })
      .strict(),
    accounts: z.array(AccountSchema).min(1, 'list at least one account'),
    regions: z.array(z.string().regex(REGION, 'expected an AWS region name')).min(1).optional(),
    inventory: z.array(InventoryEntrySchema).default([]),
    exceptions: z.array(ExceptionSchema).default([]),
    schedule: ScheduleSchema.optional(),
    reports: ReportSettingsSchema.optional(),
    recipients: z.array(RecipientSchema).default([]),
    sharing: SharingSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.accounts.forEach((a, i) => {
      const first = seen.get(a.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'id'],
          message: `account ${a.id} is listed twice (also accounts[${first}])`,
        });
      }
      seen.set(a.id, i);
    });
  });

export type TenantConfig = z.infer<typeof TenantConfigSchema>;
export type TenantAccount = TenantConfig['accounts'][number];
export type InventoryEntry = TenantConfig['inventory'][number];
export type TenantException = TenantConfig['exceptions'][number];

/** A config that failed validation; `problems` holds one line per issue, each naming its field. */
class TenantConfigError extends Error {
  override name = 'TenantConfigError' as const;
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid tenant config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Validates an already-parsed config document.
 * @throws TenantConfigError listing every problem, each with its field path
 */
function parseTenantConfig(document: unknown, file: string): TenantConfig {
  const result = TenantConfigSchema.safeParse(document, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => describeIssue(issue, formatIssuePath(issue.path)));
  throw new TenantConfigError(file, problems);
}

/**
 * The config used when `analyze` runs without `--config`: nothing is declared, so no account
 * counts as the tenant's own and no principal is classified as third party by account alone.
 */
function defaultTenantConfig(): TenantConfig {
  return {
    id: 'adhoc',
    name: 'Ad-hoc analysis',
    mssp: { name: 'Trailproof' },
    accounts: [],
    inventory: [],
    exceptions: [],
    recipients: [],
  };
}

export { ActorClassSchema, defaultTenantConfig, parseTenantConfig, TENANT_ID, TenantConfigError };
