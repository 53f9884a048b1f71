import type { ChangedTablesRequest } from '../../engine/provider.js';
import { afterCursorSql } from './postgres-change-reader.js';
import type { QueryRunner } from './postgres-connection.js';
import { trackingNames } from './postgres-tracking-sql.js';
import { tableId } from '../../engine/table-name.js';

/** One statement: per table an EXISTS over its (stamp, key) index with readChanges' conditions. */
export async function changedTables(runner: QueryRunner, request: ChangedTablesRequest): Promise<ReadonlySet<string>> {
  if (request.tables.length === 0) return new Set();
  const params: unknown[] = [request.before, request.excludeScope];
  const branches = request.tables.map(({ table, after }) => {
    const lowerBound = afterCursorSql(table, after, params);
    params.push(tableId(table));
    return `SELECT $${params.length}::text AS table_name WHERE EXISTS (
      SELECT FROM ${trackingNames(table).trackingTable} t
      WHERE t.stamp < $1::bigint AND t.scope IS DISTINCT FROM $2::text AND ${lowerBound})`;
  });
  const { rows } = await runner.query<{ table_name: string }>(branches.join('\nUNION ALL\n'), params);
  return new Set(rows.map((row) => row.table_name));
}
