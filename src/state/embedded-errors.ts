import { ErrorCode, HubsyncError } from '../errors.js';

/**
 * SQLite errors that mean the state file itself cannot be used (the user can fix them: a
 * permission, a wrong path, a file that is not a state file), as one line naming the file.
 * Null for anything else after opening, which stays the error it was.
 */
export function stateFileError(path: string, action: string, error: unknown): HubsyncError | null {
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  if (code.startsWith('SQLITE_READONLY')) {
    return new HubsyncError(ErrorCode.StateUnavailable, `state file ${path} is read-only: cannot ${action}`, { cause: error });
  }
  // Whatever stops a state file from opening (a folder it cannot create, too) is the user's to fix.
  if (/^SQLITE_(CANTOPEN|NOTADB|CORRUPT|PERM|AUTH)/.test(code) || action === 'open') {
    const reason = error instanceof Error ? error.message.replace(/\s*\n\s*/g, ' ') : String(error);
    const what = action === 'open' ? `cannot open state file ${path}` : `cannot ${action} in state file ${path}`;
    return new HubsyncError(ErrorCode.StateUnavailable, `${what}: ${reason}`, { cause: error });
  }
  return null;
}
