import { createHash } from 'node:crypto';
import { parseTableName, type TableName } from '../engine/table-name.js';
import type { TableSchema } from '../engine/types.js';

/**
 * Names every trigger-based provider derives the same way, so a reader who knows one engine's
 * tracking objects knows the others'.
 */

/** The schema that holds every object hubsync creates, so deprovisioning can find them all. */
export const trackingSchema = 'hubsync';

/**
 * A short, stable prefix for names derived from a table name. Engines cut identifiers short
 * (PostgreSQL at 63 bytes, SQL Server at 128 characters), so appending to the table name could
 * collide or be cut off.
 */
export function derivedPrefix(table: string): string {
  return `t_${createHash('md5').update(table, 'utf8').digest('hex').slice(0, 16)}`;
}

/** hubsync's own tables in the tracking schema; a user table of the same name must not collide. */
const reservedTrackingNames: ReadonlySet<string> = new Set(['meta', 'tracked', 'positions']);

/** Tracking tables carry the user's table name for readability unless it is one of ours. */
export function trackingTableName(table: string): string {
  return reservedTrackingNames.has(table) ? derivedPrefix(table) : table;
}

/**
 * A tracking table names its key columns k1..kn rather than after the user's columns, so a
 * primary-key column called "stamp" or "op" cannot clash with the tracking columns.
 */
export function trackingKeyColumn(position: number): string {
  return `k${position + 1}`;
}

/**
 * Batch (staging) columns are named by position so no user column name can clash with ord,
 * deleted, existed and changed_at: key columns k1..km in key order, as in the tracking table (the
 * triggers join on them), the others c<n> by their position in the table schema.
 */
export function batchColumn(table: TableSchema, index: number): string {
  const keyPosition = table.primaryKey.indexOf(table.columns[index]?.name ?? '');
  return keyPosition >= 0 ? trackingKeyColumn(keyPosition) : `c${index + 1}`;
}

/** The batch column holding primary-key column `name`. */
export function batchKeyColumn(table: TableSchema, name: string): string {
  return batchColumn(table, table.columns.findIndex((column) => column.name === name));
}

/**
 * The user table a row of hubsync.tracked stands for. Its table_name is the table's id (tableId),
 * its schema_name the schema outside the default one, NULL for the default schema and in rows
 * written before schemas were synced (all of them in the default schema).
 */
export function trackedTableName(row: { readonly table_name: string; readonly schema_name: string | null }): TableName {
  if (row.schema_name === null) return { name: row.table_name };
  return { schema: row.schema_name, name: parseTableName(row.table_name)?.name ?? row.table_name };
}
