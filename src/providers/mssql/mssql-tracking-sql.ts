import { trackingKeyColumn } from '../tracking-names.js';
import { tableId, type TableName } from '../../engine/table-name.js';
import {
  derivedPrefix,
  qualifiedName,
  qualifiedTableName,
  quoteLiteral,
  quoteIdentifier,
  schemaOf,
  trackingSchema,
  trackingTableName,
} from './mssql-identifiers.js';
import { nativeSpelling, type NativeColumn } from './mssql-types.js';

/**
 * Builders for the DDL of change tracking on SQL Server. They only return SQL; the provider runs
 * each as its own batch (CREATE TRIGGER must start one) inside its provisioning transaction.
 */

export const metaTable = qualifiedName(trackingSchema, 'meta');
export const trackedTable = qualifiedName(trackingSchema, 'tracked');
export const positionsTable = qualifiedName(trackingSchema, 'positions');

export const trackingSchemaVersion = '1';

/**
 * Characters of a table id (tableId: `schema.name`, a part with a dot in quotes) in hubsync's
 * tables: two sysnames, a dot and quotes fit. Databases provisioned before schemas were synced
 * have nvarchar(128) there and are widened (idColumns).
 */
export const tableIdLength = 300;

/** SQL Server names objects in at most 128 characters. */
const maxIdentifierLength = 128;

/** The session key the triggers read the applying scope from (invariant 2). */
export const scopeKey = 'hubsync.scope';

export const metadataDdl: readonly string[] = [
  // CREATE SCHEMA must be alone in its batch, hence EXEC.
  `IF SCHEMA_ID(${quoteLiteral(trackingSchema)}) IS NULL EXEC(N'CREATE SCHEMA ${quoteIdentifier(trackingSchema)}')`,
  `IF OBJECT_ID(${quoteLiteral(metaTable)}, N'U') IS NULL
   CREATE TABLE ${metaTable} ([key] nvarchar(128) NOT NULL PRIMARY KEY, value nvarchar(max) NULL)`,
  `IF OBJECT_ID(${quoteLiteral(trackedTable)}, N'U') IS NULL
   CREATE TABLE ${trackedTable} (
     table_name nvarchar(${tableIdLength}) NOT NULL PRIMARY KEY,
     tracking_table nvarchar(${tableIdLength}) NOT NULL,
     trigger_prefix nvarchar(128) NOT NULL,
     schema_name nvarchar(128) NULL)`,
  // See postgres-tracking-sql.ts: table_name is the table's id, schema_name NULL for "dbo".
  `IF COL_LENGTH(${quoteLiteral(trackedTable)}, N'schema_name') IS NULL ALTER TABLE ${trackedTable} ADD schema_name nvarchar(128) NULL`,
  // See postgres-tracking-sql.ts: one row per source and table, NULL until the first apply.
  `IF OBJECT_ID(${quoteLiteral(positionsTable)}, N'U') IS NULL
   CREATE TABLE ${positionsTable} (
     source_scope nvarchar(128) NOT NULL,
     table_name nvarchar(${tableIdLength}) NOT NULL,
     position nvarchar(max) NULL,
     updated_at datetime2(7) NOT NULL,
     PRIMARY KEY (source_scope, table_name))`,
];

/** A column of hubsync's own tables that holds a table id, with the primary key it is part of. */
export interface IdColumn {
  readonly table: string;
  readonly column: string;
  readonly primaryKey: readonly string[] | null;
}

export const idColumns: readonly IdColumn[] = [
  { table: trackedTable, column: 'table_name', primaryKey: ['table_name'] },
  { table: trackedTable, column: 'tracking_table', primaryKey: null },
  { table: positionsTable, column: 'table_name', primaryKey: ['source_scope', 'table_name'] },
];

/** One row: the width in bytes of each id column (w0, w1, ... in idColumns' order), NULL where it is missing. */
export const idColumnWidthsSql = `SELECT ${idColumns
  .map((id, index) => `COL_LENGTH(${quoteLiteral(id.table)}, ${quoteLiteral(id.column)}) AS w${index}`)
  .join(', ')}`;

/** Widens an id column to tableIdLength; a key column cannot be altered while its primary key exists, so the key is dropped and recreated under its own name. */
export function widenIdColumnSql(id: IdColumn, primaryKeyName: string | null): string[] {
  const alter = `ALTER TABLE ${id.table} ALTER COLUMN ${id.column} nvarchar(${tableIdLength}) NOT NULL`;
  if (id.primaryKey === null || primaryKeyName === null) return [alter];
  const key = quoteIdentifier(primaryKeyName);
  return [`ALTER TABLE ${id.table} DROP CONSTRAINT ${key}`, alter, `ALTER TABLE ${id.table} ADD CONSTRAINT ${key} PRIMARY KEY (${id.primaryKey.join(', ')})`];
}

