import { access } from 'node:fs/promises';
import Database from 'better-sqlite3';
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
  TableSnapshot,
  Watermark,
} from '../../engine/provider.js';
import type { TableInfo, TableSchema } from '../../engine/types.js';
import { schemaRules, tableId } from '../../engine/table-name.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { applyChanges } from './sqlite-applier.js';
import { bulkLoad } from './sqlite-bulk-load.js';
import { changedTables } from './sqlite-changed-tables.js';
import { readChanges, readRows } from './sqlite-change-reader.js';
import { mapSqliteError } from './sqlite-errors.js';
import { quoteIdentifier } from './sqlite-identifiers.js';
import { hasTable, introspectTables, trackedTableRows } from './sqlite-introspector.js';
import { deprovisionAll, provisionTables } from './sqlite-provisioner.js';
import { sqliteLocation } from './sqlite-location.js';
import { createTableDdl } from './sqlite-schema-sql.js';
import { SqliteTableSnapshot } from './sqlite-snapshot.js';
import { metaTable, positionsTable } from './sqlite-tracking-sql.js';

/** How long a statement waits for another connection's write lock before failing with SQLITE_BUSY. */
const busyTimeoutMs = 5000;

/**
 * Opens a SQLite database file. With `create: false` a missing file is an error, so a mistyped
 * path in a sync group is reported instead of silently syncing into a new empty database.
 */
export async function openSqliteProvider(path: string, options: { create: boolean }): Promise<Provider> {
  if (!options.create && !(await exists(path))) {
    throw new HubsyncError(ErrorCode.ConnectionFailed, `SQLite database file not found: ${path}`);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: !options.create, timeout: busyTimeoutMs });
    // WAL lets readers (other programs, a sync reading changes) go on while a batch is applied.
    db.pragma('journal_mode = WAL');
    // 64-bit integers come back as bigint so values beyond 2^53 stay exact.
    db.defaultSafeIntegers(true);
    return new SqliteProvider(db, db.memory ? null : await sqliteLocation(path));
  } catch (error) {
    db?.close();
    // Whatever stops the file from opening (a missing folder, no permission, not a database)
    // means this database cannot be reached.
    const message = error instanceof Error ? error.message : String(error);
    throw new HubsyncError(ErrorCode.ConnectionFailed, `SQLite database could not be opened: ${message}`, { cause: error });
  }
}

/**
 * One connection, and operations queued one after another on it: an apply keeps its transaction
 * open while it awaits `resolve`, and anything run on the connection meanwhile would see (or
 * join) its uncommitted writes. Hence `resolve` must not call back into the same provider; such
 * a call would wait for the apply forever.
 */
