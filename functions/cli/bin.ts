#!/usr/bin/env node
/**
 * @module The `trailproof` command line: the same jobs the Lambda handlers run, against local files.
 */
import { Command, CommanderError } from 'commander';
import { SigningKeyError } from '../adapters/crypto/localSigning.js';
import { YamlFileError } from '../adapters/fs/readYamlDocument.js';
import { S3UriError } from '../adapters/store/s3Access.js';
import { PeriodError } from '../core/analysis/period.js';
import { PreviousAnalysisError } from '../core/analysis/periodChange.js';
import { StagingError } from '../core/collect/collectState.js';
import { TenantConfigError } from '../core/config/tenantConfig.js';
import { TOOL_VERSION } from '../core/version.js';
import { LogoError, OutputDirectoryError } from '../jobs/reportJob.js';
import { registerAnalyzeCommand, UsageError } from './commands/analyzeCommand.js';
import { registerCatalogCommand } from './commands/catalogCommand.js';
import { registerCollectCommand } from './commands/collectCommand.js';
import { registerDemoCommand } from './commands/demoCommand.js';
import { registerReportCommand } from './commands/reportCommand.js';
import { registerShareCommand } from './commands/shareCommand.js';
import { registerVerifyCommand } from './commands/verifyCommand.js';
import { ExitCode } from './exitCodes.js';

const program = new Command('trailproof')
  .description('CloudTrail evidence reports: who or what acted, with which credential, for whom')
  .version(TOOL_VERSION)
  .showHelpAfterError()
  .exitOverride();

registerCollectCommand(program);
registerAnalyzeCommand(program);
registerReportCommand(program);
registerDemoCommand(program);
registerCatalogCommand(program);
registerVerifyCommand(program);
registerShareCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are not errors; every other parse problem is a usage error.
    process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.InvalidInput;
  } else if (
    error instanceof TenantConfigError ||
    error instanceof YamlFileError ||
    error instanceof PeriodError ||
    error instanceof UsageError ||
    error instanceof LogoError ||
    error instanceof PreviousAnalysisError ||
    error instanceof OutputDirectoryError ||
    error instanceof SigningKeyError ||
    error instanceof S3UriError ||
    error instanceof StagingError
  ) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = ExitCode.InvalidInput;
  } else {
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = ExitCode.OutputFailed;
  }
}
