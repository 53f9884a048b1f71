import { access } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { mapSqliteError } from '../../providers/sqlite/sqlite-errors.js';
import type { SqlConnection, SqlRunner } from './sql-connection.js';

const busyTimeoutMs = 5000;

/**
 * A SQLite file for an export: the destination (created when missing) or a source's rows by key
 * (`create: false`). One connection, used by one export at a time.
 */
export async function openSqliteSqlConnection(path: string, options: { create: boolean }): Promise<SqlConnection> {
  if (!options.create && !(await access(path).then(() => true, () => false))) {
    throw new HubsyncError(ErrorCode.ConnectionFailed, `SQLite database file not found: ${path}`);
  }
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    db.defaultSafeIntegers(true);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new HubsyncError(ErrorCode.ConnectionFailed, `SQLite database could not be opened: ${message}`, { cause: error });
  }
  const runner: SqlRunner = {
    query: async (sql, params) => {
      try {
        const statement = db.prepare(sql);
        if (statement.reader) return statement.raw(true).all(...(params as unknown[])) as unknown[][];
        statement.run(...(params as unknown[]));
        return [];
      } catch (error) {
        throw mapSqliteError(error, 'writing the export');
      }
    },
  };
  return {
    ...runner,
    async transaction(work) {
      await runner.query('BEGIN IMMEDIATE', []);
      try {
        const result = await work(runner);
        await runner.query('COMMIT', []);
        return result;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    close: async () => {
      db.close();
    },
  };
}
