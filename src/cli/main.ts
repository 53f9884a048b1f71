#!/usr/bin/env node
import { runCli } from './cli-program.js';
import { ExitCode } from './exit-codes.js';
import { printError } from './output.js';

// An error raised outside any awaited call (a driver's socket dropping) would otherwise end the
// process with a stack trace.
const crash = (error: unknown): void => {
  printError(error);
  process.exit(ExitCode.Failure);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

// exitCode, not exit(): stdout is flushed before the process ends.
process.exitCode = await runCli(process.argv.slice(2));
