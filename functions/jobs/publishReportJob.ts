/**
 * @module Publish a report to an object store prefix: render it into a scratch folder with the
 * report job, upload every artifact (the signed manifest last) under Object Lock retention when
 * asked, and remove the scratch folder. The CLI's `report --out s3://…` and the pipeline's report
 * function both publish through here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getIfExists, type ObjectStore } from '../adapters/store/ObjectStore.js';
import { type ReportJobOptions, type ReportJobResult, reportJob } from './reportJob.js';
import { checkReportPrefix, uploadReport } from './reportLocation.js';

interface PublishReportOptions extends Omit<ReportJobOptions, 'outDir' | 'previousAnalysis'> {
  /** Where the report goes. */
  readonly store: ObjectStore;
  readonly prefix: string;
  /** Object Lock retention for every uploaded object. */
  readonly retention?: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly until: Date };
  /** The previous period's analysis: a local file, or a key in `store` (skipped when absent). */
  readonly previousAnalysis?: string | { readonly key: string };
}

interface PublishReportResult extends ReportJobResult {
  /** URIs of the uploaded objects, the manifest last. */
  readonly uploaded: readonly string[];
  /** True when a previous analysis was found and the change section computed from it. */
  readonly comparedWithPrevious: boolean;
}

async function publishReportJob(options: PublishReportOptions): Promise<PublishReportResult> {
  const { store, prefix, retention, previousAnalysis, ...job } = options;
  await checkReportPrefix(store, prefix);
  const scratch = await mkdtemp(path.join(tmpdir(), 'trailproof-publish-'));
  try {
    let previous: string | undefined;
    if (typeof previousAnalysis === 'string') previous = previousAnalysis;
    else if (previousAnalysis) {
      const bytes = await getIfExists(store, previousAnalysis.key);
      if (bytes) {
        previous = path.join(scratch, 'previous-analysis.json');
        await writeFile(previous, bytes);
      }
    }
    const outDir = path.join(scratch, 'report');
    const result = await reportJob({ ...job, outDir, previousAnalysis: previous });
    const uploaded = await uploadReport(outDir, store, prefix, retention);
    return { ...result, uploaded, comparedWithPrevious: previous !== undefined };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export type { PublishReportOptions, PublishReportResult };
export { publishReportJob };
