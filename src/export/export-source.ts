import type { Change, Cursor, Stamp } from '../engine/provider.js';
import type { SyncValue, TableSchema } from '../engine/types.js';
import type { ExportTableSelection } from './export-profile.js';

/**
 * Where an export profile's changes come from. The first implementation is a database tracked as
 * a hub is (provider-export-source.ts); a source without SQL (Dataverse's change tracking through
 * its Web API) can implement the same few methods: stamps are any decimal strings that grow with
 * each change, and changes come in (stamp, key) order.
 */
export interface ExportSource {
  /**
   * The selected tables as the source has them now, validated against its catalogue: every name
   * exists, every table has a primary key and it is among the selected columns.
   */
  describe(selection: readonly ExportTableSelection[]): Promise<TableSchema[]>;

  /** Start tracking these tables (idempotent): from then on every change to them can be read. */
  track(tables: readonly TableSchema[]): Promise<void>;

  /** An exclusive upper bound: every change below it is committed, every later one is at or above it. */
  watermark(): Promise<Stamp>;

  /**
   * Changes after `after` and below `before` in (stamp, key) order, at most `limit`. Tracking
   * started late still yields every existing row once, so reading from the start copies the table.
   */
  readChanges(table: TableSchema, after: Cursor, before: Stamp, limit: number): Promise<Change[]>;

  /**
   * The current rows with these primary keys (values aligned with `table.columns`), null where the
   * row no longer exists. Used to retry a failed record with what the source holds now, and to find
   * destination rows that are gone from the source.
   */
  readRows(table: TableSchema, keys: readonly (readonly SyncValue[])[]): Promise<(SyncValue[] | null)[]>;

  /** Remove the source's change tracking (shared with any sync group whose hub is this database). */
  untrack(): Promise<void>;

  close(): Promise<void>;
}