export interface TrackingNames {
  /** Quoted and schema-qualified, ready for SQL. */
  readonly baseTable: string;
  readonly trackingTable: string;
  readonly trackingTableName: string;
  readonly triggerPrefix: string;
  /** Triggers live in the schema of their table, as SQL Server requires. */
  readonly triggers: { readonly insert: string; readonly update: string; readonly delete: string };
  /**
   * The session temporary table an apply stages its batch in. The triggers look for it by name
   * to keep each change's source time, so it is named per table: a user trigger writing another
   * tracked table during an apply does not find this table's batch.
   */
  readonly batchTable: string;
  /** The raw staging table the bulk load fills (typed by how values travel, see mssql-types.ts). */
  readonly rawTable: string;
}

/** Derived from the table's id, as on PostgreSQL (see postgres-tracking-sql.ts). */
export function trackingNames(table: TableName): TrackingNames {
  const id = tableId(table);
  const readable = trackingTableName(id);
  // A schema-qualified id can be longer than a name may be: such a table's tracking table takes the derived prefix.
  return namesOf(table, readable.length <= maxIdentifierLength ? readable : derivedPrefix(id), derivedPrefix(id));
}

export function namesOf(table: TableName, trackingTable: string, triggerPrefix: string): TrackingNames {
  const trigger = (event: string): string => qualifiedName(schemaOf(table), `hubsync_${triggerPrefix}_${event}`);
  return {
    baseTable: qualifiedTableName(table),
    trackingTable: qualifiedName(trackingSchema, trackingTable),
    trackingTableName: trackingTable,
    triggerPrefix,
    triggers: { insert: trigger('insert'), update: trigger('update'), delete: trigger('delete') },
    batchTable: `#hubsync_batch_${triggerPrefix}`,
    rawTable: `#hubsync_raw_${triggerPrefix}`,
  };
}

/**
 * Tracking table: keys with the base columns' types and collations (so keys equal in the
 * database's collation are one row, as in the base table), a rowversion stamp the server assigns
 * on every insert and update of the row (MIN_ACTIVE_ROWVERSION() bounds it, invariant 1), and a
 * stamp index for ordered reads (rowversions are unique, so the stamp alone orders them).
 */
export function trackingDdl(names: TrackingNames, keys: readonly NativeColumn[]): string[] {
  const keyDefinitions = keys.map((key, position) => `${trackingKeyColumn(position)} ${nativeSpelling(key, true)} NOT NULL`);
  const keyList = keys.map((_, position) => trackingKeyColumn(position)).join(', ');
  return [
    `CREATE TABLE ${names.trackingTable} (
       ${keyDefinitions.join(',\n       ')},
       stamp rowversion NOT NULL,
       scope nvarchar(128) NULL,
       op char(1) NOT NULL,
       changed_at datetime2(7) NOT NULL,
       CONSTRAINT ${quoteIdentifier(`hubsync_${names.triggerPrefix}_pk`)} PRIMARY KEY (${keyList}))`,
    `CREATE UNIQUE INDEX ${quoteIdentifier(`hubsync_${names.triggerPrefix}_stamp`)} ON ${names.trackingTable} (stamp)`,
    triggerDdl(names, keys, 'insert'),
    triggerDdl(names, keys, 'update'),
    triggerDdl(names, keys, 'delete'),
  ];
}

/**
 * One AFTER trigger per event over the statement's `inserted`/`deleted` rows, so a statement of
 * any size costs one MERGE. The scope is the applying sync's SESSION_CONTEXT value, NULL for
 * local writes (invariant 2). A sync apply keeps each change's source time from its batch table;
 * a local write happens now.
 */
