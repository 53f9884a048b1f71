import Database from 'better-sqlite3';
import { ErrorCode, HubsyncError } from '../../errors.js';

/**
 * A better-sqlite3 failure as a HubsyncError, so callers can tell a rejected row (the engine
 * records a failed record) from an unusable file and from anything unexpected. Any other error
 * is returned unchanged: it is already typed, or it is the engine's own (a throwing resolve).
 */
export function mapSqliteError(error: unknown, doing: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  return new HubsyncError(codeOf(error.code), `SQLite failed ${doing}: ${error.message} (${error.code})`, { cause: error });
}

function codeOf(sqliteCode: string): ErrorCode {
  if (sqliteCode.startsWith('SQLITE_CONSTRAINT') || sqliteCode === 'SQLITE_MISMATCH' || sqliteCode === 'SQLITE_TOOBIG') {
    return ErrorCode.DataRejected;
  }
  if (sqliteCode.startsWith('SQLITE_CANTOPEN') || sqliteCode.startsWith('SQLITE_NOTADB')) return ErrorCode.ConnectionFailed;
  return ErrorCode.DatabaseError;
}
