import type { TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import type { MssqlSession, QueryRunner } from './mssql-connection.js';
import { quoteLiteral, schemaOf } from './mssql-identifiers.js';
import { tableId } from '../../engine/table-name.js';
import { trackedTableName } from '../tracking-names.js';
import { nativeColumns } from './mssql-introspector.js';
import {
  backfillSql,
  dropMetadataSql,
  dropTrackingSql,
  idColumnWidthsSql,
  idColumns,
  metaTable,
  metadataDdl,
  namesOf,
  positionsTable,
  trackedTable,
  trackingDdl,
  trackingNames,
  tableIdLength,
  trackingSchemaVersion,
  widenIdColumnSql,
} from './mssql-tracking-sql.js';
import { comparesExactly, logicalTypeOf, nativeSpelling, type NativeColumn } from './mssql-types.js';

/** Provisioning and deprovisioning of one database take turns on this application lock. */
const provisioningLock = 'hubsync.provision';

/** Creates what is missing; the caller runs it inside one transaction. */
export async function provisionTables(session: MssqlSession, tables: readonly TableSchema[]): Promise<void> {
  await takeProvisioningLock(session);
  for (const statement of metadataDdl) await session.query(statement);
  await widenIdColumns(session);
  await session.query(`IF NOT EXISTS (SELECT 1 FROM ${metaTable} WHERE [key] = N'schema_version') INSERT INTO ${metaTable} ([key], value) VALUES (N'schema_version', @p1)`, [
    { type: 'nvarchar', value: trackingSchemaVersion },
  ]);
  const tracked = new Set(await trackedTableNames(session));
  for (const table of tables) {
    if (!tracked.has(tableId(table))) await track(session, table);
  }
}

/** Databases provisioned before schemas were synced keep table ids in nvarchar(128): widened once, so a long schema-qualified id fits. */
async function widenIdColumns(session: MssqlSession): Promise<void> {
  const [widths] = await session.query<Record<string, number | null>>(idColumnWidthsSql);
  for (const [index, id] of idColumns.entries()) {
    const bytes = widths?.[`w${index}`];
    if (typeof bytes !== 'number' || bytes >= tableIdLength * 2) continue;
    const primaryKey = id.primaryKey === null ? null : await primaryKeyName(session, id.table);
    for (const statement of widenIdColumnSql(id, primaryKey)) await session.query(statement);
  }
}

async function primaryKeyName(session: MssqlSession, table: string): Promise<string | null> {
  const rows = await session.query<{ name: string }>(`SELECT name FROM sys.key_constraints WHERE parent_object_id = OBJECT_ID(@p1) AND type = 'PK'`, [
    { type: 'nvarchar', value: table },
  ]);
  return rows[0]?.name ?? null;
}

async function track(session: MssqlSession, table: TableSchema): Promise<void> {
  const native = await nativeColumns(session, table);
  if (native === null) throw new HubsyncError(ErrorCode.TableNotFound, `Table "${table.name}" does not exist in schema "${schemaOf(table)}"`);
  if (table.primaryKey.length === 0) throw new HubsyncError(ErrorCode.NoPrimaryKey, `Table "${table.name}" has no primary key`);
  const keys: NativeColumn[] = table.primaryKey.map((name) => {
    const column = native.get(name);
    if (column === undefined) throw new HubsyncError(ErrorCode.ColumnNotFound, `Column "${name}" does not exist in table "${table.name}"`);
    if (logicalTypeOf(column) === null || !comparesExactly(column)) {
      throw new HubsyncError(
        ErrorCode.SchemaMismatch,
        `Primary-key column "${name}" of table "${tableId(table)}" has type ${nativeSpelling(column)}, which hubsync cannot sync or compare exactly`,
      );
    }
    return column;
  });
  const names = trackingNames(table);
  // Keeps writers out between back-filling and creating the triggers, so no row is missed.
  await session.query(`SELECT TOP (0) 1 AS locked FROM ${names.baseTable} WITH (TABLOCK, HOLDLOCK)`);
  for (const statement of trackingDdl(names, keys)) await session.query(statement);
  await session.query(backfillSql(names, keys));
  await session.query(`INSERT INTO ${trackedTable} (table_name, schema_name, tracking_table, trigger_prefix) VALUES (@p1, @p2, @p3, @p4)`, [
    { type: 'nvarchar', value: tableId(table) },
    { type: 'nvarchar', value: table.schema ?? null },
    { type: 'nvarchar', value: names.trackingTableName },
    { type: 'nvarchar', value: names.triggerPrefix },
  ]);
}

/** Drops what provisioning created and nothing else; the caller runs it inside one transaction. */
export async function deprovisionAll(session: MssqlSession): Promise<void> {
  await takeProvisioningLock(session);
  if (!(await objectExists(session, trackedTable))) return;
  const rows = await session.query<{ table_name: string; schema_name: string | null; tracking_table: string; trigger_prefix: string }>(
    `SELECT table_name, schema_name, tracking_table, trigger_prefix FROM ${trackedTable}`,
  );
  for (const row of rows) {
    // The names recorded at provisioning, so a future naming change still drops the old objects.
    const names = namesOf(trackedTableName(row), row.tracking_table, row.trigger_prefix);
    for (const statement of dropTrackingSql(names, await objectExists(session, names.baseTable))) await session.query(statement);
  }
  for (const statement of dropMetadataSql) await session.query(statement);
}

async function takeProvisioningLock(session: MssqlSession): Promise<void> {
  await session.query(
    `DECLARE @result int; EXEC @result = sys.sp_getapplock @Resource = ${quoteLiteral(provisioningLock)}, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = -1; SELECT @result AS result`,
  );
}

export async function objectExists(runner: QueryRunner, name: string): Promise<boolean> {
  const rows = await runner.query<{ present: number }>(`SELECT CASE WHEN OBJECT_ID(@p1, N'U') IS NULL THEN 0 ELSE 1 END AS present`, [
    { type: 'nvarchar', value: name },
  ]);
  return rows[0]?.present === 1;
}

/** Tables tracked here; none while the positions table is missing (see postgres-provisioner.ts). */
export async function trackedTableNames(runner: QueryRunner): Promise<string[]> {
  if (!(await objectExists(runner, trackedTable)) || !(await objectExists(runner, positionsTable))) return [];
  const rows = await runner.query<{ table_name: string }>(`SELECT table_name FROM ${trackedTable} ORDER BY table_name`);
  return rows.map((row) => row.table_name);
}
