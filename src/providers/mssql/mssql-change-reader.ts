import type { Change, Cursor, Operation, ReadChangesRequest, ReadRowsRequest, Stamp } from '../../engine/provider.js';
import type { SyncValue, TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { trackingKeyColumn } from '../tracking-names.js';
import type { QueryRunner, SqlParameter } from './mssql-connection.js';
import { quoteIdentifier } from './mssql-identifiers.js';
import { nativeColumns } from './mssql-introspector.js';
import { trackingNames } from './mssql-tracking-sql.js';
import { conversionTo, fromDriver, readExpression, toWire, wireTypeOf, type NativeColumn } from './mssql-types.js';
import { schemaOf } from './mssql-identifiers.js';

/** The base table's columns aligned with the table schema; throws when one is gone. */
export async function columnsOf(runner: QueryRunner, table: TableSchema): Promise<NativeColumn[]> {
  const native = await nativeColumns(runner, table);
  if (native === null) throw new HubsyncError(ErrorCode.TableNotFound, `Table "${table.name}" does not exist in schema "${schemaOf(table)}"`);
  return table.columns.map((column) => {
    const found = native.get(column.name);
    if (found === undefined) throw new HubsyncError(ErrorCode.ColumnNotFound, `Column "${column.name}" does not exist in table "${table.name}"`);
    return found;
  });
}

/** A rowversion (8 bytes, big-endian) as the unsigned decimal stamp the engine handles. */
export function stampOf(value: unknown): Stamp {
  if (!(value instanceof Uint8Array) || value.length !== 8) throw new HubsyncError(ErrorCode.DatabaseError, 'SQL Server returned a stamp that is not a rowversion');
  return Buffer.from(value).readBigUInt64BE().toString();
}

/** A stamp as the binary(8) parameter it is compared with; rowversions compare as unsigned big-endian bytes. */
export function stampParameter(stamp: Stamp): SqlParameter {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(stamp));
  return { type: 'binary8', value: bytes };
}

/**
 * Select list for a tracking row `t` joined with its base row `b`: stamp, op, change time (six
 * fraction digits, the engine's form), whether the base row exists, then one value per column.
 */
export function trackedRowSelect(table: TableSchema, columns: readonly NativeColumn[]): string {
  const values = table.columns.map((column, index) => {
    const keyPosition = table.primaryKey.indexOf(column.name);
    const native = columns[index] as NativeColumn;
    return readExpression(native, keyPosition >= 0 ? `t.${trackingKeyColumn(keyPosition)}` : `b.${quoteIdentifier(column.name)}`);
  });
  return [
    't.stamp',
    't.op',
    "REPLACE(LEFT(CONVERT(varchar(27), t.changed_at, 121), 26), ' ', 'T')",
    `CASE WHEN b.${quoteIdentifier(table.primaryKey[0] ?? '')} IS NULL THEN 0 ELSE 1 END`,
    ...values,
  ].join(', ');
}

const trackedRowHeader = 4;

export function baseRowJoin(table: TableSchema, baseTable: string): string {
  const sameKey = table.primaryKey.map((name, position) => `b.${quoteIdentifier(name)} = t.${trackingKeyColumn(position)}`);
  return `LEFT JOIN ${baseTable} b ON ${sameKey.join(' AND ')}`;
}

/** Decodes trackedRowSelect's columns starting at `offset`. A missing base row reads as a delete. */
export function decodeTrackedRow(table: TableSchema, row: readonly unknown[], offset = 0): Change {
  const present = row[offset + 3] === 1;
  const op = row[offset + 1];
  const operation: Operation = !present || op === 'D' ? 'delete' : op === 'I' ? 'insert' : 'update';
  const values: SyncValue[] = table.columns.map((column, index) =>
    operation === 'delete' && !table.primaryKey.includes(column.name) ? null : fromDriver(column.type, row[offset + trackedRowHeader + index]),
  );
  return { stamp: stampOf(row[offset]), operation, values, changedAt: `${String(row[offset + 2])}Z` };
}

/** `t.scope` is not `param`: NULL (a local write) counts as distinct, without IS DISTINCT FROM (SQL Server 2022 only). */
export function scopeDiffers(param: string): string {
  return `(t.scope IS NULL OR t.scope <> ${param})`;
}

