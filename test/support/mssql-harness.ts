import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import { openMssqlProvider } from '../../src/providers/mssql/mssql-provider.js';
import type { ProviderHarness, TestDatabase } from './harness.js';

/** The SQL Server to test against, an ADO.NET connection string; the suites are skipped without it. */
export const mssqlServer = process.env['HUBSYNC_TEST_MSSQL'];

export const mssqlSkip = mssqlServer === undefined ? 'set HUBSYNC_TEST_MSSQL to a SQL Server connection string' : false;

function withDatabase(connection: string, database: string): string {
  return `${connection.replace(/;?\s*(Database|Initial Catalog)\s*=[^;]*/gi, '')};Database=${database}`;
}

async function onServer(statement: string): Promise<void> {
  const pool = await new sql.ConnectionPool(withDatabase(mssqlServer ?? '', 'master')).connect();
  try {
    await pool.request().batch(statement);
  } finally {
    await pool.close();
  }
}

/** `?` placeholders become @p1, @p2, ...; a `?` inside a quoted literal or identifier is left alone. */
function toNamedPlaceholders(text: string): string {
  let result = '';
  let quote: string | null = null;
  let count = 0;
  for (const character of text) {
    if (quote !== null) {
      if (character === quote) quote = null;
      result += character;
    } else if (character === "'" || character === '"' || character === '[') {
      quote = character === '[' ? ']' : character;
      result += character;
    } else if (character === '?') {
      count += 1;
      result += `@p${count}`;
    } else {
      result += character;
    }
  }
  return result;
}

/** Fresh databases on the server HUBSYNC_TEST_MSSQL names, dropped again by dispose. */
export const mssqlHarness: ProviderHarness = {
  engine: 'mssql',
  async createDatabase(): Promise<TestDatabase> {
    const name = `hubsync_t_${randomBytes(6).toString('hex')}`;
    await onServer(`CREATE DATABASE ${name}`);
    const connection = withDatabase(mssqlServer ?? '', name);
    const pool = await new sql.ConnectionPool(connection).connect();
    const run = async (statement: string, params: readonly unknown[]) => {
      const request = pool.request();
      params.forEach((value, index) => request.input(`p${index + 1}`, value as string));
      return (await request.query(toNamedPlaceholders(statement))).recordset ?? [];
    };
    return {
      engine: 'mssql',
      connection,
      open: () => openMssqlProvider(connection),
      async exec(statement, params = []) {
        await run(statement, params);
      },
      async query<T extends Record<string, unknown>>(statement: string, params: readonly unknown[] = []): Promise<T[]> {
        return (await run(statement, params)) as T[];
      },
      async dispose() {
        await pool.close();
        await onServer(`ALTER DATABASE ${name} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ${name}`);
      },
    };
  },
};