class SqliteProvider implements Provider {
  readonly engine = 'sqlite' as const;
  readonly capabilities: ProviderCapabilities = { concurrentApply: false, replaceDeletesUntracked: true };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database.Database,
    /** The database's file, for a SQLite destination of a bulk load to attach; null in memory. */
    private readonly file: string | null,
  ) {}

  introspect(): Promise<TableInfo[]> {
    return this.serialize('reading the catalogue', () => introspectTables(this.db));
  }

  createTable(table: TableSchema): Promise<void> {
    return this.serialize(`creating table ${table.name}`, () =>
      this.immediate(() => createTableDdl(inMainSchema(table)).forEach((sql) => this.db.exec(sql))),
    );
  }

  provision(tables: readonly TableSchema[]): Promise<void> {
    return this.serialize('provisioning change tracking', () => this.immediate(() => provisionTables(this.db, tables.map(inMainSchema))));
  }

  provisionedTables(): Promise<string[]> {
    return this.serialize('listing tracked tables', () => trackedTableRows(this.db).map((row) => row.table_name));
  }

  deprovision(): Promise<void> {
    return this.serialize('removing change tracking', () => this.immediate(() => deprovisionAll(this.db)));
  }

  /** One writer and a committed counter: every stamp up to the committed counter value is final (invariant 1). */
  watermark(): Promise<Watermark> {
    return this.serialize('reading the watermark', () => {
      this.requireProvisioned();
      const stamp = this.db
        .prepare<[], bigint>(`SELECT "value" FROM ${quoteIdentifier(metaTable)} WHERE "key" = 'stamp'`)
        .pluck()
        .get();
      // One writer: nothing can hold the watermark back.
      return { stamp: ((stamp ?? 0n) + 1n).toString(), heldBackBy: null };
    });
  }

  readPositions(sourceScope: string): Promise<ReadonlyMap<string, PositionToken>> {
    return this.serialize('reading applied positions', () => {
      if (!hasTable(this.db, positionsTable)) return new Map<string, PositionToken>();
      const rows = this.db
        .prepare<[string], { table_name: string; position: string }>(
          `SELECT "table_name", "position" FROM ${quoteIdentifier(positionsTable)} WHERE "source_scope" = ?`,
        )
        .all(sourceScope);
      return new Map(rows.map((row) => [row.table_name, row.position]));
    });
  }

  readChanges(request: ReadChangesRequest): Promise<Change[]> {
    return this.serialize(`reading changes of ${request.table.name}`, () => {
      const table = inMainSchema(request.table);
      this.requireTracked(table.name);
      return readChanges(this.db, { ...request, table });
    });
  }

  readRows(request: ReadRowsRequest): Promise<Change[]> {
    return this.serialize(`reading rows of ${request.table.name}`, () => {
      const table = inMainSchema(request.table);
      this.requireTracked(table.name);
      return readRows(this.db, { ...request, table });
    });
  }

  applyChanges(request: ApplyRequest): Promise<ApplyResult> {
    return this.serialize(`applying changes to ${request.table.name}`, () => {
      const table = inMainSchema(request.table);
      this.requireTracked(table.name);
      return applyChanges(this.db, { ...request, table });
    });
  }

  /** Answers in the ids the request's tables have, whatever schema they name. */
  changedTables(request: ChangedTablesRequest): Promise<ReadonlySet<string>> {
    const tables = request.tables.map((entry) => ({ ...entry, table: inMainSchema(entry.table) }));
    return this.serialize('looking for changed tables', () => {
      const changed = changedTables(this.db, { ...request, tables });
      return new Set(
        request.tables.flatMap((entry, index) => (changed.has(tables[index]?.table.name ?? '') ? [tableId(entry.table)] : [])),
      );
    });
  }

  openSnapshot(request: SnapshotRequest): Promise<TableSnapshot> {
    const table = inMainSchema(request.table);
    return this.serialize(`opening a snapshot of ${table.name}`, () => {
      // A destination attaching the file reads the tracking table directly: it must be there.
      this.requireTracked(table.name);
      return new SqliteTableSnapshot(this.file, { ...request, table }, (read) => this.readChanges(read));
    });
  }

  bulkLoad(request: BulkLoadRequest): Promise<ApplyResult | null> {
    const table = inMainSchema(request.table);
    return this.serialize(`loading rows into ${table.name}`, () => {
      this.requireTracked(table.name);
      return bulkLoad(this.db, { ...request, table });
    });
  }

  close(): Promise<void> {
    return this.serialize('closing the database', () => {
      if (this.db.open) this.db.close();
    });
  }

  private serialize<T>(doing: string, operation: () => T | Promise<T>): Promise<T> {
    const result = this.queue.then(operation).catch((error: unknown) => {
      throw mapSqliteError(error, doing);
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private immediate(work: () => void): void {
    this.db.transaction(work).immediate();
  }

  private requireProvisioned(): void {
    if (!hasTable(this.db, metaTable)) {
      throw new HubsyncError(ErrorCode.NotProvisioned, 'The SQLite database has no hubsync change tracking; provision it first');
    }
  }

  private requireTracked(table: string): void {
    if (!trackedTableRows(this.db).some((row) => row.table_name === table)) {
      throw new HubsyncError(
        ErrorCode.NotProvisioned,
        `Table ${table} has no hubsync change tracking in the SQLite database; provision it first`,
      );
    }
  }
}

/**
 * SQLite has one schema of its own, `main` (attached files are not synced): a table elsewhere is
 * refused rather than quietly taken for the main table of the same name.
 */
function inMainSchema(table: TableSchema): TableSchema {
  const { schema, ...rest } = table;
  if (schema === undefined || schema === schemaRules.sqlite.defaultSchema) return rest;
  throw new HubsyncError(
    ErrorCode.ConfigInvalid,
    `table "${tableId(table)}": a SQLite database has only the schema "${schemaRules.sqlite.defaultSchema}"`,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
