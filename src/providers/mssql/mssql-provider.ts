import type {
  ApplyRequest,
  ApplyResult,
  BulkLoadRequest,
  Change,
  ChangedTablesRequest,
  PositionToken,
  Provider,
  ProviderCapabilities,
  ReadChangesRequest,
  SnapshotRequest,
  TableSnapshot,
  Watermark,
} from '../../engine/provider.js';
import { changedTablesByReading } from '../../engine/changed-tables.js';
import { pagedSnapshot } from '../../engine/paged-snapshot.js';
import type { TableInfo, TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { applyChanges } from './mssql-applier.js';
import { bulkLoad } from './mssql-bulk-load.js';
import { readChanges, stampOf } from './mssql-change-reader.js';
import { errorNumber, openMssqlDatabase, type MssqlDatabase, type MssqlSession, type QueryRunner } from './mssql-connection.js';
import { qualifiedName, quoteLiteral, quoteName } from './mssql-identifiers.js';
import { introspectTables, nativeColumns } from './mssql-introspector.js';
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
} from './mssql-tracking-sql.js';
import { comparesExactly, nativeTypeOf, type NativeColumn } from './mssql-types.js';

export interface MssqlProviderOptions {
  /** The schema holding the synced tables; `dbo` when omitted. */
  readonly schema?: string;
}

/** Provisioning and deprovisioning of one database take turns on this application lock. */
const provisioningLock = 'hubsync.provision';

/**
 * MIN_ACTIVE_ROWVERSION() is the lowest rowversion an open transaction holds, @@DBTS + 1 when
 * none does: every stamp below it is committed or rolled back (invariant 1). Read as binary(8).
 */
const watermarkSql = `SELECT CONVERT(binary(8), MIN_ACTIVE_ROWVERSION()) AS mark, CONVERT(binary(8), @@DBTS) AS dbts`;

/** The oldest open transaction that wrote in this database: whom the user should look at. */
const holderSql = `
SELECT TOP (1) st.session_id, DATEDIFF(second, act.transaction_begin_time, SYSDATETIME()) AS age
FROM sys.dm_tran_database_transactions dt
JOIN sys.dm_tran_active_transactions act ON act.transaction_id = dt.transaction_id
JOIN sys.dm_tran_session_transactions st ON st.transaction_id = dt.transaction_id
WHERE dt.database_id = DB_ID() AND st.session_id <> @@SPID
ORDER BY act.transaction_begin_time`;

export async function openMssqlProvider(connectionString: string, options: MssqlProviderOptions = {}): Promise<Provider> {
  return new MssqlProvider(await openMssqlDatabase(connectionString), options.schema ?? 'dbo');
}

/** Exported for tests that drive it over a scripted database. */
export class MssqlProvider implements Provider {
  readonly engine = 'mssql' as const;
  readonly capabilities: ProviderCapabilities = { concurrentApply: true, replaceDeletesUntracked: false };

  constructor(
    private readonly database: MssqlDatabase,
    private readonly schema: string,
  ) {}

  introspect(): Promise<TableInfo[]> {
    return introspectTables(this.database, this.schema);
  }

