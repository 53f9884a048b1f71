import type {
  ApplyRequest,
  ApplyResult,
  BulkLoadRequest,
  Change,
  ChangedTablesRequest,
  Provider,
  ProviderCapabilities,
  PositionToken,
  ReadChangesRequest,
  ReadRowsRequest,
  SnapshotRequest,
  Stamp,
  TableSnapshot,
  Watermark,
} from '../../engine/provider.js';
import type { TableInfo, TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { applyChanges } from './postgres-applier.js';
import { bulkLoad } from './postgres-bulk-load.js';
import { changedTables } from './postgres-changed-tables.js';
import { PostgresTableSnapshot } from './postgres-snapshot.js';
import { readChanges, readRows } from './postgres-change-reader.js';
import { PostgresConnection } from './postgres-connection.js';
import { sqlState, undefinedTable } from './postgres-errors.js';
import { qualifiedTableName, quoteIdentifier } from './postgres-identifiers.js';
import { tableId, type TableName } from '../../engine/table-name.js';
import { introspectTables } from './postgres-introspector.js';
import { deprovisionAll, provisionTables, tablesExist, trackedTableNames } from './postgres-provisioner.js';
import { positionsTable } from './postgres-tracking-sql.js';
import { nativeTypeOf } from './postgres-types.js';

/**
 * The watermark (invariant 1) from a snapshot taken by an earlier statement, outside any
 * transaction: below the snapshot's xmax, only the ids in its running list can still commit.
 * Those that have finished since, or that pg_stat_activity places in another database, are
 * skipped: transaction ids are shared by all databases of a server, and a busy neighbour must not
 * hold this database's changes back. Reading pg_stat_activity after the snapshot means every id
 * still running is listed there; one it cannot place (a prepared transaction, stats hidden by
 * permissions) is kept, which errs on the side of waiting, never of losing a change.
 */
const watermarkSql = `
SELECT LEAST(
  pg_catalog.pg_snapshot_xmax($1::pg_snapshot)::text::bigint,
  (SELECT min(running::text::bigint)
   FROM pg_catalog.pg_snapshot_xip($1::pg_snapshot) AS running
   WHERE pg_catalog.pg_xact_status(running) = 'in progress'
     -- backend_xid is the 32-bit form of the full 64-bit id.
     AND running::text::bigint % 4294967296 NOT IN (
       SELECT a.backend_xid::text::bigint
       FROM pg_catalog.pg_stat_activity a
       WHERE a.backend_xid IS NOT NULL
         AND a.datid <> (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())))
)::text AS watermark`;


export async function openPostgresProvider(connectionString: string): Promise<Provider> {
  return new PostgresProvider(await PostgresConnection.open(connectionString));
}

class PostgresProvider implements Provider {
  readonly engine = 'postgres' as const;
  readonly capabilities: ProviderCapabilities = { concurrentApply: true, replaceDeletesUntracked: false };

  constructor(private readonly connection: PostgresConnection) {}

  introspect(): Promise<TableInfo[]> {
    return introspectTables(this.connection);
  }

  async createTable(table: TableSchema): Promise<void> {
    const name = qualifiedTableName(table);
    const columns = table.columns.map(
      (column) => `${quoteIdentifier(column.name)} ${nativeTypeOf(column.type)}${column.nullable ? '' : ' NOT NULL'}`,
    );
    const primaryKey = table.primaryKey.length > 0 ? [`PRIMARY KEY (${table.primaryKey.map(quoteIdentifier).join(', ')})`] : [];
    await this.connection.transaction(async (session) => {
      // A schema the hub has and this database lacks is created with the table (names from the hub's catalogue).
      if (table.schema !== undefined) await session.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(table.schema)}`);
      await session.query(`CREATE TABLE ${name} (${[...columns, ...primaryKey].join(', ')})`);
      for (const index of table.indexes) {
        await session.query(
          `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} ON ${name} (${index.columns.map(quoteIdentifier).join(', ')})`,
        );
      }
    });
  }


  async provision(tables: readonly TableSchema[]): Promise<void> {
    await this.connection.transaction((session) => provisionTables(session, tables));
  }

  async provisionedTables(): Promise<string[]> {
    return trackedTableNames(this.connection);
  }


  async deprovision(): Promise<void> {
    await this.connection.transaction((session) => deprovisionAll(session));
  }

  async watermark(): Promise<Watermark> {
    const snapshot = await this.connection.query<{ taken: string }>('SELECT pg_catalog.pg_current_snapshot()::text AS taken');
    const taken = snapshot.rows[0]?.taken ?? '';
    // Text form xmin:xmax:running-list; with nothing running below xmax, xmax is the watermark.
    const [, xmax, running] = taken.split(':');
    if (xmax !== undefined && running === '') return { stamp: xmax, heldBackBy: null };
    const { rows } = await this.connection.query<{ watermark: string }>(watermarkSql, [taken]);
    const stamp = rows[0]?.watermark;
    if (stamp === undefined) throw new HubsyncError(ErrorCode.DatabaseError, 'PostgreSQL returned no snapshot');
    return { stamp, heldBackBy: stamp === xmax ? null : await this.holderOf(stamp) };
  }

  /** The session whose open transaction is the watermark, for the user to find and end. */
  private async holderOf(stamp: Stamp): Promise<string> {
    const { rows } = await this.connection.query<{ pid: number; age: string }>(
      `SELECT pid, round(extract(epoch FROM now() - xact_start))::text AS age FROM pg_catalog.pg_stat_activity
       WHERE backend_xid IS NOT NULL AND backend_xid::text::bigint = $1::bigint % 4294967296`,
      [stamp],
    );
    const holder = rows[0];
    return holder === undefined
      ? `transaction ${stamp} (not visible in pg_stat_activity: prepared, or another role's)`
      : `transaction of pid ${holder.pid}, open for ${holder.age} s`;
  }

  /** One round trip: a database without the positions table (not provisioned) answers with 42P01. */
  async readPositions(sourceScope: string): Promise<ReadonlyMap<string, PositionToken>> {
    try {
      const { rows } = await this.connection.query<{ table_name: string; position: string }>(
        `SELECT table_name, position FROM ${positionsTable} WHERE source_scope = $1 AND position IS NOT NULL`,
        [sourceScope],
      );
      return new Map(rows.map((row) => [row.table_name, row.position]));
    } catch (error) {
      if (sqlState(error) === undefinedTable) return new Map();
      throw error;
    }
  }

  readChanges(request: ReadChangesRequest): Promise<Change[]> {
    return this.whenProvisioned(request.table, () => readChanges(this.connection, request));
  }

  readRows(request: ReadRowsRequest): Promise<Change[]> {
    return this.whenProvisioned(request.table, () => readRows(this.connection, request));
  }

  applyChanges(request: ApplyRequest): Promise<ApplyResult> {
    return this.whenProvisioned(request.table, () => applyChanges(this.connection, request));
  }

  changedTables(request: ChangedTablesRequest): Promise<ReadonlySet<string>> {
    return changedTables(this.connection, request);
  }

  async openSnapshot(request: SnapshotRequest): Promise<TableSnapshot> {
    return new PostgresTableSnapshot(this.connection, request);
  }

  bulkLoad(request: BulkLoadRequest): Promise<ApplyResult | null> {
    return this.whenProvisioned(request.table, () => bulkLoad(this.connection, request));
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /** A missing tracking table is reported as HS_NOT_PROVISIONED rather than as a bare SQL error. */
  private async whenProvisioned<T>(table: TableName, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HubsyncError && sqlState(error) === undefinedTable && !(await trackedTableNames(this.connection)).includes(tableId(table))) {
        throw new HubsyncError(ErrorCode.NotProvisioned, `Table "${tableId(table)}" is not provisioned for hubsync in this database`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}
