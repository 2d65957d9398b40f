/**
 * @module `trailproof analyze <path>... [--config tenant.yaml] [--out DIR]`
 */
import type { Command } from 'commander';
import { parsePeriod, parseRange } from '../../core/analysis/period.js';
import type { TimeWindow } from '../../core/ingest/ingestEvents.js';
import { analyzeJob } from '../../jobs/analyzeJob.js';
import { loadPipelineData } from '../../jobs/loadPipelineData.js';
import { ExitCode } from '../exitCodes.js';
import { createProgress } from '../progress.js';
import { formatSummary } from '../summary.js';

interface WindowOptions {
  period?: string;
  from?: string;
  to?: string;
}

/** Reads `--period` or `--from/--to`; undefined when neither is given. */
function windowFromOptions(options: WindowOptions): TimeWindow | undefined {
  if (options.period && (options.from || options.to)) {
    throw new UsageError('use either --period or --from/--to, not both');
  }
  if (options.period) return parsePeriod(options.period);
  if (options.from || options.to) {
    if (!options.from || !options.to) throw new UsageError('--from and --to go together');
    return parseRange(options.from, options.to);
  }
  return undefined;
}

function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(`--jobs takes a whole number from 1 to 64, got "${value}"`);
  return n;
}

class UsageError extends Error {
  override name = 'UsageError' as const;
}

function addWindowOptions(command: Command): Command {
  return command
    .option('--period <period>', 'only events in this UTC month (2026-11) or day (2026-11-05)')
    .option('--from <iso>', 'only events at or after this instant (with --to)')
    .option('--to <iso>', 'only events before this instant (with --from)');
}

function registerAnalyzeCommand(program: Command): void {
  addWindowOptions(
    program
      .command('analyze')
      .description(
        'read CloudTrail records from files and directories and write analysis.json and evidence.ndjson',
      )
      .argument(
        '<path...>',
        'files or directories (read recursively): .json, .json.gz, .jsonl, .ndjson, LookupEvents output',
      )
      .option(
        '-c, --config <file>',
        'tenant config (YAML); without it nothing is declared and no account counts as the tenant',
      )
      .option('-o, --out <dir>', 'output directory', 'out/analysis')
      .option(
        '-j, --jobs <n>',
        'worker threads (default: 1 for small inputs, else up to 4 by cores)',
        parseJobs,
      ),
  ).action(
    async (paths: string[], options: WindowOptions & { config?: string; out: string; jobs?: number }) => {
      const window = windowFromOptions(options);
      const data = await loadPipelineData(options.config);
      const progress = createProgress();
      const result = await analyzeJob({
        inputs: paths,
        outDir: options.out,
        data,
        window,
        jobs: options.jobs,
        onProgress: progress?.update,
      });
      progress?.done();
      process.stdout.write(
        `${formatSummary(
          result.analysis,
          [result.analysisFile, result.evidenceFile].filter((f): f is string => f !== null),
        )}\n`,
      );
      if (result.jobs > 1) process.stdout.write(`Threads   ${result.jobs} worker threads\n`);
      if (result.analysis.input.accepted === 0) {
        process.stderr.write('error: no usable CloudTrail record was read from the given paths\n');
        process.exitCode = ExitCode.NoUsableInput;
      }
    },
  );
}

export { addWindowOptions, parseJobs, registerAnalyzeCommand, UsageError, windowFromOptions };
