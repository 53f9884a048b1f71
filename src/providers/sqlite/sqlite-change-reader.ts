import type Database from 'better-sqlite3';
import type { Change, Cursor, Operation, ReadChangesRequest, ReadRowsRequest, Stamp } from '../../engine/provider.js';
import type { ColumnSchema, SyncValue, TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError, isHubsyncError } from '../../errors.js';
import { quoteIdentifier } from './sqlite-identifiers.js';
import { trackingKeyColumns, trackingTableName } from './sqlite-tracking-sql.js';
import { isoMicros, toCanonical, toParameter, type SqliteParameter, type SqliteValue } from './sqlite-types.js';

/** A tracking row with its base row's current values; values is null when the row is deleted. */
interface TrackedVersion {
  readonly stamp: Stamp;
  readonly operation: Operation;
  readonly changedAt: string;
  readonly key: readonly SyncValue[];
  readonly values: readonly SyncValue[] | null;
}

/**
 * The SELECT shared by reads and conflict detection: tracking rows `t` joined to their base row
 * `b`. Rows come back as arrays (raw mode) in the order decodeTrackedRow expects.
 */
export function trackedVersionSql(table: TableSchema): string {
  const trackedKey = trackingKeyColumns(table.primaryKey.length).map((key) => `t.${quoteIdentifier(key)}`);
  const baseValues = table.columns.map((column) => `b.${quoteIdentifier(column.name)}`);
  return `SELECT t."stamp", t."op", t."changed_at", ${baseRowFound(table)}, ${[...trackedKey, ...baseValues].join(', ')} ${trackedRowsFrom(table)}`;
}

/**
 * The FROM clause of tracking rows `t` left-joined to their base row `b`, in the main database or
 * in the attached one named `schema` (a bulk load's source).
 */
export function trackedRowsFrom(table: TableSchema, schema?: string): string {
  const qualified = (name: string): string => (schema === undefined ? '' : `${quoteIdentifier(schema)}.`) + quoteIdentifier(name);
  const keys = trackingKeyColumns(table.primaryKey.length);
  const join = table.primaryKey.map((name, position) => `b.${quoteIdentifier(name)} = t.${quoteIdentifier(keys[position] ?? '')}`);
  return `FROM ${qualified(trackingTableName(table.name))} AS t LEFT JOIN ${qualified(table.name)} AS b ON ${join.join(' AND ')}`;
}

/** Whether tracking row `t` still has its base row `b`: without one, its change is a delete. */
export function baseRowFound(table: TableSchema): string {
  return `b.${quoteIdentifier(table.primaryKey[0] ?? '')} IS NOT NULL`;
}

/**
 * The condition "tracking row `t` is in the stream a reader below `before` gets", with its
 * parameters: the reader's own changes are left out (no echo, invariant 2).
 */
export function inStream(before: Stamp, excludeScope: string): { readonly sql: string; readonly params: SqliteParameter[] } {
  return { sql: `t."stamp" < ? AND (t."scope" IS NULL OR t."scope" <> ?)`, params: [BigInt(before), excludeScope] };
}

export function decodeTrackedRow(row: readonly SqliteValue[], table: TableSchema): TrackedVersion {
  const version = decodeTrackingColumns(row, table);
  const keyCount = table.primaryKey.length;
  return {
    ...version,
    values:
      version.operation === 'delete'
        ? null
        : table.columns.map((column, position) => columnValue(row[4 + keyCount + position] ?? null, table, column)),
  };
}

/** The tracking row's part of a tracked version: everything but the base row's values. */
function decodeTrackingColumns(row: readonly SqliteValue[], table: TableSchema): Omit<TrackedVersion, 'values'> {
  const [stamp, op, changedAt, found] = row;
  const deleted = op === 'D' || found !== 1n;
  return {
    stamp: String(stamp),
    operation: deleted ? 'delete' : op === 'I' ? 'insert' : 'update',
    changedAt: isoMicros(String(changedAt)),
    key: keyColumnsOf(table).map(({ column }, index) => columnValue(row[4 + index] ?? null, table, column)),
  };
}

/**
 * A tracked row as a change to send. A value SQLite holds that has no faithful canonical form
 * (HS_DATA_REJECTED while reading it) makes that one change unreadable, named and keyed, so the
 * engine keeps it as a failed record and the rest of the table goes on.
 */
