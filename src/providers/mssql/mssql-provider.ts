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
  ReadRowsRequest,
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
import { readChanges, readRows, stampOf } from './mssql-change-reader.js';
import { openMssqlDatabase, type MssqlDatabase } from './mssql-connection.js';
import { errorNumber } from './mssql-errors.js';
import { qualifiedTableName, quoteIdentifier, quoteLiteral } from './mssql-identifiers.js';
import { tableId, type TableName } from '../../engine/table-name.js';
import { introspectTables } from './mssql-introspector.js';
import { deprovisionAll, objectExists, provisionTables, trackedTableNames } from './mssql-provisioner.js';
import { positionsTable } from './mssql-tracking-sql.js';
import { nativeTypeOf } from './mssql-types.js';


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

export async function openMssqlProvider(connectionString: string): Promise<Provider> {
  return new MssqlProvider(await openMssqlDatabase(connectionString));
}

/** Exported for tests that drive it over a scripted database. */
export class MssqlProvider implements Provider {
  readonly engine = 'mssql' as const;
  readonly capabilities: ProviderCapabilities = { concurrentApply: true, replaceDeletesUntracked: false };

  constructor(private readonly database: MssqlDatabase) {}

  introspect(): Promise<TableInfo[]> {
    return introspectTables(this.database);
  }

  async createTable(table: TableSchema): Promise<void> {
    const name = qualifiedTableName(table);
    const columns = table.columns.map(
      (column) => `${quoteIdentifier(column.name)} ${nativeTypeOf(column.type, table.primaryKey.includes(column.name))}${column.nullable ? ' NULL' : ' NOT NULL'}`,
    );
    const primaryKey = table.primaryKey.length > 0 ? [`PRIMARY KEY (${table.primaryKey.map(quoteIdentifier).join(', ')})`] : [];
    await this.database.transaction(async (session) => {
      // A schema the hub has and this database lacks is created with the table; CREATE SCHEMA must be alone in its batch.
      if (table.schema !== undefined) {
        await session.query(`IF SCHEMA_ID(${quoteLiteral(table.schema)}) IS NULL EXEC(${quoteLiteral(`CREATE SCHEMA ${quoteIdentifier(table.schema)}`)})`);
      }
      await session.query(`CREATE TABLE ${name} (${[...columns, ...primaryKey].join(', ')})`);
      for (const index of table.indexes) {
        await session.query(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} ON ${name} (${index.columns.map(quoteIdentifier).join(', ')})`);
      }
    });
  }


  async provision(tables: readonly TableSchema[]): Promise<void> {
    await this.database.transaction((session) => provisionTables(session, tables));
  }

  provisionedTables(): Promise<string[]> {
    return trackedTableNames(this.database);
  }


  async deprovision(): Promise<void> {
    await this.database.transaction((session) => deprovisionAll(session));
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
    return this.whenProvisioned(request.table, () => readChanges(this.database, request));
  }

  readRows(request: ReadRowsRequest): Promise<Change[]> {
    return this.whenProvisioned(request.table, () => readRows(this.database, request));
  }

  applyChanges(request: ApplyRequest): Promise<ApplyResult> {
    return this.whenProvisioned(request.table, () => applyChanges(this.database, request));
  }

  changedTables(request: ChangedTablesRequest): Promise<ReadonlySet<string>> {
    return changedTablesByReading(this, request);
  }

  async openSnapshot(request: SnapshotRequest): Promise<TableSnapshot> {
    return pagedSnapshot('mssql', request, (read) => this.readChanges(read));
  }

  bulkLoad(request: BulkLoadRequest): Promise<ApplyResult | null> {
    return this.whenProvisioned(request.table, () => bulkLoad(this.database, request));
  }

  close(): Promise<void> {
    return this.database.close();
  }

  /** A missing tracking table (error 208, invalid object name) is reported as HS_NOT_PROVISIONED. */
  private async whenProvisioned<T>(table: TableName, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (errorNumber(error) === 208 && !(await trackedTableNames(this.database)).includes(tableId(table))) {
        throw new HubsyncError(ErrorCode.NotProvisioned, `Table "${tableId(table)}" is not provisioned for hubsync in this database`, { cause: error });
      }
      throw error;
    }
  }
}
