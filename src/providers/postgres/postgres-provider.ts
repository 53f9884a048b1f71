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
import { readChanges } from './postgres-change-reader.js';
import { PostgresConnection, sqlState, type PostgresSession, type QueryRunner } from './postgres-connection.js';
import { qualifiedName, quoteIdent, trackingSchema } from './postgres-identifiers.js';
import { columnNativeTypes, introspectTables } from './postgres-introspector.js';
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
import { nativeTypeOf } from './postgres-types.js';

export interface PostgresProviderOptions {
  /** The schema holding the synced tables; `public` when omitted. */
  readonly schema?: string;
}

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

const undefinedTable = '42P01';

/** Any fixed number: provisioning and deprovisioning of one database take turns on it. */
const provisioningLock = 0x68756273;

export async function openPostgresProvider(connectionString: string, options: PostgresProviderOptions = {}): Promise<Provider> {
  return new PostgresProvider(await PostgresConnection.open(connectionString), options.schema ?? 'public');
}

class PostgresProvider implements Provider {
  readonly engine = 'postgres' as const;
  readonly capabilities: ProviderCapabilities = { concurrentApply: true, replaceDeletesUntracked: false };

  constructor(
    private readonly connection: PostgresConnection,
    private readonly schema: string,
  ) {}

  introspect(): Promise<TableInfo[]> {
    return introspectTables(this.connection, this.schema);
  }

  async createTable(table: TableSchema): Promise<void> {
    const name = qualifiedName(this.schema, table.name);
    const columns = table.columns.map(
      (column) => `${quoteIdent(column.name)} ${nativeTypeOf(column.type)}${column.nullable ? '' : ' NOT NULL'}`,
    );
    const primaryKey = table.primaryKey.length > 0 ? [`PRIMARY KEY (${table.primaryKey.map(quoteIdent).join(', ')})`] : [];
    await this.connection.transaction(async (session) => {
      await session.query(`CREATE TABLE ${name} (${[...columns, ...primaryKey].join(', ')})`);
      for (const index of table.indexes) {
        await session.query(
          `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(index.name)} ON ${name} (${index.columns.map(quoteIdent).join(', ')})`,
        );
      }
    });
  }

  async provision(tables: readonly TableSchema[]): Promise<void> {
    await this.connection.transaction(async (session) => {
      await session.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [provisioningLock]);
      for (const statement of metadataDdl) await session.query(statement);
      await session.query(`INSERT INTO ${metaTable} (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING`, [
        trackingSchemaVersion,
      ]);
      const tracked = new Set(await trackedTableNames(session));
      for (const table of tables) {
        if (!tracked.has(table.name)) await this.track(session, table);
      }
    });
  }

  private async track(session: PostgresSession, table: TableSchema): Promise<void> {
    const nativeTypes = await columnNativeTypes(session, this.schema, table.name);
    if (nativeTypes === null) {
      throw new HubsyncError(ErrorCode.TableNotFound, `Table "${table.name}" does not exist in schema "${this.schema}"`);
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
    const names = trackingNames(this.schema, table.name);
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

  async provisionedTables(): Promise<string[]> {
    return trackedTableNames(this.connection);
  }

  async deprovision(): Promise<void> {
    await this.connection.transaction(async (session) => {
      await session.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [provisioningLock]);
      if (!(await tablesExist(session, [trackedTable]))) return;
      const { rows } = await session.query<{ table_name: string; tracking_table: string; function_prefix: string; base_exists: boolean }>(
        `SELECT table_name, tracking_table, function_prefix,
                pg_catalog.to_regclass(pg_catalog.quote_ident($1) || '.' || pg_catalog.quote_ident(table_name)) IS NOT NULL AS base_exists
         FROM ${trackedTable}`,
        [this.schema],
      );
      for (const row of rows) {
        // The names recorded at provisioning, not re-derived ones, so a future naming change still drops the old objects.
        const names = namesOf(this.schema, row.table_name, row.tracking_table, row.function_prefix);
        for (const statement of dropTrackingSql(names, row.base_exists)) await session.query(statement);
      }
      for (const statement of dropMetadataSql) await session.query(statement);
      // RESTRICT: a schema that still holds objects hubsync did not create is left in place.
      await session.query('SAVEPOINT drop_schema');
      try {
        await session.query(`DROP SCHEMA ${quoteIdent(trackingSchema)} RESTRICT`);
      } catch (error) {
        if (!(error instanceof HubsyncError) || sqlState(error) !== '2BP01') throw error;
        await session.query('ROLLBACK TO SAVEPOINT drop_schema');
      }
    });
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
    return this.whenProvisioned(request.table.name, () => readChanges(this.connection, this.schema, request));
  }

  applyChanges(request: ApplyRequest): Promise<ApplyResult> {
    return this.whenProvisioned(request.table.name, () => applyChanges(this.connection, this.schema, request));
  }

  changedTables(request: ChangedTablesRequest): Promise<ReadonlySet<string>> {
    return changedTables(this.connection, this.schema, request);
  }

  async openSnapshot(request: SnapshotRequest): Promise<TableSnapshot> {
    return new PostgresTableSnapshot(this.connection, this.schema, request);
  }

  bulkLoad(request: BulkLoadRequest): Promise<ApplyResult | null> {
    return this.whenProvisioned(request.snapshot.request.table.name, () => bulkLoad(this.connection, this.schema, request));
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /** A missing tracking table is reported as HS_NOT_PROVISIONED rather than as a bare SQL error. */
  private async whenProvisioned<T>(table: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HubsyncError && sqlState(error) === undefinedTable && !(await trackedTableNames(this.connection)).includes(table)) {
        throw new HubsyncError(ErrorCode.NotProvisioned, `Table "${table}" is not provisioned for hubsync in this database`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

/** Whether every one of hubsync's tables named here exists, in one round trip. */
async function tablesExist(runner: QueryRunner, names: readonly string[]): Promise<boolean> {
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
async function trackedTableNames(runner: QueryRunner): Promise<string[]> {
  if (!(await tablesExist(runner, [trackedTable, positionsTable]))) return [];
  const { rows } = await runner.query<{ table_name: string }>(`SELECT table_name FROM ${trackedTable} ORDER BY table_name`);
  return rows.map((row) => row.table_name);
}
