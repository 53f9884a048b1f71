import type { Change, Cursor, Operation, ReadChangesRequest, ReadRowsRequest } from '../../engine/provider.js';
import type { ColumnSchema, SyncValue, TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import type { QueryRunner } from './postgres-connection.js';
import { quoteIdentifier } from './postgres-identifiers.js';
import { trackingKeyColumn, trackingNames } from './postgres-tracking-sql.js';
import { parameterTypeOf, toParameter, toSyncValue } from './postgres-types.js';

/**
 * Select list for a tracking row `t` joined with its base row `b`: stamp, op, change time,
 * whether the base row exists, then one value per table column. Key values come from the
 * tracking row so a deleted row still has its key.
 */
export function trackedRowSelect(table: TableSchema): string {
  const presence = `b.${quoteIdentifier(firstKey(table))} IS NOT NULL`;
  const values = table.columns.map((column) => {
    const keyPosition = table.primaryKey.indexOf(column.name);
    return keyPosition >= 0 ? `t.${trackingKeyColumn(keyPosition)}` : `b.${quoteIdentifier(column.name)}`;
  });
  return [
    't.stamp::text',
    't.op',
    `to_char(t.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    presence,
    ...values,
  ].join(', ');
}

/** Number of columns trackedRowSelect puts before the table's values. */
const trackedRowHeader = 4;

/** `b` is the base row of tracking row `t`; left-joined because a deleted row has none. */
export function baseRowJoin(table: TableSchema, baseTable: string): string {
  const sameKey = table.primaryKey.map((name, position) => `b.${quoteIdentifier(name)} = t.${trackingKeyColumn(position)}`);
  return `LEFT JOIN ${baseTable} b ON ${sameKey.join(' AND ')}`;
}

/** Decodes trackedRowSelect's columns starting at `offset`. A missing base row reads as a delete. */
export function decodeTrackedRow(table: TableSchema, row: readonly unknown[], offset = 0): Change {
  const present = row[offset + 3] === true;
  const op = row[offset + 1];
  const operation: Operation = !present || op === 'D' ? 'delete' : op === 'I' ? 'insert' : 'update';
  const values: SyncValue[] = table.columns.map((column, index) =>
    operation === 'delete' && !table.primaryKey.includes(column.name) ? null : toSyncValue(row[offset + trackedRowHeader + index]),
  );
  return {
    stamp: String(row[offset]),
    operation,
    values,
    changedAt: String(row[offset + 2]),
  };
}

function columnNamed(table: TableSchema, name: string): ColumnSchema {
  const column = table.columns.find((candidate) => candidate.name === name);
  if (column === undefined) {
    throw new HubsyncError(ErrorCode.PrimaryKeyColumnExcluded, `Primary-key column "${name}" is not among the columns of "${table.name}"`);
  }
  return column;
}

function firstKey(table: TableSchema): string {
  const [first] = table.primaryKey;
  if (first === undefined) {
    throw new HubsyncError(ErrorCode.NoPrimaryKey, `Table "${table.name}" has no primary key`);
  }
  return first;
}

/**
 * The condition "tracking row `t` lies after `cursor`" in (stamp, key) order, appending the
 * cursor's values to `params`. Key parameters take the key columns' own types so the comparison
 * uses the same order as the (stamp, key) index.
 */
export function afterCursorSql(table: TableSchema, cursor: Cursor, params: unknown[]): string {
  params.push(cursor.stamp);
  const stampParam = `$${params.length}::bigint`;
  if (cursor.key === null) return `t.stamp >= ${stampParam}`;
  const keyColumns = table.primaryKey.map((_, position) => `t.${trackingKeyColumn(position)}`);
  const keyParams = table.primaryKey.map((name, position) => {
    params.push(toParameter(cursor.key?.[position] ?? null));
    return `$${params.length}::${parameterTypeOf(columnNamed(table, name).type)}`;
  });
  return `(t.stamp, ${keyColumns.join(', ')}) > (${stampParam}, ${keyParams.join(', ')})`;
}

/** Changes after `after` and below `before` ordered by (stamp, key), read in one statement through the (stamp, key) index. */
export async function readChanges(runner: QueryRunner, request: ReadChangesRequest): Promise<Change[]> {
  const { table } = request;
  const names = trackingNames(table);
  const keyColumns = table.primaryKey.map((_, position) => `t.${trackingKeyColumn(position)}`);
  const params: unknown[] = [request.before, request.excludeScope];
  const lowerBound = afterCursorSql(table, request.after, params);
  params.push(request.limit);
  const rows = await runner.queryArrays(
    `SELECT ${trackedRowSelect(table)}
     FROM ${names.trackingTable} t
     ${baseRowJoin(table, names.baseTable)}
     WHERE t.stamp < $1::bigint AND t.scope IS DISTINCT FROM $2::text AND ${lowerBound}
     ORDER BY t.stamp, ${keyColumns.join(', ')}
     LIMIT $${params.length}::integer`,
    params,
  );
  return rows.map((row) => decodeTrackedRow(table, row));
}

/** The current tracked version of each of the given keys, through the tracking table's primary key. */
export async function readRows(runner: QueryRunner, request: ReadRowsRequest): Promise<Change[]> {
  const { table, keys } = request;
  if (keys.length === 0) return [];
  const names = trackingNames(table);
  const params: unknown[] = [request.excludeScope];
  const keyTypes = table.primaryKey.map((name) => parameterTypeOf(columnNamed(table, name).type));
  const rows = keys.map((key) => {
    const equal = keyTypes.map((type, position) => {
      params.push(toParameter(key[position] ?? null));
      return `t.${trackingKeyColumn(position)} = $${params.length}::${type}`;
    });
    return `(${equal.join(' AND ')})`;
  });
  const found = await runner.queryArrays(
    `SELECT ${trackedRowSelect(table)}
     FROM ${names.trackingTable} t
     ${baseRowJoin(table, names.baseTable)}
     WHERE t.scope IS DISTINCT FROM $1::text AND (${rows.join(' OR ')})`,
    params,
  );
  return found.map((row) => decodeTrackedRow(table, row));
}
