import { Command, CommanderError } from 'commander';
import { registerCompareCommand } from './compare-command.js';
import { registerConflictsCommand } from './conflicts-command.js';
import { registerDeprovisionCommand } from './deprovision-command.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { registerExportCommand } from './export-command.js';
import { registerFailuresCommand } from './failures-command.js';
import { printError } from './output.js';
import { packageVersion } from './package-version.js';
import { registerProvisionCommand } from './provision-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerSyncCommand } from './sync-command.js';
import { registerValidateCommand } from './validate-command.js';

/**
 * Parse and run one hubsync command line; the exit status is returned, never thrown. Every error
 * ends as one `hubsync: <message>` line on stderr, without a stack trace.
 */
export async function runCli(args: readonly string[]): Promise<ExitCode> {
  try {
    await buildProgram().parseAsync([...args], { from: 'user' });
    return ExitCode.Success;
  } catch (error) {
    if (error instanceof CommanderError) return handleCommanderExit(error);
    printError(error);
    return exitCodeFor(error);
  }
}

function buildProgram(): Command {
  // Configured before the commands are added, which inherit these settings.
  const program = new Command('hubsync')
    .description('hub-and-spoke, bidirectional sync between databases: the open replacement for Azure SQL Data Sync')
    .version(packageVersion())
    .exitOverride()
    // Commander's own error line is replaced by ours in handleCommanderExit.
    .configureOutput({ outputError: () => {} });
  registerValidateCommand(program);
  registerProvisionCommand(program);
  registerSyncCommand(program);
  registerConflictsCommand(program);
  registerFailuresCommand(program);
  registerCompareCommand(program);
  registerStatusCommand(program);
  registerDeprovisionCommand(program);
  registerExportCommand(program);
  return program;
}

function handleCommanderExit(error: CommanderError): ExitCode {
  // --help and --version print and end normally.
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.Success;
  // A command group without a subcommand: commander has already printed its help to stderr.
  if (error.code === 'commander.help') return ExitCode.InputError;
  printError(`${error.message.replace(/^error: /, '')} (see hubsync --help)`);
  return ExitCode.InputError;
}
