import type { TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import type { PostgresSession, QueryRunner } from './postgres-connection.js';
import { sqlState, undefinedTable } from './postgres-errors.js';
import { quoteIdentifier, schemaOf, trackingSchema } from './postgres-identifiers.js';
import { tableId } from '../../engine/table-name.js';
import { trackedTableName } from '../tracking-names.js';
import { columnNativeTypes } from './postgres-introspector.js';
import {
  backfillSql,
  dropMetadataSql,
  dropTrackingSql,
  metaTable,
  metadataDdl,
  namesOf,
  positionsTable,
  trackedTable,
  trackingDdl,
  trackingNames,
  trackingSchemaVersion,
  type KeyColumn,
} from './postgres-tracking-sql.js';

/** Any fixed number: provisioning and deprovisioning of one database take turns on it. */
const provisioningLock = 0x68756273;

/** Creates what is missing; the caller runs it inside one transaction. */
export async function provisionTables(session: PostgresSession, tables: readonly TableSchema[]): Promise<void> {
  await session.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [provisioningLock]);
  for (const statement of metadataDdl) await session.query(statement);
  await session.query(`INSERT INTO ${metaTable} (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING`, [
    trackingSchemaVersion,
  ]);
  const tracked = new Set(await trackedTableNames(session));
  for (const table of tables) {
    if (!tracked.has(tableId(table))) await track(session, table);
  }
}

async function track(session: PostgresSession, table: TableSchema): Promise<void> {
  const nativeTypes = await columnNativeTypes(session, table);
  if (nativeTypes === null) {
    throw new HubsyncError(ErrorCode.TableNotFound, `Table "${table.name}" does not exist in schema "${schemaOf(table)}"`);
  }
  if (table.primaryKey.length === 0) {
    throw new HubsyncError(ErrorCode.NoPrimaryKey, `Table "${table.name}" has no primary key`);
  }
  const keys: KeyColumn[] = table.primaryKey.map((name) => {
    const nativeType = nativeTypes.get(name);
    if (nativeType === undefined) {
      throw new HubsyncError(ErrorCode.ColumnNotFound, `Column "${name}" does not exist in table "${table.name}"`);
    }
    return { name, nativeType };
  });
  const names = trackingNames(table);
  // Keeps writers out between back-filling and creating the triggers, so no row is missed.
  await session.query(`LOCK TABLE ${names.baseTable} IN SHARE ROW EXCLUSIVE MODE`);
  for (const statement of trackingDdl(names, keys)) await session.query(statement);
  await session.query(backfillSql(names, keys));
  await session.query(`INSERT INTO ${trackedTable} (table_name, schema_name, tracking_table, function_prefix) VALUES ($1, $2, $3, $4)`, [
    tableId(table),
    table.schema ?? null,
    names.trackingTableName,
    names.functionPrefix,
  ]);
}

/** Drops what provisioning created and nothing else; the caller runs it inside one transaction. */
export async function deprovisionAll(session: PostgresSession): Promise<void> {
  await session.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [provisioningLock]);
  if (!(await tablesExist(session, [trackedTable]))) return;
  // Read through to_jsonb: a database provisioned before schemas were synced has no schema_name column.
  const { rows } = await session.query<{ table_name: string; schema_name: string | null; tracking_table: string; function_prefix: string }>(
    `SELECT table_name, pg_catalog.to_jsonb(t) ->> 'schema_name' AS schema_name, tracking_table, function_prefix FROM ${trackedTable} t`,
  );
  for (const row of rows) {
    // The names recorded at provisioning, not re-derived ones, so a future naming change still drops the old objects.
    const names = namesOf(trackedTableName(row), row.tracking_table, row.function_prefix);
    const { rows: base } = await session.query<{ present: boolean }>('SELECT pg_catalog.to_regclass($1) IS NOT NULL AS present', [names.baseTable]);
    for (const statement of dropTrackingSql(names, base[0]?.present === true)) await session.query(statement);
  }
  for (const statement of dropMetadataSql) await session.query(statement);
  // RESTRICT: a schema that still holds objects hubsync did not create is left in place.
  await session.query('SAVEPOINT drop_schema');
  try {
    await session.query(`DROP SCHEMA ${quoteIdentifier(trackingSchema)} RESTRICT`);
  } catch (error) {
    if (!(error instanceof HubsyncError) || sqlState(error) !== '2BP01') throw error;
    await session.query('ROLLBACK TO SAVEPOINT drop_schema');
  }
}

/** Whether every one of hubsync's tables named here exists, in one round trip. */
export async function tablesExist(runner: QueryRunner, names: readonly string[]): Promise<boolean> {
  const { rows } = await runner.query<{ present: boolean }>(
    `SELECT bool_and(pg_catalog.to_regclass(name) IS NOT NULL) AS present FROM unnest($1::text[]) AS name`,
    [names],
  );
  return rows[0]?.present === true;
}

/**
 * Tables tracked here. None while the positions table is missing (a database provisioned by an
 * earlier version), so the engine provisions again and the metadata is brought up to date.
 */
export async function trackedTableNames(runner: QueryRunner): Promise<string[]> {
  // One round trip, asked of every database on every run; a database never provisioned answers 42P01.
  try {
    const { rows } = await runner.query<{ table_name: string }>(
      `SELECT table_name FROM ${trackedTable} WHERE pg_catalog.to_regclass($1) IS NOT NULL ORDER BY table_name`,
      [positionsTable],
    );
    return rows.map((row) => row.table_name);
  } catch (error) {
    if (sqlState(error) === undefinedTable) return [];
    throw error;
  }
}
