import { quoteIdentifier, quoteIdentifiers } from './sqlite-identifiers.js';
import type { Affinity } from './sqlite-types.js';

/**
 * Builders for the change-tracking objects. They only return SQL; the provisioner runs it.
 *
 * SQLite has no schemas to put hubsync's objects in, so they share the `hubsync_` name prefix.
 * Table, index and trigger names are global in a database, hence every per-table object carries
 * the table's name. Tracking tables name their key columns by position (pk_1, pk_2, ...) because
 * a user's key column may itself be called stamp, scope, op or changed_at.
 */

export const metaTable = 'hubsync_meta';
export const trackedTable = 'hubsync_tracked';
/**
 * Holds the scope of the applying transaction for the triggers to read: SQLite has no session
 * variables, a trigger in the main schema cannot read a TEMP table, and an application-defined
 * SQL function would break every other program that writes this database.
 */
export const scopeTable = 'hubsync_scope';
/** How far each source's changes to each table are applied here, written by every apply in its own transaction (invariant 7). */
export const positionsTable = 'hubsync_positions';

export const metadataTables: readonly string[] = [metaTable, trackedTable, scopeTable, positionsTable];

const schemaVersion = 1;

/** A primary-key column of a tracked table, with the affinity its tracking copy must share so keys compare equal. */
export interface TrackedKeyColumn {
  readonly name: string;
  readonly affinity: Affinity;
}

export function trackingTableName(table: string): string {
  return `hubsync_tracking_${table}`;
}

function trackingKeyColumn(position: number): string {
  return `pk_${position + 1}`;
}

export function trackingKeyColumns(keyCount: number): string[] {
  return Array.from({ length: keyCount }, (_, position) => trackingKeyColumn(position));
}

function trackingIndexName(table: string): string {
  return `hubsync_stamp_${table}`;
}

type TriggerEvent = 'ins' | 'upd' | 'del';

const triggerEvents: readonly TriggerEvent[] = ['ins', 'upd', 'del'];

function triggerName(table: string, event: TriggerEvent): string {
  return `hubsync_${table}_${event}`;
}

/** The trigger a bulk load drops for its own transaction: it builds the tracking rows itself. */
export function insertTriggerName(table: string): string {
  return triggerName(table, 'ins');
}

export function metadataDdl(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(metaTable)} ("key" TEXT PRIMARY KEY, "value")`,
    `INSERT OR IGNORE INTO ${quoteIdentifier(metaTable)} ("key", "value") VALUES ('schema_version', ${schemaVersion}), ('stamp', 0)`,
    `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(trackedTable)} ("table_name" TEXT PRIMARY KEY, "tracking_table" TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(scopeTable)} ("id" INTEGER PRIMARY KEY CHECK ("id" = 1), "scope" TEXT)`,
    `INSERT OR IGNORE INTO ${quoteIdentifier(scopeTable)} ("id", "scope") VALUES (1, NULL)`,
    `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(positionsTable)} ("source_scope" TEXT NOT NULL, "table_name" TEXT NOT NULL, ` +
      `"position" TEXT NOT NULL, "updated_at" TEXT NOT NULL, PRIMARY KEY ("source_scope", "table_name"))`,
  ];
}

export function dropMetadataDdl(): string[] {
  return metadataTables.map((name) => `DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
}

/** Tracking table, its (stamp, key) index for batched reads, and the three triggers. */
export function trackingDdl(table: string, keys: readonly TrackedKeyColumn[]): string[] {
  const tracking = quoteIdentifier(trackingTableName(table));
  const keyColumns = quoteIdentifiers(trackingKeyColumns(keys.length));
  const keyDefinitions = keys.map((key, position) => `${quoteIdentifier(trackingKeyColumn(position))} ${key.affinity}`);
  return [
    `CREATE TABLE ${tracking} (${keyDefinitions.join(', ')}, "stamp" INTEGER NOT NULL, "scope" TEXT, ` +
      `"op" TEXT NOT NULL CHECK ("op" IN ('I', 'U', 'D')), "changed_at" TEXT NOT NULL, PRIMARY KEY (${keyColumns}))`,
    `CREATE INDEX ${quoteIdentifier(trackingIndexName(table))} ON ${tracking} ("stamp", ${keyColumns})`,
    ...triggerDdl(table, keys),
  ];
}

