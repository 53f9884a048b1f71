import {
  derivedPrefix,
  quoteLiteral,
  dollarQuote,
  qualifiedName,
  qualifiedTableName,
  quoteIdentifier,
  trackingSchema,
  trackingTableName,
} from './postgres-identifiers.js';
import { trackingKeyColumn } from '../tracking-names.js';
import { tableId, type TableName } from '../../engine/table-name.js';

export { trackingKeyColumn };

/**
 * Builders for the DDL of change tracking. They only return SQL; the provider runs it inside its
 * provisioning transaction.
 *
 * Key columns are named k1..kn (see tracking-names.ts).
 */

export const metaTable = qualifiedName(trackingSchema, 'meta');
export const trackedTable = qualifiedName(trackingSchema, 'tracked');
export const positionsTable = qualifiedName(trackingSchema, 'positions');

/** Version of the objects below, recorded in hubsync.meta for future migrations. */
export const trackingSchemaVersion = '1';

export const metadataDdl: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(trackingSchema)}`,
  `CREATE TABLE IF NOT EXISTS ${metaTable} (key text PRIMARY KEY, value text)`,
  `CREATE TABLE IF NOT EXISTS ${trackedTable} (
     table_name text PRIMARY KEY,
     tracking_table text NOT NULL,
     function_prefix text NOT NULL)`,
  // table_name is the table's id (tableId); the schema is kept for tables outside "public", and is
  // NULL in rows written before schemas were synced, which are all in "public".
  `ALTER TABLE ${trackedTable} ADD COLUMN IF NOT EXISTS schema_name text NULL`,
  // How far each source's changes to each table are applied here, written by every apply in its
  // own transaction (invariant 7): the position is an opaque token the engine encodes. NULL until
  // the first apply: the row exists so that two first applies lock the same row.
  `CREATE TABLE IF NOT EXISTS ${positionsTable} (
     source_scope text NOT NULL,
     table_name text NOT NULL,
     position text NULL,
     updated_at timestamptz NOT NULL,
     PRIMARY KEY (source_scope, table_name))`,
];

export interface KeyColumn {
  readonly name: string;
  /** As format_type spells it, so it is valid SQL without quoting. */
  readonly nativeType: string;
}

/** The names provisioning derives for one user table. */
export interface TrackingNames {
  /** Quoted and schema-qualified, ready for SQL. */
  readonly baseTable: string;
  /** Quoted and schema-qualified, ready for SQL. */
  readonly trackingTable: string;
  /** As the catalogue and hubsync.tracked spell it. */
  readonly trackingTableName: string;
  readonly functionPrefix: string;
  /**
   * The temporary table an apply to this table loads its batch into (see postgres-applier.ts);
   * its key columns are k1..km as in the tracking table. Named per table so that a user trigger
   * writing to another tracked table during an apply does not find this table's batch.
   * Schema-qualified, so no user table of the same name can be meant.
   */
  readonly batchTable: string;
}

/**
 * Derived from the table's id (tableId), so same-named tables of two schemas get separate
 * tracking objects while a table of the default schema keeps the names earlier versions gave it.
 */
export function trackingNames(table: TableName): TrackingNames {
  const id = tableId(table);
  return namesOf(table, trackingTableName(id), derivedPrefix(id));
}

/** Names from their parts, e.g. as hubsync.tracked recorded them. */
export function namesOf(table: TableName, trackingTable: string, functionPrefix: string): TrackingNames {
  return {
    baseTable: qualifiedTableName(table),
    trackingTable: qualifiedName(trackingSchema, trackingTable),
    trackingTableName: trackingTable,
    functionPrefix,
    batchTable: `pg_temp.${quoteIdentifier(`hubsync_batch_${functionPrefix}`)}`,
  };
}


const triggerNames = {
  insert: 'hubsync_insert',
  update: 'hubsync_update',
  delete: 'hubsync_delete',
  truncate: 'hubsync_truncate',
} as const;

/** The trigger a bulk load turns off for its own transaction: it builds the tracking rows itself. */
export const insertTrigger = triggerNames.insert;

function functionName(prefix: string, event: keyof typeof triggerNames): string {
  return qualifiedName(trackingSchema, `${prefix}_${event}`);
}

/** Tracking table, its (stamp, key) index for ordered reads, trigger functions and triggers. */
export function trackingDdl(names: TrackingNames, keys: readonly KeyColumn[]): string[] {
  const keyDefinitions = keys.map((key, position) => `${trackingKeyColumn(position)} ${key.nativeType} NOT NULL`);
  const keyList = keys.map((_, position) => trackingKeyColumn(position)).join(', ');
  return [
    `CREATE TABLE ${names.trackingTable} (
       ${keyDefinitions.join(',\n       ')},
       stamp bigint NOT NULL,
       scope text NULL,
       op "char" NOT NULL,
       changed_at timestamptz NOT NULL,
       PRIMARY KEY (${keyList}))`,
    `CREATE INDEX ${quoteIdentifier(`${names.functionPrefix}_stamp`)} ON ${names.trackingTable} (stamp, ${keyList})`,
    ...triggerFunctionDdl(names, keys),
    `CREATE TRIGGER ${triggerNames.insert} AFTER INSERT ON ${names.baseTable}
       REFERENCING NEW TABLE AS hubsync_new
       FOR EACH STATEMENT EXECUTE FUNCTION ${functionName(names.functionPrefix, 'insert')}()`,
    `CREATE TRIGGER ${triggerNames.update} AFTER UPDATE ON ${names.baseTable}
       REFERENCING OLD TABLE AS hubsync_old NEW TABLE AS hubsync_new
       FOR EACH STATEMENT EXECUTE FUNCTION ${functionName(names.functionPrefix, 'update')}()`,
    `CREATE TRIGGER ${triggerNames.delete} AFTER DELETE ON ${names.baseTable}
       REFERENCING OLD TABLE AS hubsync_old
       FOR EACH STATEMENT EXECUTE FUNCTION ${functionName(names.functionPrefix, 'delete')}()`,
    `CREATE TRIGGER ${triggerNames.truncate} AFTER TRUNCATE ON ${names.baseTable}
       FOR EACH STATEMENT EXECUTE FUNCTION ${functionName(names.functionPrefix, 'truncate')}()`,
  ];
}

/**
 * Statement-level functions over transition tables: one set-based upsert per statement costs far
 * less than a trigger call per row. The stamp is the writing transaction's id, which the watermark
 * compares against the oldest running transaction (invariant 1); the scope is the applying sync's
 * session setting, null for local writes (invariant 2).
 */
function triggerFunctionDdl(names: TrackingNames, keys: readonly KeyColumn[]): string[] {
  const keyList = keys.map((_, position) => trackingKeyColumn(position)).join(', ');
  const renamedColumnsOf = (alias: string): string =>
    keys.map((key, position) => `${alias}.${quoteIdentifier(key.name)} AS ${trackingKeyColumn(position)}`).join(', ');
  const batchMatch = keys.map((_, position) => `h.${trackingKeyColumn(position)} = c.${trackingKeyColumn(position)}`).join(' AND ');
  /**
   * `changed` holds the keys (k1..km) and op of the statement's changes. A local write happens
   * now; a sync apply keeps the time each change was made at its source, for the next hop and for
   * lastWriterWins, from the batch table the apply created in this transaction. The join is
   * planned when first run in a transaction, and the batch table is new in every apply, so its
   * plan always fits the batch.
   */
  const upsert = (changed: string): string => `
  IF pg_catalog.to_regclass(${quoteLiteral(names.batchTable)}) IS NULL THEN
    INSERT INTO ${names.trackingTable} AS t (${keyList}, stamp, scope, op, changed_at)
    SELECT ${keyList}, change_stamp, change_scope, c.op, change_time FROM (${changed}) AS c
    ON CONFLICT (${keyList}) DO UPDATE
      SET stamp = EXCLUDED.stamp, scope = EXCLUDED.scope, op = EXCLUDED.op, changed_at = EXCLUDED.changed_at;
  ELSE
    INSERT INTO ${names.trackingTable} AS t (${keyList}, stamp, scope, op, changed_at)
    SELECT ${keys.map((_, position) => `c.${trackingKeyColumn(position)}`).join(', ')}, change_stamp, change_scope, c.op,
           coalesce(h.changed_at, change_time)
    FROM (${changed}) AS c LEFT JOIN ${names.batchTable} h ON ${batchMatch}
    ON CONFLICT (${keyList}) DO UPDATE
      SET stamp = EXCLUDED.stamp, scope = EXCLUDED.scope, op = EXCLUDED.op, changed_at = EXCLUDED.changed_at;
  END IF;`;
  const bodies: Record<keyof typeof triggerNames, string> = {
    insert: upsert(`SELECT ${renamedColumnsOf('n')}, 'I'::"char" AS op FROM hubsync_new n`),
    // A key only among the new rows means the statement changed a primary key: the new key is an
    // insert and a key only among the old rows a delete, so the old row does not linger in members.
    // Grouping instead of joining old and new: plpgsql caches the first plan, and a join planned
    // for a one-row statement would be quadratic for a large one.
    update: upsert(`SELECT ${keyList},
         CASE WHEN bool_and(is_new) THEN 'I'::"char" WHEN bool_or(is_new) THEN 'U'::"char" ELSE 'D'::"char" END AS op
       FROM (SELECT ${renamedColumnsOf('n')}, true AS is_new FROM hubsync_new n
             UNION ALL
             SELECT ${renamedColumnsOf('o')}, false AS is_new FROM hubsync_old o) AS keys
       GROUP BY ${keyList}`),
    delete: upsert(`SELECT ${renamedColumnsOf('o')}, 'D'::"char" AS op FROM hubsync_old o`),
    // TRUNCATE fires no delete triggers; without this the members would keep every row.
    truncate: `
  UPDATE ${names.trackingTable}
    SET stamp = change_stamp, scope = change_scope, op = 'D', changed_at = change_time
    WHERE op <> 'D';`,
  };
  return (Object.keys(bodies) as (keyof typeof triggerNames)[]).map(
    (event) => `CREATE FUNCTION ${functionName(names.functionPrefix, event)}() RETURNS trigger LANGUAGE plpgsql AS ${dollarQuote(`
DECLARE
  change_stamp bigint := pg_catalog.pg_current_xact_id()::text::bigint;
  change_scope text := nullif(pg_catalog.current_setting('hubsync.scope', true), '');
  change_time timestamptz := pg_catalog.clock_timestamp();
BEGIN${bodies[event]}
  RETURN NULL;
END;`)}`,
  );
}

/**
 * A tracking row for every row that exists before tracking starts, so members receive them.
 * Their change time is the epoch: nobody knows when they were written, and under
 * lastWriterWins any real change must beat them (a member joining with a restored backup).
 */
export function backfillSql(names: TrackingNames, keys: readonly KeyColumn[]): string {
  const keyList = keys.map((_, position) => trackingKeyColumn(position)).join(', ');
  const baseKeys = keys.map((key) => `b.${quoteIdentifier(key.name)}`).join(', ');
  return `INSERT INTO ${names.trackingTable} (${keyList}, stamp, scope, op, changed_at)
    SELECT ${baseKeys}, pg_catalog.pg_current_xact_id()::text::bigint, NULL, 'I', 'epoch'::timestamptz
    FROM ${names.baseTable} b`;
}

/** Drops what trackingDdl created. Triggers only when the base table still exists (dropping it took them). */
export function dropTrackingSql(names: TrackingNames, baseTableExists: boolean): string[] {
  const triggers = baseTableExists
    ? Object.values(triggerNames).map((trigger) => `DROP TRIGGER IF EXISTS ${trigger} ON ${names.baseTable}`)
    : [];
  return [
    ...triggers,
    ...(Object.keys(triggerNames) as (keyof typeof triggerNames)[]).map(
      (event) => `DROP FUNCTION IF EXISTS ${functionName(names.functionPrefix, event)}()`,
    ),
    `DROP TABLE IF EXISTS ${names.trackingTable}`,
  ];
}

export const dropMetadataSql: readonly string[] = [
  `DROP TABLE IF EXISTS ${positionsTable}`,
  `DROP TABLE IF EXISTS ${trackedTable}`,
  `DROP TABLE IF EXISTS ${metaTable}`,
];
