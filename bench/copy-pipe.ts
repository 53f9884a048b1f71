import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { PostgresServer } from './postgres-admin.js';
import { quoted } from './postgres-admin.js';

/**
 * `COPY t TO STDOUT` on one connection piped into `COPY t FROM STDIN` on another: the fastest
 * way PostgreSQL itself offers to move a table between two databases. The destination table
 * must exist. Returns the rows copied.
 */
export async function copyTable(server: PostgresServer, fromDatabase: string, toDatabase: string, table: string): Promise<number> {
  const [source, destination] = await Promise.all([server.connect(fromDatabase), server.connect(toDatabase)]);
  try {
    const reader = source.query(copyTo(`COPY ${quoted(table)} TO STDOUT`));
    const writer = destination.query(copyFrom(`COPY ${quoted(table)} FROM STDIN`));
    await pipeline(reader, writer);
    return writer.rowCount;
  } finally {
    await Promise.all([source.end().catch(() => undefined), destination.end().catch(() => undefined)]);
  }
}

export async function countRows(server: PostgresServer, database: string, table: string, where = 'true'): Promise<number> {
  return server.withClient(database, async (client) => {
    const { rows } = await client.query<{ count: string }>(`SELECT count(*)::text AS count FROM ${quoted(table)} WHERE ${where}`);
    return Number(rows[0]?.count ?? 0);
  });
}