  async createTable(table: TableSchema): Promise<void> {
    const name = qualifiedName(this.schema, table.name);
    const columns = table.columns.map(
      (column) => `${quoteName(column.name)} ${nativeTypeOf(column.type, table.primaryKey.includes(column.name))}${column.nullable ? ' NULL' : ' NOT NULL'}`,
    );
    const primaryKey = table.primaryKey.length > 0 ? [`PRIMARY KEY (${table.primaryKey.map(quoteName).join(', ')})`] : [];
    await this.database.transaction(async (session) => {
      await session.query(`CREATE TABLE ${name} (${[...columns, ...primaryKey].join(', ')})`);
      for (const index of table.indexes) {
        await session.query(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteName(index.name)} ON ${name} (${index.columns.map(quoteName).join(', ')})`);
      }
    });
  }

  async provision(tables: readonly TableSchema[]): Promise<void> {
    await this.database.transaction(async (session) => {
      await takeProvisioningLock(session);
      for (const statement of metadataDdl) await session.query(statement);
      await session.query(`IF NOT EXISTS (SELECT 1 FROM ${metaTable} WHERE [key] = N'schema_version') INSERT INTO ${metaTable} ([key], value) VALUES (N'schema_version', @p1)`, [
        { type: 'nvarchar', value: trackingSchemaVersion },
      ]);
      const tracked = new Set(await trackedTableNames(session));
      for (const table of tables) {
        if (!tracked.has(table.name)) await this.track(session, table);
      }
    });
  }

  private async track(session: MssqlSession, table: TableSchema): Promise<void> {
    const native = await nativeColumns(session, this.schema, table.name);
    if (native === null) throw new HubsyncError(ErrorCode.TableNotFound, `Table "${table.name}" does not exist in schema "${this.schema}"`);
    if (table.primaryKey.length === 0) throw new HubsyncError(ErrorCode.NoPrimaryKey, `Table "${table.name}" has no primary key`);
    const keys: NativeColumn[] = table.primaryKey.map((name) => {
      const column = native.get(name);
      if (column === undefined) throw new HubsyncError(ErrorCode.ColumnNotFound, `Column "${name}" does not exist in table "${table.name}"`);
      if (!comparesExactly(column)) {
        throw new HubsyncError(ErrorCode.SchemaMismatch, `Primary-key column "${name}" of table "${table.name}" has a type that cannot be compared exactly`);
      }
      return column;
    });
    const names = trackingNames(this.schema, table.name);
    // Keeps writers out between back-filling and creating the triggers, so no row is missed.
    await session.query(`SELECT TOP (0) 1 AS locked FROM ${names.baseTable} WITH (TABLOCK, HOLDLOCK)`);
    for (const statement of trackingDdl(names, keys)) await session.query(statement);
    await session.query(backfillSql(names, keys));
    await session.query(`INSERT INTO ${trackedTable} (table_name, tracking_table, trigger_prefix) VALUES (@p1, @p2, @p3)`, [
      { type: 'nvarchar', value: table.name },
      { type: 'nvarchar', value: names.trackingTableName },
      { type: 'nvarchar', value: names.triggerPrefix },
    ]);
  }

  provisionedTables(): Promise<string[]> {
    return trackedTableNames(this.database);
  }

  async deprovision(): Promise<void> {
    await this.database.transaction(async (session) => {
      await takeProvisioningLock(session);
      if (!(await objectExists(session, trackedTable))) return;
      const rows = await session.query<{ table_name: string; tracking_table: string; trigger_prefix: string; base_exists: number }>(
        `SELECT table_name, tracking_table, trigger_prefix,
                CASE WHEN OBJECT_ID(QUOTENAME(@p1) + N'.' + QUOTENAME(table_name), N'U') IS NULL THEN 0 ELSE 1 END AS base_exists
         FROM ${trackedTable}`,
        [{ type: 'nvarchar', value: this.schema }],
      );
      for (const row of rows) {
        // The names recorded at provisioning, so a future naming change still drops the old objects.
        const names = namesOf(this.schema, row.table_name, row.tracking_table, row.trigger_prefix);
        for (const statement of dropTrackingSql(names, row.base_exists === 1)) await session.query(statement);
      }
      for (const statement of dropMetadataSql) await session.query(statement);
    });
  }

  async watermark(): Promise<Watermark> {
    const [row] = await this.database.query<{ mark: Uint8Array; dbts: Uint8Array }>(watermarkSql);
    if (row === undefined) throw new HubsyncError(ErrorCode.DatabaseError, 'SQL Server returned no watermark');
    const stamp = stampOf(row.mark);
    const free = (BigInt(stampOf(row.dbts)) + 1n).toString();
    return { stamp, heldBackBy: stamp === free ? null : await this.holder() };
  }

  /** Needs VIEW DATABASE STATE (Azure) or VIEW SERVER STATE; without it the user is told what is missing. */
  private async holder(): Promise<string> {
    try {
      const [row] = await this.database.query<{ session_id: number; age: number }>(holderSql);
      return row === undefined
        ? 'an open transaction (it ended while being looked up)'
        : `transaction of session ${row.session_id}, open for ${row.age} s`;
    } catch (error) {
      if (!(error instanceof HubsyncError)) throw error;
      return 'an open transaction (grant VIEW DATABASE STATE to see which session holds it)';
    }
  }

  async readPositions(sourceScope: string): Promise<ReadonlyMap<string, PositionToken>> {
    if (!(await objectExists(this.database, positionsTable))) return new Map();
    const rows = await this.database.query<{ table_name: string; position: string }>(
      `SELECT table_name, position FROM ${positionsTable} WHERE source_scope = @p1 AND position IS NOT NULL`,
      [{ type: 'nvarchar', value: sourceScope }],
    );
    return new Map(rows.map((row) => [row.table_name, row.position]));
  }

  readChanges(request: ReadChangesRequest): Promise<Change[]> {
    return this.whenProvisioned(request.table.name, () => readChanges(this.database, this.schema, request));
  }

  applyChanges(request: ApplyRequest): Promise<ApplyResult> {
    return this.whenProvisioned(request.table.name, () => applyChanges(this.database, this.schema, request));
  }

  changedTables(request: ChangedTablesRequest): Promise<ReadonlySet<string>> {
    return changedTablesByReading(this, request);
  }

  async openSnapshot(request: SnapshotRequest): Promise<TableSnapshot> {
    return pagedSnapshot('mssql', request, (read) => this.readChanges(read));
  }

  bulkLoad(request: BulkLoadRequest): Promise<ApplyResult | null> {
    return this.whenProvisioned(request.snapshot.request.table.name, () => bulkLoad(this.database, this.schema, request));
  }

  close(): Promise<void> {
    return this.database.close();
  }

  /** A missing tracking table (error 208, invalid object name) is reported as HS_NOT_PROVISIONED. */
  private async whenProvisioned<T>(table: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (errorNumber(error) === 208 && !(await trackedTableNames(this.database)).includes(table)) {
        throw new HubsyncError(ErrorCode.NotProvisioned, `Table "${table}" is not provisioned for hubsync in this database`, { cause: error });
      }
      throw error;
    }
  }
}

async function takeProvisioningLock(session: MssqlSession): Promise<void> {
  await session.query(
    `DECLARE @result int; EXEC @result = sys.sp_getapplock @Resource = ${quoteLiteral(provisioningLock)}, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = -1; SELECT @result AS result`,
  );
}

async function objectExists(runner: QueryRunner, name: string): Promise<boolean> {
  const rows = await runner.query<{ present: number }>(`SELECT CASE WHEN OBJECT_ID(@p1, N'U') IS NULL THEN 0 ELSE 1 END AS present`, [
    { type: 'nvarchar', value: name },
  ]);
  return rows[0]?.present === 1;
}

/** Tables tracked here; none while the positions table is missing (see postgres-provider.ts). */
async function trackedTableNames(runner: QueryRunner): Promise<string[]> {
  if (!(await objectExists(runner, trackedTable)) || !(await objectExists(runner, positionsTable))) return [];
  const rows = await runner.query<{ table_name: string }>(`SELECT table_name FROM ${trackedTable} ORDER BY table_name`);
  return rows.map((row) => row.table_name);
}
