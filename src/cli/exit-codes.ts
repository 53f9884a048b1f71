import { isHubsyncError } from '../errors.js';

export const ExitCode = {
  Success: 0,
  /** A run failed or left failed rows, or something unexpected broke. */
  Failure: 1,
  /** Bad arguments, configuration or input: the user has something to fix. */
  InputError: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown by a command that finished its output but must end with a non-zero status. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'ExitError';
  }
}

/** Usage errors are mapped where commander reports them; this covers what the commands throw. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof ExitError) return error.exitCode;
  return isHubsyncError(error) && error.isInputError ? ExitCode.InputError : ExitCode.Failure;
}