/** A key column of the table with its native column, for comparing tracked keys with parameters. */
function keyColumn(table: TableSchema, columns: readonly NativeColumn[], name: string): { column: TableSchema['columns'][number]; native: NativeColumn } {
  const index = table.columns.findIndex((column) => column.name === name);
  const column = table.columns[index];
  const native = columns[index];
  if (column === undefined || native === undefined) throw new HubsyncError(ErrorCode.PrimaryKeyColumnExcluded, `Primary-key column "${name}" is not synced`);
  return { column, native };
}

/** "Tracking key column `position` equals `value`", appending the value to `params` in the column's own type. */
function keyEquals(table: TableSchema, columns: readonly NativeColumn[], position: number, value: SyncValue, params: SqlParameter[]): { column: string; value: string } {
  const { column, native } = keyColumn(table, columns, table.primaryKey[position] ?? '');
  params.push({ type: wireTypeOf(column.type, native), value: toWire(column.type, value) });
  return { column: `t.${trackingKeyColumn(position)}`, value: conversionTo(native, column.type, `@p${params.length}`) };
}

/**
 * "Tracking row `t` lies after `cursor`" in (stamp, key) order, appending the cursor's values to
 * `params`. SQL Server has no row comparison, so the order is spelled out; key parameters are
 * converted to the key columns' own types, so keys compare in the column's collation, in SQL.
 */
export function afterCursorSql(table: TableSchema, columns: readonly NativeColumn[], cursor: Cursor, params: SqlParameter[]): string {
  params.push(stampParameter(cursor.stamp));
  const stamp = `@p${params.length}`;
  if (cursor.key === null) return `t.stamp >= ${stamp}`;
  const keys = table.primaryKey.map((_, position) => keyEquals(table, columns, position, cursor.key?.[position] ?? null, params));
  let later = `${keys[keys.length - 1]?.column} > ${keys[keys.length - 1]?.value}`;
  for (let position = keys.length - 2; position >= 0; position -= 1) {
    const key = keys[position];
    later = `${key?.column} > ${key?.value} OR (${key?.column} = ${key?.value} AND (${later}))`;
  }
  return `t.stamp >= ${stamp} AND (t.stamp > ${stamp} OR (t.stamp = ${stamp} AND (${later})))`;
}

/** Changes after `after` and below `before` ordered by (stamp, key), in one statement through the stamp index. */
export async function readChanges(runner: QueryRunner, request: ReadChangesRequest): Promise<Change[]> {
  const { table } = request;
  const names = trackingNames(table);
  const columns = await columnsOf(runner, table);
  const params: SqlParameter[] = [
    { type: 'int', value: request.limit },
    stampParameter(request.before),
    { type: 'nvarchar', value: request.excludeScope },
  ];
  const lowerBound = afterCursorSql(table, columns, request.after, params);
  const keyColumns = table.primaryKey.map((_, position) => `t.${trackingKeyColumn(position)}`);
  const rows = await runner.queryArrays(
    `SELECT TOP (@p1) ${trackedRowSelect(table, columns)}
     FROM ${names.trackingTable} t
     ${baseRowJoin(table, names.baseTable)}
     WHERE t.stamp < @p2 AND ${scopeDiffers('@p3')} AND ${lowerBound}
     ORDER BY t.stamp, ${keyColumns.join(', ')}`,
    params,
  );
  return rows.map((row) => decodeTrackedRow(table, row));
}

/** The current tracked version of each of the given keys, through the tracking table's primary key. */
export async function readRows(runner: QueryRunner, request: ReadRowsRequest): Promise<Change[]> {
  const { table, keys } = request;
  if (keys.length === 0) return [];
  const names = trackingNames(table);
  const columns = await columnsOf(runner, table);
  const params: SqlParameter[] = [{ type: 'nvarchar', value: request.excludeScope }];
  const rows = keys.map((key) => {
    const equal = table.primaryKey.map((_, position) => keyEquals(table, columns, position, key[position] ?? null, params));
    return `(${equal.map((pair) => `${pair.column} = ${pair.value}`).join(' AND ')})`;
  });
  const found = await runner.queryArrays(
    `SELECT ${trackedRowSelect(table, columns)}
     FROM ${names.trackingTable} t
     ${baseRowJoin(table, names.baseTable)}
     WHERE ${scopeDiffers('@p1')} AND (${rows.join(' OR ')})`,
    params,
  );
  return found.map((row) => decodeTrackedRow(table, row));
}
