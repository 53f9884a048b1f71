import type { SyncValue, TableInfo, TableSchema } from './types.js';

/**
 * The one interface a database engine implements. The engine holds the sync algorithm and the
 * conflict policies; a provider owns SQL, change tracking and set-based apply for its engine.
 *
 * Change tracking (one tracking table per synced table, kept by AFTER INSERT/UPDATE/DELETE
 * triggers, all objects under the `hubsync` schema or name prefix) records per primary key:
 * a stamp, the scope that wrote the change (null for local writes), the operation and the time.
 */
export interface Provider {
  readonly engine: EngineName;
  /** Capabilities the engine may consult instead of testing the engine name. */
  readonly capabilities: ProviderCapabilities;

  /**
   * The user's tables in every schema (never hubsync's own objects), `schema` omitted for the
   * engine's default schema (see TableName). Throws HS_CONNECTION_FAILED when unreachable.
   */
  introspect(): Promise<TableInfo[]>;

  /**
   * Create a table that does not exist yet with exactly the given columns (types mapped to this
   * engine so that values round-trip), its primary key and the given indexes.
   */
  createTable(table: TableSchema): Promise<void>;

  /**
   * Idempotently create tracking for these tables: the per-database metadata table, the tracking
   * table and triggers per table, and tracking rows for rows that already exist (only where a
   * table's tracking table is new). Tables provisioned earlier and not listed stay provisioned.
   */
  provision(tables: readonly TableSchema[]): Promise<void>;

  /** Ids (tableId) of the tables that currently have hubsync tracking in this database. */
  provisionedTables(): Promise<string[]>;

  /** Remove every object provision ever created in this database, and nothing else. */
  deprovision(): Promise<void>;

  /**
   * An exclusive upper bound for reading: every change with stamp < watermark is committed
   * (or rolled back), and any change committed later gets a stamp >= watermark (invariant 1).
   */
  watermark(): Promise<Watermark>;

  /** Changes after `after` and below `before` ordered by (stamp, primary key), at most `limit` of them. */
  readChanges(request: ReadChangesRequest): Promise<Change[]>;

  /**
   * The current version of each row with one of these primary keys, as readChanges would return
   * it now: the tracking row's stamp, operation and time with the row's current values (a delete
   * when the row is gone). Keys without a tracking row, and versions last written by
   * `excludeScope`, are left out. A failed record is retried with what its source holds now,
   * never with the version that was rejected, so a row deleted since is never re-inserted.
   */
  readRows(request: ReadRowsRequest): Promise<Change[]>;

  /**
   * How far this database has applied each table's changes from the source with this scope, as
   * recorded by `applyChanges` in the same transaction as the data (invariant 7), by table id
   * (tableId). Tables never
   * applied from that source are absent; so is everything when the database is not provisioned.
   */
  readPositions(sourceScope: string): Promise<ReadonlyMap<string, PositionToken>>;

  /**
   * Apply a batch in one transaction tagged with `sourceScope` (invariant 2); detects conflicts
   * set-based and lets the engine decide them through `resolve` before anything is written.
   * With a `position`, the batch is applied only when the recorded position is `position.after`
   * (then `position.through` is recorded with it); a batch whose `through` is already recorded
   * is skipped as already applied (invariant 3); any other recorded position throws
   * HS_POSITION_MOVED and changes nothing.
   */
  applyChanges(request: ApplyRequest): Promise<ApplyResult>;

  /**
   * Which of these tables have a change `readChanges` would return after their cursor: one round
   * trip for them all, so a run with nothing to do costs a query per database, not per table.
   */
  changedTables(request: ChangedTablesRequest): Promise<ReadonlySet<string>>;

  /**
   * This table's stream below `before` as a source for `bulkLoad`: every change a transfer from
   * the stream's start would read, by pages or, between databases of one engine, natively.
   */
  openSnapshot(request: SnapshotRequest): Promise<TableSnapshot>;

  /**
   * Fill a table that holds no row and no tracking row, and has nothing recorded from this source,
   * with everything `snapshot` holds, in one transaction that also records `through` as the
   * source's position (invariant 7): tracking rows built set-based, no change-tracking trigger
   * fired per row, local writers kept waiting (never lost) until it commits. Returns null, having
   * changed nothing, when the table does not qualify: then batches apply the stream as usual.
   */
  bulkLoad(request: BulkLoadRequest): Promise<ApplyResult | null>;

  close(): Promise<void>;
}

export interface ChangedTablesRequest {
  /** Each table with the cursor its changes are read after. */
  readonly tables: readonly { readonly table: TableSchema; readonly after: Cursor }[];
  /** As in ReadChangesRequest. */
  readonly before: Stamp;
  readonly excludeScope: string;
}

export interface SnapshotRequest {
  readonly table: TableSchema;
  /** The watermark: changes from it on wait for a later run. */
  readonly before: Stamp;
  /** As in ReadChangesRequest: the destination's own changes are not sent back (invariant 2). */
  readonly excludeScope: string;
}

/** A source table's changes from the stream's start up to a watermark (see Provider.openSnapshot). */
export interface TableSnapshot {
  /** The engine it comes from: a destination of the same engine may read it natively. */
  readonly engine: EngineName;
  readonly request: SnapshotRequest;
  /** The changes in (stamp, key) order, at most `pageSize` at a time; a delete carries only its key. */
  pages(pageSize: number): AsyncIterable<readonly Change[]>;
}

