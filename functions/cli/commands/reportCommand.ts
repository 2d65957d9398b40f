/**
 * @module `trailproof report <path>... --config tenant.yaml [--period …] [--out DIR] [--format …]`
 */
import { type Command, Option } from 'commander';
import { S3ObjectStore } from '../../adapters/store/S3ObjectStore.js';
import { createS3Client, isS3Uri, parseS3Uri } from '../../adapters/store/s3Access.js';
import { loadPipelineData } from '../../jobs/loadPipelineData.js';
import { publishReportJob } from '../../jobs/publishReportJob.js';
import { REPORT_FORMATS, type ReportFormat, type ReportJobResult, reportJob } from '../../jobs/reportJob.js';
import { ExitCode } from '../exitCodes.js';
import { createProgress } from '../progress.js';
import { formatSummary } from '../summary.js';
import { addWindowOptions, parseJobs, UsageError, windowFromOptions } from './analyzeCommand.js';

function parseRetainDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 36_500)
    throw new UsageError(`--retain-days takes a whole number of days, got "${value}"`);
  return n;
}

function parseFormats(value: string): ReportFormat[] {
  const formats = value
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = formats.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
  if (unknown.length || formats.length === 0) {
    throw new UsageError(
      `--format takes a comma-separated list of ${REPORT_FORMATS.join(', ')}; got "${value}"`,
    );
  }
  return [...new Set(formats)] as ReportFormat[];
}

interface ReportCommandOptions {
  config: string;
  out: string;
  format: string;
  period?: string;
  from?: string;
  to?: string;
  jobs?: number;
  previous?: string;
  retainDays?: number;
  retentionMode?: string;
}

/** Shared by `report` and `demo`: run the report job and print the summary. */
async function runReport(paths: readonly string[], options: ReportCommandOptions): Promise<void> {
  const window = windowFromOptions(options);
  const formats = parseFormats(options.format);
  const data = await loadPipelineData(options.config);
  if (!isS3Uri(options.out) && options.retainDays)
    throw new UsageError('--retain-days applies to an s3:// --out only');
  const progress = createProgress();
  const job = {
    inputs: paths,
    data,
    window,
    formats,
    previousAnalysis: options.previous,
    jobs: options.jobs,
    onProgress: progress?.update,
  };
  let result: ReportJobResult;
  let written: readonly string[];
  if (isS3Uri(options.out)) {
    // An S3 destination: rendered in a scratch folder, then uploaded with the manifest last.
    const { bucket, prefix } = parseS3Uri(options.out);
    const retention = options.retainDays
      ? {
          mode: (options.retentionMode ?? 'governance').toUpperCase() as 'GOVERNANCE' | 'COMPLIANCE',
          until: new Date(Date.now() + options.retainDays * 86_400_000),
        }
      : undefined;
    const published = await publishReportJob({
      ...job,
      store: new S3ObjectStore(createS3Client(), bucket),
      prefix,
      retention,
    });
    result = published;
    written = published.uploaded;
  } else {
    result = await reportJob({ ...job, outDir: options.out });
    written = result.files;
  }
  progress?.done();
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`${formatSummary(result.analysis, written)}\n`);
  if (result.change) {
    const top = result.change.highlights.slice(0, 3);
    process.stdout.write(
      `Change since ${result.change.previous.period ?? 'the previous run'}: ${result.change.findings.new.length} new, ${result.change.findings.resolved.length} resolved, ${result.change.findings.persisting.length} persisting findings\n${top.map((h) => `  - ${h.text}\n`).join('')}`,
    );
  }
  process.stdout.write(
    `Signed manifest.json with key ${result.signingKeyId}; check with: trailproof verify ${options.out}\n`,
  );
  if (result.analysis.input.accepted === 0) {
    process.stderr.write('error: no usable CloudTrail record was read from the given paths\n');
    process.exitCode = ExitCode.NoUsableInput;
  }
}

function registerReportCommand(program: Command): void {
  addWindowOptions(
    program
      .command('report')
      .description(
        'analyze, then render the evidence report (HTML, PDF) with its exports and a signed manifest.json',
      )
      .argument('<path...>', 'files or directories with CloudTrail records')
      .requiredOption('-c, --config <file>', 'tenant config (YAML)')
      .option('-o, --out <dir>', 'output directory', 'out/report')
      .option('--format <list>', `comma-separated: ${REPORT_FORMATS.join(',')}`, REPORT_FORMATS.join(','))
      .option('--previous <analysis.json>', "the previous period's analysis.json, for the change section")
      .option(
        '--retain-days <n>',
        'with an s3:// --out: keep each object under S3 Object Lock for n days',
        parseRetainDays,
      )
      .addOption(
        new Option('--retention-mode <mode>', 'Object Lock mode for --retain-days')
          .choices(['governance', 'compliance'])
          .default('governance'),
      )
      .option(
        '-j, --jobs <n>',
        'worker threads (default: 1 for small inputs, else up to 4 by cores)',
        parseJobs,
      ),
  ).action(async (paths: string[], options: ReportCommandOptions) => runReport(paths, options));
}

export { registerReportCommand, runReport };
