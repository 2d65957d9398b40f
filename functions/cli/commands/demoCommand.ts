/**
 * @module `trailproof demo [--out DIR]`: generates two months of the bundled sample tenant (a
 * quiet previous month and the reported month with five planted incidents), analyses the first
 * and reports on the second, so the report shows change since the previous period.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { writeTrailFiles } from '../../adapters/fs/writeTrailFiles.js';
import { parsePeriod } from '../../core/analysis/period.js';
import { generateTenantMonth } from '../../core/sample/generateTenantMonth.js';
import { analyzeJob } from '../../jobs/analyzeJob.js';
import { loadPipelineData } from '../../jobs/loadPipelineData.js';
import { REPORT_FORMATS } from '../../jobs/reportJob.js';
import { UsageError } from './analyzeCommand.js';
import { runReport } from './reportCommand.js';

const DEMO_CONFIG = fileURLToPath(new URL('../../../examples/demo-tenant.yaml', import.meta.url));
const DEMO_MONTH = '2026-10';
/** The previous month has one of the five incidents: it recurs, the others are new. */
const PREVIOUS_MONTH_INCIDENTS = ['human-uses-service-identity'];

function monthBefore(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new UsageError(`--month takes YYYY-MM, got "${month}"`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 2, 1));
  return d.toISOString().slice(0, 7);
}

const fmt = (n: number) => n.toLocaleString('en-US');

function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'generate two months of a realistic sample tenant (no AWS account needed), then report on the second with change since the first',
    )
    .option(
      '-o, --out <dir>',
      'output directory: DIR/input (generated logs), DIR/previous, DIR/report',
      'out/demo',
    )
    .option('--month <YYYY-MM>', 'month to report on', DEMO_MONTH)
    .option('--format <list>', `comma-separated: ${REPORT_FORMATS.join(',')}`, REPORT_FORMATS.join(','))
    .action(async (options: { out: string; month: string; format: string }) => {
      const previousMonth = monthBefore(options.month);
      const inputRoot = path.join(options.out, 'input');
      await rm(inputRoot, { recursive: true, force: true });
      const previousInput = path.join(inputRoot, previousMonth);
      const input = path.join(inputRoot, options.month);
      const before = await writeTrailFiles(
        generateTenantMonth({ month: previousMonth, incidents: PREVIOUS_MONTH_INCIDENTS }),
        previousInput,
      );
      const written = await writeTrailFiles(generateTenantMonth({ month: options.month }), input);
      process.stdout.write(
        `Generated ${fmt(before.records + written.records)} CloudTrail records in ${fmt(before.files + written.files)} files under ${inputRoot} (${previousMonth} and ${options.month})\n`,
      );
      const previousOut = path.join(options.out, 'previous');
      await rm(previousOut, { recursive: true, force: true });
      const previous = await analyzeJob({
        inputs: [previousInput],
        outDir: previousOut,
        data: await loadPipelineData(DEMO_CONFIG),
        window: parsePeriod(previousMonth),
      });
      process.stdout.write(`Analysed ${previousMonth} into ${previous.analysisFile}\n`);
      await runReport([input], {
        config: DEMO_CONFIG,
        out: path.join(options.out, 'report'),
        format: options.format,
        period: options.month,
        previous: previous.analysisFile ?? undefined,
      });
    });
}

export { DEMO_CONFIG, DEMO_MONTH, registerDemoCommand };
