import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresProvider } from '../../src/providers/postgres/postgres-provider.js';
import type { ProviderHarness, TestDatabase } from './harness.js';

/** The local test server: trust authentication, so the URLs carry no password. */
const serverUrl = 'postgres://postgres@127.0.0.1:5432';

/** Runs one statement on the maintenance database `postgres`, where databases are created and dropped. */
async function onServer(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * `?` placeholders become $1, $2, ...; a `?` inside a quoted literal or identifier is left alone.
 */
function toNumberedPlaceholders(sql: string): string {
  let result = '';
  let quote: string | null = null;
  let count = 0;
  for (const character of sql) {
    if (quote !== null) {
      if (character === quote) quote = null;
      result += character;
    } else if (character === "'" || character === '"') {
      quote = character;
      result += character;
    } else if (character === '?') {
      count += 1;
      result += `$${count}`;
    } else {
      result += character;
    }
  }
  return result;
}

export const postgresHarness: ProviderHarness = {
  engine: 'postgres',
  async createDatabase(): Promise<TestDatabase> {
    const name = `hubsync_t_${randomBytes(6).toString('hex')}`;
    await onServer(`CREATE DATABASE ${name}`);
    const connection = `${serverUrl}/${name}`;
    const pool = new pg.Pool({ connectionString: connection, max: 2 });
    pool.on('error', () => undefined);
    return {
      engine: 'postgres',
      connection,
      open: () => openPostgresProvider(connection),
      async exec(sql, params = []) {
        await pool.query(toNumberedPlaceholders(sql), [...params]);
      },
      async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
        const result = await pool.query<T>(toNumberedPlaceholders(sql), [...params]);
        return result.rows;
      },
      async dispose() {
        await pool.end();
        // FORCE ends sessions a failed test left open, so the database is always removed.
        await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  },
};
