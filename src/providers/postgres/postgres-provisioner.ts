import type { TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import type { PostgresSession, QueryRunner } from './postgres-connection.js';
import { sqlState } from './postgres-errors.js';
import { quoteIdentifier, trackingSchema } from './postgres-identifiers.js';
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
export async function provisionTables(session: PostgresSession, schema: string, tables: readonly TableSchema[]): Promise<void> {
  await session.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [provisioningLock]);
  for (const statement of metadataDdl) await session.query(statement);
  await session.query(`INSERT INTO ${metaTable} (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING`, [
    trackingSchemaVersion,
  ]);
  const tracked = new Set(await trackedTableNames(session));
  for (const table of tables) {
    if (!tracked.has(table.name)) await track(session, schema, table);
  }
}

async function track(session: PostgresSession, schema: string, table: TableSchema): Promise<void> {
  const nativeTypes = await columnNativeTypes(session, schema, table.name);
  if (nativeTypes === null) {
    throw new HubsyncError(ErrorCode.TableNotFound, `Table "${table.name}" does not exist in schema "${schema}"`);
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
  const names = trackingNames(schema, table.name);
  // Keeps writers out between back-filling and creating the triggers, so no row is missed.
  await session.query(`LOCK TABLE ${names.baseTable} IN SHARE ROW EXCLUSIVE MODE`);
  for (const statement of trackingDdl(names, keys)) await session.query(statement);
  await session.query(backfillSql(names, keys));
  await session.query(`INSERT INTO ${trackedTable} (table_name, tracking_table, function_prefix) VALUES ($1, $2, $3)`, [
    table.name,
    names.trackingTableName,
    names.functionPrefix,
  ]);
}

/** Drops what provisioning created and nothing else; the caller runs it inside one transaction. */
export async function deprovisionAll(session: PostgresSession, schema: string): Promise<void> {
  await session.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [provisioningLock]);
  if (!(await tablesExist(session, [trackedTable]))) return;
  const { rows } = await session.query<{ table_name: string; tracking_table: string; function_prefix: string; base_exists: boolean }>(
    `SELECT table_name, tracking_table, function_prefix,
            pg_catalog.to_regclass(pg_catalog.quote_ident($1) || '.' || pg_catalog.quote_ident(table_name)) IS NOT NULL AS base_exists
     FROM ${trackedTable}`,
    [schema],
  );
  for (const row of rows) {
    // The names recorded at provisioning, not re-derived ones, so a future naming change still drops the old objects.
    const names = namesOf(schema, row.table_name, row.tracking_table, row.function_prefix);
    for (const statement of dropTrackingSql(names, row.base_exists)) await session.query(statement);
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
  if (!(await tablesExist(runner, [trackedTable, positionsTable]))) return [];
  const { rows } = await runner.query<{ table_name: string }>(`SELECT table_name FROM ${trackedTable} ORDER BY table_name`);
  return rows.map((row) => row.table_name);
}
