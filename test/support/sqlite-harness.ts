import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteProvider } from '../../src/providers/sqlite/sqlite-provider.js';
import type { ProviderHarness, TestDatabase } from './harness.js';

/** Fresh SQLite files, one temporary folder each, removed again by dispose. */
export const sqliteHarness: ProviderHarness = {
  engine: 'sqlite',
  async createDatabase(): Promise<TestDatabase> {
    const folder = await mkdtemp(join(tmpdir(), 'hubsync-sqlite-'));
    const file = join(folder, 'test.db');
    // A handle of its own, as another program writing the database would have one.
    const handle = new Database(file);
    handle.pragma('journal_mode = WAL');
    return {
      engine: 'sqlite',
      connection: file,
      open: () => openSqliteProvider(file, { create: false }),
      async exec(sql, params = []) {
        const statement = handle.prepare(sql);
        if (statement.reader) statement.all(...params.map(bindable));
        else statement.run(...params.map(bindable));
      },
      async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
        return handle.prepare<unknown[], T>(sql).all(...params.map(bindable));
      },
      async dispose() {
        handle.close();
        await rm(folder, { recursive: true, force: true });
      },
    };
  },
};

/** The shared suites pass values the PostgreSQL driver takes; better-sqlite3 refuses booleans and bare Uint8Arrays. */
function bindable(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}