function changeOf(row: readonly SqliteValue[], table: TableSchema): Change {
  let version: TrackedVersion;
  try {
    version = decodeTrackedRow(row, table);
  } catch (error) {
    if (!isHubsyncError(error) || error.code !== ErrorCode.DataRejected) throw error;
    const tracking = decodeTrackingColumns(row, table);
    return { stamp: tracking.stamp, operation: tracking.operation, values: keyOnlyValues(table, tracking.key), changedAt: tracking.changedAt, unreadable: error.message };
  }
  return {
    stamp: version.stamp,
    operation: version.operation,
    values: version.values ?? keyOnlyValues(table, version.key),
    changedAt: version.changedAt,
  };
}

/** A column's canonical value; a value it cannot represent is refused naming the column, not altered. */
function columnValue(value: SqliteValue, table: TableSchema, column: ColumnSchema): SyncValue {
  try {
    return toCanonical(value, column.type);
  } catch (error) {
    if (!isHubsyncError(error)) throw error;
    throw new HubsyncError(error.code, `column "${table.name}.${column.name}": ${error.message}`, { cause: error });
  }
}

/** Values aligned with the table's columns holding only the key: what a delete carries. */
function keyOnlyValues(table: TableSchema, key: readonly SyncValue[]): SyncValue[] {
  const keyPositions = new Map(table.primaryKey.map((name, position) => [name, position]));
  return table.columns.map((column) => {
    const position = keyPositions.get(column.name);
    return position === undefined ? null : (key[position] ?? null);
  });
}

/** The key values of a change's values, in key order. */
export function keyOf(table: TableSchema, values: readonly SyncValue[]): SqliteParameter[] {
  return keyColumnsOf(table).map(({ position, column }) => toParameter(values[position] ?? null, column.type));
}

/**
 * The condition "tracking row `t` lies after `cursor`" in (stamp, key) order, with its parameters.
 * Keyset comparison on (stamp, key) so a batched read is one index range scan (invariant 8).
 */
export function afterCursor(table: TableSchema, cursor: Cursor): { readonly sql: string; readonly params: SqliteParameter[] } {
  if (cursor.key === null) return { sql: `t."stamp" >= ?`, params: [BigInt(cursor.stamp)] };
  const keys = trackingKeyColumns(table.primaryKey.length).map((key) => `t.${quoteIdentifier(key)}`);
  const key = keyColumnsOf(table).map(({ column }, index) => toParameter(cursor.key?.[index] ?? null, column.type));
  return { sql: `(t."stamp", ${keys.join(', ')}) > (?, ${keys.map(() => '?').join(', ')})`, params: [BigInt(cursor.stamp), ...key] };
}

export function readChanges(db: Database.Database, request: ReadChangesRequest): Change[] {
  const { table } = request;
  const keys = trackingKeyColumns(table.primaryKey.length).map((key) => `t.${quoteIdentifier(key)}`);
  const stream = inStream(request.before, request.excludeScope);
  const after = afterCursor(table, request.after);
  const rows = db
    .prepare<SqliteParameter[], SqliteValue[]>(
      `${trackedVersionSql(table)} WHERE ${stream.sql} AND ${after.sql} ORDER BY t."stamp", ${keys.join(', ')} LIMIT ?`,
    )
    .raw()
    .all(...stream.params, ...after.params, BigInt(request.limit));
  return rows.map((row) => changeOf(row, table));
}

/** The current tracked version of each of the given keys, through the tracking table's key. */
export function readRows(db: Database.Database, request: ReadRowsRequest): Change[] {
  const { table, keys } = request;
  if (keys.length === 0) return [];
  const trackedKey = trackingKeyColumns(table.primaryKey.length).map((key) => `t.${quoteIdentifier(key)}`);
  const oneRow = `(${trackedKey.map((column) => `${column} = ?`).join(' AND ')})`;
  const keyColumns = keyColumnsOf(table);
  const params = keys.flatMap((key) => keyColumns.map(({ column }, index) => toParameter(key[index] ?? null, column.type)));
  const rows = db
    .prepare<SqliteParameter[], SqliteValue[]>(
      `${trackedVersionSql(table)} WHERE (t."scope" IS NULL OR t."scope" <> ?) AND (${keys.map(() => oneRow).join(' OR ')})`,
    )
    .raw()
    .all(request.excludeScope, ...params);
  return rows.map((row) => changeOf(row, table));
}

interface KeyColumn {
  /** Index among the table's columns (and in a change's values). */
  readonly position: number;
  readonly column: ColumnSchema;
}

/** The key columns in key order. */
function keyColumnsOf(table: TableSchema): KeyColumn[] {
  return table.primaryKey.map((name) => {
    const position = table.columns.findIndex((column) => column.name === name);
    const column = table.columns[position];
    if (column === undefined) {
      throw new HubsyncError(
        ErrorCode.PrimaryKeyColumnExcluded,
        `Primary-key column ${name} of ${table.name} is not among the synced columns`,
      );
    }
    return { position, column };
  });
}
