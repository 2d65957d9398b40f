/**
 * @module `trailproof demo [--out DIR]`: generates the bundled sample tenant month and reports on it.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { writeTrailFiles } from '../../adapters/fs/writeTrailFiles.js';
import { generateTenantMonth } from '../../core/sample/generateTenantMonth.js';
import { REPORT_FORMATS } from '../../jobs/reportJob.js';
import { runReport } from './reportCommand.js';

const DEMO_CONFIG = fileURLToPath(new URL('../../../examples/demo-tenant.yaml', import.meta.url));
const DEMO_MONTH = '2026-10';

function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate a realistic sample tenant month (no AWS account needed) and run report on it')
    .option('-o, --out <dir>', 'output directory (the generated logs go to DIR/input)', 'out/demo')
    .option('--month <YYYY-MM>', 'month to generate', DEMO_MONTH)
    .option('--format <list>', `comma-separated: ${REPORT_FORMATS.join(',')}`, REPORT_FORMATS.join(','))
    .action(async (options: { out: string; month: string; format: string }) => {
      const input = path.join(options.out, 'input');
      await rm(input, { recursive: true, force: true });
      const written = await writeTrailFiles(generateTenantMonth({ month: options.month }), input);
      process.stdout.write(
        `Generated ${written.records.toLocaleString('en-US')} CloudTrail records in ${written.files.toLocaleString('en-US')} files under ${input}\n`,
      );
      await runReport([input], {
        config: DEMO_CONFIG,
        out: options.out,
        format: options.format,
        period: options.month,
      });
    });
}

export { DEMO_CONFIG, DEMO_MONTH, registerDemoCommand };
