/**
 * @module Reduce, analyze, render and publish: merges the shards' outcomes into the run's
 * collect.json (shards that failed become coverage gaps), analyzes the staged records in one
 * streaming pass, renders the report and publishes it with its signed manifest under Object Lock
 * in the reports bucket, at `<tenant>/<period>/`.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { KMSClient } from '@aws-sdk/client-kms';
import { z } from 'zod';
import { createKmsSigner, type KmsSigner } from '../adapters/crypto/kmsSigning.js';
import type { ObjectStore } from '../adapters/store/ObjectStore.js';
import { parsePeriod } from '../core/analysis/period.js';
import { stagingPrefix } from '../core/collect/collectState.js';
import { previousPeriod } from '../core/schedule/schedulePeriod.js';
import { finishCollect, shardName } from '../jobs/collectJob.js';
import { publishReportJob } from '../jobs/publishReportJob.js';
import { REPORT_FORMATS } from '../jobs/reportJob.js';
import { ReportEventSchema, type ShardEvent, ShardEventSchema } from './events.js';
import {
  logger,
  metrics,
  parseEvent,
  RuntimeConfigError,
  type RuntimeEnv,
  reportsStore,
  runtimeEnv,
  stagingStore,
  tenantData,
} from './runtime.js';

interface ReportOutput {
  readonly tenant: string;
  readonly period: string;
  /** s3:// prefix of the published report. */
  readonly reportUri: string;
  readonly reportKeyPrefix: string;
  readonly manifestKey: string;
  readonly reportId: string;
  readonly signingKeyId: string;
  readonly records: number;
  readonly findingsBySeverity: Readonly<Record<string, number>>;
  readonly failedAccounts: number;
  readonly comparedWithPrevious: boolean;
  /** Shard analyses merged from the map step (0 when the staged records had to be read again). */
  readonly partialsMerged: number;
}

let kmsSigner: Promise<KmsSigner> | undefined;

async function readShardList(staging: ObjectStore, key: string): Promise<ShardEvent[]> {
  const list = JSON.parse(Buffer.from(await staging.get(key)).toString('utf8')) as unknown;
  return z.array(ShardEventSchema).parse(list);
}

/**
 * What the workflow recorded for shards whose function failed (the map's catch writes one object
 * per shard under the run's folder): the error and its cause, by shard.
 */
async function readShardFailures(
  staging: ObjectStore,
  tenant: string,
  period: string,
  runId: string,
): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  const prefix = `${stagingPrefix(tenant, period)}runs/${runId}/failures/`;
  for await (const o of staging.list(prefix)) {
    const record = JSON.parse(Buffer.from(await staging.get(o.key)).toString('utf8')) as {
      shard?: unknown;
      failure?: { Error?: string; Cause?: string };
    };
    const shard = ShardEventSchema.safeParse(record.shard);
    if (!shard.success) continue;
    failures.set(
      shardName(shard.data),
      [record.failure?.Error, record.failure?.Cause].filter(Boolean).join(': ') || 'failed',
    );
  }
  return failures;
}

/** The KMS signer in AWS; outside Lambda without a key ARN, the local key (as the CLI does). */
function manifestSigner(env: RuntimeEnv): Promise<KmsSigner> | undefined {
  if (env.SIGNING_KEY_ARN) {
    kmsSigner ??= createKmsSigner(new KMSClient({}), env.SIGNING_KEY_ARN);
    return kmsSigner;
  }
  if (env.AWS_LAMBDA_FUNCTION_NAME) {
    // A key made in /tmp would die with the container: its signatures would prove nothing.
    throw new RuntimeConfigError('SIGNING_KEY_ARN is not set: reports are signed with the KMS key in AWS');
  }
  return undefined;
}

async function handler(event: unknown): Promise<ReportOutput> {
  const input = parseEvent(ReportEventSchema, event, 'report');
  const env = runtimeEnv();
  const data = await tenantData(input.tenant, env);
  const window = parsePeriod(input.period);
  const staging = stagingStore(env);
  const shards = await readShardList(staging, input.shardsKey);
  const failures = await readShardFailures(staging, input.tenant, input.period, input.runId);
  const run = await finishCollect(
    { config: data.config, window, staging, runId: input.runId },
    shards,
    failures,
  );
  const reports = reportsStore(env);
  const settings = data.config.reports;
  const prefix = `${data.config.id}/${input.period}/`;
  const signer = await manifestSigner(env);
  const retainDays = settings?.retainDays ?? 400;
  const published = await publishReportJob({
    inputs: [staging.uri(stagingPrefix(data.config.id, input.period))],
    data,
    window,
    formats: settings?.formats ?? [...REPORT_FORMATS],
    store: reports,
    prefix,
    retention: {
      mode: (settings?.retentionMode ?? 'governance').toUpperCase() as 'GOVERNANCE' | 'COMPLIANCE',
      until: new Date(Date.now() + retainDays * 86_400_000),
    },
    previousAnalysis: { key: `${data.config.id}/${previousPeriod(input.period)}/analysis.json` },
    // One thread: the analysis worker's bootstrap file is not part of the bundle.
    jobs: 1,
    ...(signer ? { signer } : {}),
  });
  const bySeverity: Record<string, number> = {};
  for (const f of published.analysis.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  metrics.addDimension('tenant', data.config.id);
  metrics.addMetric('ReportsPublished', MetricUnit.Count, 1);
  metrics.addMetric('RecordsAnalyzed', MetricUnit.Count, published.analysis.input.accepted);
  metrics.addMetric(
    'FailedAccounts',
    MetricUnit.Count,
    run.accounts.filter((a) => a.status === 'failed').length,
  );
  metrics.publishStoredMetrics();
  for (const warning of published.warnings) logger.warn('report warning', { warning });
  logger.info('published', {
    tenant: data.config.id,
    period: input.period,
    reportId: published.reportId,
    signingKeyId: published.signingKeyId,
    objects: published.uploaded.length,
  });
  return {
    tenant: data.config.id,
    period: input.period,
    reportUri: reports.uri(prefix),
    reportKeyPrefix: prefix,
    manifestKey: `${prefix}manifest.json`,
    reportId: published.reportId,
    signingKeyId: published.signingKeyId,
    records: published.analysis.input.accepted,
    findingsBySeverity: bySeverity,
    failedAccounts: run.accounts.filter((a) => a.status === 'failed').length,
    comparedWithPrevious: published.comparedWithPrevious,
    partialsMerged: published.partialsMerged,
  };
}

export type { ReportOutput };
export { handler };
