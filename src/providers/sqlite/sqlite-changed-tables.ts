import type Database from 'better-sqlite3';
import type { ChangedTablesRequest } from '../../engine/provider.js';
import { afterCursor, inStream } from './sqlite-change-reader.js';
import { quoteIdentifier } from './sqlite-identifiers.js';
import { trackingTableName } from './sqlite-tracking-sql.js';
import type { SqliteParameter } from './sqlite-types.js';

/** One statement: per table an EXISTS over its (stamp, key) index with readChanges' conditions. */
export function changedTables(db: Database.Database, request: ChangedTablesRequest): ReadonlySet<string> {
  if (request.tables.length === 0) return new Set();
  const params: SqliteParameter[] = [];
  const branches = request.tables.map(({ table, after }) => {
    const stream = inStream(request.before, request.excludeScope);
    const lowerBound = afterCursor(table, after);
    params.push(table.name, ...stream.params, ...lowerBound.params);
    return (
      `SELECT ? WHERE EXISTS (SELECT 1 FROM ${quoteIdentifier(trackingTableName(table.name))} AS t ` +
      `WHERE ${stream.sql} AND ${lowerBound.sql})`
    );
  });
  const names = db.prepare<SqliteParameter[], string>(branches.join(' UNION ALL ')).pluck().all(...params);
  return new Set(names);
}
