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

  /** Tables of the user's schema (never hubsync's own objects). Throws HS_CONNECTION_FAILED when unreachable. */
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

  /** Names of tables that currently have hubsync tracking in this database. */
  provisionedTables(): Promise<string[]>;

  /** Remove every object provision ever created in this database, and nothing else. */
  deprovision(): Promise<void>;

  /**
   * An exclusive upper bound for reading: every change with stamp < watermark is committed
   * (or rolled back), and any change committed later gets a stamp >= watermark (invariant 1).
   */
  watermark(): Promise<Stamp>;

  /** Changes in (after, before) ordered by (stamp, primary key), at most `limit` of them. */
  readChanges(request: ReadChangesRequest): Promise<Change[]>;

  /**
   * Apply a batch in one transaction tagged with `sourceScope` (invariant 2); detects conflicts
   * set-based and lets the engine decide them through `resolve` before anything is written.
   */
  applyChanges(request: ApplyRequest): Promise<ApplyResult>;

  close(): Promise<void>;
}

export type EngineName = 'postgres' | 'sqlite';

export interface ProviderCapabilities {
  /** Several applies may run at once against this database (SQLite: no, it has one writer). */
  readonly concurrentApply: boolean;
}

/** A change stamp as a decimal string: a 64-bit integer that only grows for a given row. */
export type Stamp = string;

/** A position in a change stream: every change at or before it has been delivered. */
export interface Cursor {
  readonly stamp: Stamp;
  /** Primary key of the last delivered change at `stamp`; null when all of `stamp` was delivered. */
  readonly key: readonly SyncValue[] | null;
}

/** The cursor before the first change of any stream. */
export const streamStart: Cursor = { stamp: '-1', key: null };

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
}

export interface ReadChangesRequest {
  readonly table: TableSchema;
  /** Exclusive lower bound (stamp, key). */
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
   * Destination changes with stamp > unseenAfter (and a scope other than sourceScope) were not
   * seen by the source: an incoming change to such a key is a conflict candidate.
   * Null: the source has seen none of the destination's changes. Note that a watermark is an
   * exclusive bound (a later change may carry exactly the watermark's stamp), so "everything
   * below watermark W was seen" is unseenAfter = W - 1.
   */
  readonly unseenAfter: Stamp | null;
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

export interface ApplyResult {
  /** Rows inserted, updated or deleted in the destination. */
  readonly applied: number;
}
