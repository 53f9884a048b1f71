import type { ApplyResult, EngineName, PositionToken, PositionUpdate, Stamp } from '../engine/provider.js';
import type { ColumnSchema, SyncValue, TableSchema } from '../engine/types.js';

/**
 * Where an export profile writes: a replica. No triggers and no tracking go there; only the
 * replica tables (each source column plus SinkCreatedTime, SinkModifiedTime and VersionNumber),
 * the optional delete log, and one small table recording how far each table was applied, written
 * in the same transaction as the rows (invariant 7), with the source columns it was built from.
 */
export interface ExportTarget {
  readonly engine: EngineName;
  /** The schema the replica lives in (the profile's, or the engine's default). */
  readonly schema: string;

  /** Create the schema, the position table and the delete log (when named) where missing. */
  prepare(deleteLog: string | null): Promise<void>;

  /** What the destination recorded for each table of the profile. */
  recorded(profile: string): Promise<ReadonlyMap<string, RecordedReplica>>;

  /**
   * Create a replica table, or add and widen its columns, and record the source columns it now
   * follows, in one transaction.
   */
  changeSchema(profile: string, replica: ReplicaTable, change: ReplicaSchemaChange): Promise<void>;

  /**
   * Write a batch in one transaction. With a `position`, only when the recorded position is
   * `position.after` (then `through` is recorded with it); when `through` is already recorded the
   * batch is skipped as applied; otherwise HS_POSITION_MOVED and nothing changes. A row the
   * database refuses fails the whole batch with HS_DATA_REJECTED.
   */
  apply(batch: ReplicaBatch): Promise<ApplyResult>;

  /** Primary keys of the replica after `after` (null: from the first) in key order, at most `limit`. */
  listKeys(replica: ReplicaTable, after: readonly SyncValue[] | null, limit: number): Promise<SyncValue[][]>;

  /** Drop one replica table and forget its position. */
  dropReplica(profile: string, replica: ReplicaTable): Promise<void>;

  /** Drop the delete log (when named) and forget every position of the profile. */
  dropProfile(profile: string, deleteLog: string | null): Promise<void>;

  close(): Promise<void>;
}

/** A source table and the destination table it is written to. */
export interface ReplicaTable {
  /** The destination table's name (prefixed). */
  readonly name: string;
  readonly source: TableSchema;
}

export interface RecordedReplica {
  readonly position: PositionToken | null;
  /** The source columns the replica was last built from. */
  readonly columns: readonly ColumnSchema[];
}

export type ReplicaSchemaChange =
  | { readonly kind: 'create' }
  | { readonly kind: 'alter'; readonly added: readonly ColumnSchema[]; readonly widened: readonly ColumnSchema[] };

/** A row to write: values aligned with the source table's columns (for a delete only the key matters). */
export interface ReplicaWrite {
  readonly values: readonly SyncValue[];
  /** The source change stamp, kept as VersionNumber. */
  readonly stamp: Stamp;
}

export interface ReplicaBatch {
  readonly profile: string;
  readonly replica: ReplicaTable;
  readonly upserts: readonly ReplicaWrite[];
  readonly deletes: readonly ReplicaWrite[];
  /** Every delete is also written here when named. */
  readonly deleteLog: string | null;
  /** Null: a write outside the stream (a failed record retried); no position is checked or moved. */
  readonly position: PositionUpdate | null;
}

/** The Data Export Service's columns on every exported table. */
export const sinkColumns = {
  created: 'SinkCreatedTime',
  modified: 'SinkModifiedTime',
  version: 'VersionNumber',
} as const;