export interface BulkLoadRequest {
  /** The destination's table (it may have another name than the snapshot's source table). */
  readonly table: TableSchema;
  readonly snapshot: TableSnapshot;
  /** Written as the scope of every loaded row (invariant 2). */
  readonly sourceScope: string;
  /** Recorded as the source's position with the rows: the completed cursor of the snapshot's watermark. */
  readonly through: PositionToken;
  /** Rows per page when the rows travel through hubsync (between different engines). */
  readonly pageSize: number;
}

export type EngineName = 'postgres' | 'sqlite' | 'mssql';

export interface Watermark {
  readonly stamp: Stamp;
  /**
   * Set when an open transaction holds the watermark back (its changes, and every change after
   * it, wait for it to end): which one and for how long, for the user. Never holds data.
   */
  readonly heldBackBy: string | null;
}

export interface ProviderCapabilities {
  /** Several applies may run at once against this database (SQLite: no, it has one writer). */
  readonly concurrentApply: boolean;
  /**
   * Another program's INSERT OR REPLACE can delete a row through a unique index other than the
   * primary key without firing delete triggers (SQLite, unless PRAGMA recursive_triggers is on):
   * such a delete leaves no tombstone, so `validate` warns about tables with such an index.
   */
  readonly replaceDeletesUntracked: boolean;
}

/**
 * A change stamp as a non-negative decimal string: grows with every change of a row (a
 * transaction id, a counter, a rowversion read as an unsigned integer). Engines compare stamps
 * numerically; the engine never does arithmetic on them.
 */
export type Stamp = string;

/**
 * A position in a change stream, ordered by (stamp, primary key).
 *   key null: every change with a stamp below `stamp` is covered (an exclusive bound, like a watermark).
 *   key set:  every change up to and including (stamp, key) is covered.
 */
export interface Cursor {
  readonly stamp: Stamp;
  readonly key: readonly SyncValue[] | null;
}

/** A cursor in the opaque text form a destination records; equal cursors have equal tokens. */
export type PositionToken = string;

export type Operation = 'insert' | 'update' | 'delete';

export interface Change {
  readonly stamp: Stamp;
  readonly operation: Operation;
  /**
   * Values aligned with TableSchema.columns. For a delete only the primary-key positions are
   * meaningful; the others are null.
   */
  readonly values: readonly SyncValue[];
  /**
   * When the change was made, by the clock of the database where it was first made, exactly as
   * `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, six fraction digits) so times compare as strings. An
   * applied change keeps the time it arrived with: last-writer-wins judges by when a change was
   * made, not by when it reached the hub.
   */
  readonly changedAt: string;
  /**
   * Set when the source holds a value it cannot give in canonical form without altering it (a
   * SQLite timestamp text with an offset in a column without a zone): why, naming the column.
   * Such a change carries its key only; the engine keeps it as a failed record, never applies it.
   */
  readonly unreadable?: string;
}

export interface ReadRowsRequest {
  readonly table: TableSchema;
  /** Primary-key values in key order, one array per row; at most `maxKeysPerRead` rows. */
  readonly keys: readonly (readonly SyncValue[])[];
  /** Versions last written by this scope are left out: the destination already has them (invariant 2). */
  readonly excludeScope: string;
}

/** Rows one readRows call may ask for: few enough for one statement's parameters on every engine. */
export const maxKeysPerRead = 100;

export interface ReadChangesRequest {
  readonly table: TableSchema;
  /** Changes this cursor covers are not returned. */
  readonly after: Cursor;
  /** Exclusive upper bound on stamp: the watermark read at the start of the transfer. */
  readonly before: Stamp;
  /** Changes whose writing scope equals this are not returned (no echo, invariant 2). */
  readonly excludeScope: string;
  readonly limit: number;
}

export interface ApplyRequest {
  readonly table: TableSchema;
  readonly changes: readonly Change[];
  /** Written as the scope of every change this apply makes; the triggers read it. */
  readonly sourceScope: string;
  /**
   * How far the source has applied this destination's own changes (a cursor over this
   * database's stream): a destination change the cursor does not cover, by a scope other than
   * sourceScope, was not seen by the source, so an incoming change to that key is a conflict
   * candidate. Null: the source has seen none of them.
   */
  readonly seen: Cursor | null;
  /** Null when the changes come from no stream (a user re-applying a conflict's losing version). */
  readonly position: PositionUpdate | null;
  /**
   * Called once per apply, inside the transaction, with every conflict candidate (possibly
   * none); returns per candidate whether the incoming change wins. Losing incoming changes are
   * not written. May throw to abort the whole apply.
   */
  readonly resolve: (candidates: readonly ConflictCandidate[]) => Promise<readonly boolean[]>;
}

/** An incoming change whose key the destination also changed without the source seeing it. */
export interface ConflictCandidate {
  readonly incoming: Change;
  readonly existing: ExistingVersion;
}

export interface ExistingVersion {
  readonly operation: Operation;
  /** The destination row's current values aligned with TableSchema.columns; null when deleted. */
  readonly values: readonly SyncValue[] | null;
  readonly changedAt: string;
  readonly stamp: Stamp;
}

export interface PositionUpdate {
  /** The position the batch was read after: what the destination must have recorded (null: nothing yet). */
  readonly after: PositionToken | null;
  /** Recorded with the batch: the position the batch ends at. */
  readonly through: PositionToken;
}

export interface ApplyResult {
  /** Rows inserted, updated or deleted in the destination. */
  readonly applied: number;
  /** The batch's `through` was already recorded: nothing was written (a retry after a lost reply). */
  readonly alreadyApplied: boolean;
}