export function dropTrackingDdl(table: string): string[] {
  return [
    ...triggerEvents.map((event) => `DROP TRIGGER IF EXISTS ${quoteIdentifier(triggerName(table, event))}`),
    `DROP TABLE IF EXISTS ${quoteIdentifier(trackingTableName(table))}`,
  ];
}

export const nextStampSql = `UPDATE ${quoteIdentifier(metaTable)} SET "value" = "value" + 1 WHERE "key" = 'stamp'`;
export const currentStampSql = `(SELECT "value" FROM ${quoteIdentifier(metaTable)} WHERE "key" = 'stamp')`;
const currentScopeSql = `(SELECT "scope" FROM ${quoteIdentifier(scopeTable)} WHERE "id" = 1)`;
const nowSql = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
const epoch = '1970-01-01T00:00:00.000Z';

export function trackingColumnList(keyCount: number): string {
  return `${quoteIdentifiers(trackingKeyColumns(keyCount))}, "stamp", "scope", "op", "changed_at"`;
}

/**
 * Tracking rows for the rows a table already holds, each under a stamp of its own in key order.
 * One shared stamp would leave the (stamp, key) index seeking only on the stamp, so every batch
 * of the first sync would rescan the rows before it (invariant 8). Their change time is the
 * epoch: nobody knows when they were written, and under lastWriterWins any real change must beat
 * them (a member joining with a restored backup).
 */
export function backfillSql(table: string, keys: readonly TrackedKeyColumn[]): string[] {
  const tracking = quoteIdentifier(trackingTableName(table));
  const keyList = quoteIdentifiers(keys.map((key) => key.name));
  return [
    `INSERT INTO ${tracking} (${trackingColumnList(keys.length)}) ` +
      `SELECT ${keyList}, ${currentStampSql} + ROW_NUMBER() OVER (ORDER BY ${keyList}), NULL, 'I', '${epoch}' ` +
      `FROM ${quoteIdentifier(table)}`,
    `UPDATE ${quoteIdentifier(metaTable)} SET "value" = max("value", coalesce((SELECT max("stamp") FROM ${tracking}), 0)) ` +
      `WHERE "key" = 'stamp'`,
  ];
}

function triggerDdl(table: string, keys: readonly TrackedKeyColumn[]): string[] {
  const base = quoteIdentifier(table);
  const keyOf = (row: 'NEW' | 'OLD'): string[] => keys.map((key) => `${row}.${quoteIdentifier(key.name)}`);
  const keyChanged = keys.map((key) => `OLD.${quoteIdentifier(key.name)} IS NOT NEW.${quoteIdentifier(key.name)}`).join(' OR ');
  const upsert = (keyValues: readonly string[], op: string, condition: string): string =>
    `INSERT INTO ${quoteIdentifier(trackingTableName(table))} (${trackingColumnList(keys.length)}) ` +
    `SELECT ${keyValues.join(', ')}, ${currentStampSql}, ${currentScopeSql}, ${op}, ${nowSql} WHERE ${condition} ` +
    `ON CONFLICT (${quoteIdentifiers(trackingKeyColumns(keys.length))}) DO UPDATE SET ` +
    `"stamp" = excluded."stamp", "scope" = excluded."scope", "op" = excluded."op", "changed_at" = excluded."changed_at";`;
  const trigger = (event: TriggerEvent, statement: string, body: readonly string[]): string =>
    `CREATE TRIGGER ${quoteIdentifier(triggerName(table, event))} AFTER ${statement} ON ${base} FOR EACH ROW ` +
    `BEGIN ${nextStampSql}; ${body.join(' ')} END`;
  return [
    trigger('ins', 'INSERT', [upsert(keyOf('NEW'), `'I'`, '1')]),
    // A changed primary key is a delete of the old key and an insert of the new one; recording
    // only the new key (as Azure SQL Data Sync does) leaves the old row behind in other databases.
    trigger('upd', 'UPDATE', [
      upsert(keyOf('OLD'), `'D'`, keyChanged),
      upsert(keyOf('NEW'), `CASE WHEN ${keyChanged} THEN 'I' ELSE 'U' END`, '1'),
    ]),
    trigger('del', 'DELETE', [upsert(keyOf('OLD'), `'D'`, '1')]),
  ];
}