function triggerDdl(names: TrackingNames, keys: readonly NativeColumn[], event: 'insert' | 'update' | 'delete'): string {
  const k = keys.map((_, position) => trackingKeyColumn(position));
  const renamed = (alias: string): string => keys.map((key, position) => `${alias}.${quoteIdentifier(key.name)} AS ${k[position]}`).join(', ');
  const changed =
    event === 'insert'
      ? `SELECT ${renamed('i')}, 'I' AS op FROM inserted i`
      : event === 'delete'
        ? `SELECT ${renamed('d')}, 'D' AS op FROM deleted d`
        : // A key only among the new rows means the statement changed a primary key: the new key is an
          // insert and a key only among the old rows a delete, so the old row does not linger in members.
          `SELECT ${k.join(', ')},
              CASE WHEN MIN(is_new) = 1 THEN 'I' WHEN MAX(is_new) = 1 THEN 'U' ELSE 'D' END AS op
            FROM (SELECT ${renamed('i')}, 1 AS is_new FROM inserted i
                  UNION ALL
                  SELECT ${renamed('d')}, 0 AS is_new FROM deleted d) AS keys
            GROUP BY ${k.join(', ')}`;
  const matchTracking = k.map((column) => `t.${column} = c.${column}`).join(' AND ');
  const matchBatch = k.map((column) => `h.${column} = c.${column}`).join(' AND ');
  const merge = (source: string, time: string): string => `
    MERGE ${names.trackingTable} WITH (HOLDLOCK) AS t
    USING (${source}) AS c
    ON ${matchTracking}
    WHEN MATCHED THEN UPDATE SET scope = @scope, op = c.op, changed_at = ${time}
    WHEN NOT MATCHED THEN INSERT (${k.join(', ')}, scope, op, changed_at) VALUES (${k.map((column) => `c.${column}`).join(', ')}, @scope, c.op, ${time});`;
  return `CREATE TRIGGER ${names.triggers[event]} ON ${names.baseTable} AFTER ${event.toUpperCase()} AS
BEGIN
  SET NOCOUNT ON;
  IF NOT EXISTS (SELECT 1 FROM ${event === 'delete' ? 'deleted' : 'inserted'})${event === 'update' ? ' AND NOT EXISTS (SELECT 1 FROM deleted)' : ''} RETURN;
  DECLARE @scope nvarchar(128) = CONVERT(nvarchar(128), SESSION_CONTEXT(${quoteLiteral(scopeKey)}));
  DECLARE @now datetime2(7) = SYSUTCDATETIME();
  -- Two guarded statements, not IF/ELSE: the batch table exists only during a sync apply.
  IF OBJECT_ID(${quoteLiteral(`tempdb..${names.batchTable}`)}) IS NULL${merge(changed, '@now')}
  IF OBJECT_ID(${quoteLiteral(`tempdb..${names.batchTable}`)}) IS NOT NULL${merge(
    `SELECT ${k.map((column) => `c.${column}`).join(', ')}, c.op, h.changed_at FROM (${changed}) AS c LEFT JOIN ${names.batchTable} h ON ${matchBatch}`,
    'COALESCE(c.changed_at, @now)',
  )}
END`;
}

/** Rows that exist before tracking starts, with the epoch as change time (see postgres-tracking-sql.ts). */
export function backfillSql(names: TrackingNames, keys: readonly NativeColumn[]): string {
  const keyList = keys.map((_, position) => trackingKeyColumn(position)).join(', ');
  return `INSERT INTO ${names.trackingTable} (${keyList}, scope, op, changed_at)
    SELECT ${keys.map((key) => `b.${quoteIdentifier(key.name)}`).join(', ')}, NULL, 'I', '1970-01-01T00:00:00'
    FROM ${names.baseTable} b`;
}

/** Drops what trackingDdl created. Triggers only when the base table still exists (dropping it took them). */
export function dropTrackingSql(names: TrackingNames, baseTableExists: boolean): string[] {
  const triggers = baseTableExists ? Object.values(names.triggers).map((trigger) => `DROP TRIGGER IF EXISTS ${trigger}`) : [];
  return [...triggers, `DROP TABLE IF EXISTS ${names.trackingTable}`];
}

export const dropMetadataSql: readonly string[] = [
  `DROP TABLE IF EXISTS ${positionsTable}`,
  `DROP TABLE IF EXISTS ${trackedTable}`,
  `DROP TABLE IF EXISTS ${metaTable}`,
  // Kept when it holds objects hubsync did not create.
  `IF SCHEMA_ID(${quoteLiteral(trackingSchema)}) IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM sys.objects WHERE schema_id = SCHEMA_ID(${quoteLiteral(trackingSchema)}))
     AND NOT EXISTS (SELECT 1 FROM sys.types WHERE schema_id = SCHEMA_ID(${quoteLiteral(trackingSchema)}))
   EXEC(N'DROP SCHEMA ${quoteIdentifier(trackingSchema)}')`,
];
