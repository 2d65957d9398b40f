/**
 * @module The events the state machine passes between the pipeline's functions. The workflow
 * definition (infra/constructs/TenantPipeline.ts) and the local driver build exactly these shapes.
 */
import { z } from 'zod';
import { TENANT_ID } from '../core/config/tenantConfig.js';

const tenant = z.string().regex(TENANT_ID, 'expected a tenant id');
const period = z.string().regex(/^\d{4}-(?:\d{2}|W\d{2}|\d{2}-\d{2})$/, 'expected a day, ISO week or month');

/** Plan: from the schedule (tenant + scheduled time) or a manual start (tenant + period). */
const PlanEventSchema = z
  .object({
    tenant,
    period: period.optional(),
    scheduledTime: z.iso.datetime({ offset: true }).optional(),
    /** The Step Functions execution name; names the run in shard outcomes. */
    runId: z.string().min(1).max(128),
  })
  .refine((e) => e.period || e.scheduledTime, 'give period or scheduledTime');

/** One Distributed Map item: a shard of collection work. */
const ShardEventSchema = z.object({
  tenant,
  period,
  runId: z.string().min(1).max(128),
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
  /** Absent: every day of the period (LookupEvents shards). */
  day: z.iso.date().optional(),
  region: z.string().optional(),
  /** `<account>[_<day>][_<region>]`: names the shard's outcome and its failure record. */
  name: z.string().optional(),
});

/**
 * Reduce + render + publish, after the map: the shards come from the plan's list in staging,
 * failed shards from the records the map's catch wrote beside it.
 */
const ReportEventSchema = z.object({
  tenant,
  period,
  runId: z.string().min(1).max(128),
  /** Staging key of the plan's shard list (what the Distributed Map read). */
  shardsKey: z.string().min(1),
});

/** Share, after Report: the published period of the tenant. */
const ShareEventSchema = z.object({ tenant, period });

type PlanEvent = z.infer<typeof PlanEventSchema>;
type ShardEvent = z.infer<typeof ShardEventSchema>;
type ReportEvent = z.input<typeof ReportEventSchema>;

interface PlanOutput {
  readonly tenant: string;
  readonly period: string;
  readonly runId: string;
  readonly shardCount: number;
  /** Where the shard list is: the Distributed Map reads its items from there (no payload limit). */
  readonly stagingBucket: string;
  readonly shardsKey: string;
}

export type { PlanEvent, PlanOutput, ReportEvent, ShardEvent };
export { PlanEventSchema, ReportEventSchema, ShardEventSchema, ShareEventSchema };
