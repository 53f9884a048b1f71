import type { ConflictPolicy } from './group.js';
import type { Cursor, Operation } from './provider.js';

/** Upload: a member's changes to the hub. Download: the hub's changes to a member. */
export type TransferDirection = 'upload' | 'download';

export interface CheckpointKey {
  readonly group: string;
  readonly member: string;
  readonly table: string;
  readonly direction: TransferDirection;
}

export interface CheckpointEntry {
  readonly key: CheckpointKey;
  readonly cursor: Cursor;
  readonly updatedAt: string;
}

/** One version of a row in the conflict log: values keyed by column name (binary as base64). */
export interface RowVersion {
  readonly node: string;
  readonly operation: Operation;
  /** Null for a delete. */
  readonly values: Readonly<Record<string, JsonValue>> | null;
  readonly changedAt: string;
}

export type JsonValue = string | number | boolean | null;

export interface ConflictRecord {
  /** Deterministic: the same conflict logged twice (a retried batch) keeps one entry. */
  readonly id: string;
  readonly group: string;
  readonly table: string;
  readonly runId: string;
  readonly member: string;
  readonly key: Readonly<Record<string, JsonValue>>;
  /** e.g. "update/delete": the incoming operation, then the destination's. */
  readonly kind: string;
  readonly policy: ConflictPolicy | 'fromHub';
  /** The node whose version was kept. */
  readonly winner: string;
  readonly winning: RowVersion;
  readonly losing: RowVersion;
  readonly detectedAt: string;
  /** Set when the user re-applied the losing version. */
  readonly reappliedAt: string | null;
}

/**
 * `pending`: retried at the start of later runs once `nextAttemptAt` has come. `failed`: its
 * retries are used up; only `hubsync failures retry --all` (or the API with `all`) tries it again.
 */
export type FailureStatus = 'pending' | 'failed';

/**
 * A row a destination rejected. One record per (group, member, table, direction, primary key):
 * the id is derived from those, so a new rejection of the same key updates the record.
 */
export interface FailedRecord {
  readonly id: string;
  readonly group: string;
  readonly table: string;
  readonly runId: string;
  readonly member: string;
  readonly direction: TransferDirection;
  readonly key: Readonly<Record<string, JsonValue>>;
  readonly operation: Operation;
  /** The latest rejected version; null for a delete, or when the source could not read the row's values. */
  readonly values: Readonly<Record<string, JsonValue>> | null;
  /** Why the row was first rejected. */
  readonly error: string;
  /** When the row was first rejected. */
  readonly failedAt: string;
  /** Times the row was tried and rejected, the first delivery included. */
  readonly attempts: number;
  /** Why the latest attempt was rejected. */
  readonly lastError: string;
  /** When the latest attempt was rejected. */
  readonly lastAttemptAt: string;
  /** When the next automatic retry is due; null once the retries are used up. */
  readonly nextAttemptAt: string | null;
  readonly status: FailureStatus;
}

/**
 * `abandoned`: found still `running` by a later run (its process was killed). `cancelled`: stopped
 * on request; nothing past what its destinations committed was recorded.
 */
export type RunStatus = 'running' | 'succeeded' | 'succeededWithFailures' | 'failed' | 'cancelled' | 'abandoned';

export interface MemberRunSummary {
  readonly name: string;
  readonly uploaded: number;
  readonly downloaded: number;
  readonly conflicts: number;
  readonly failed: number;
}

export interface RunRecord {
  readonly group: string;
  readonly runId: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly members: readonly MemberRunSummary[];
  /** A one-line reason when status is failed; never contains a connection string. */
  readonly error: string | null;
  /** Things the user should know that did not fail the run (a transaction holding changes back). */
  readonly notices?: readonly string[];
  /** Failed records the run retried; present only when it retried some. */
  readonly retried?: RetriedRecords;
}

/** What a retry of failed records did. */
export interface RetriedRecords {
  /** Records tried. */
  readonly attempted: number;
  /** Delivered (or found to have nothing left to deliver) and removed. */
  readonly cleared: number;
  /** Rejected again: kept, with one attempt more. */
  readonly stillFailing: number;
}

/** A group as the service stores it: the config file's JSON, plus how often it runs. */
export interface GroupDefinition {
  readonly name: string;
  /** The same JSON object as a CLI config file (validated by the caller, stored as given). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Null: runs only when asked. */
  readonly schedule: { readonly intervalSeconds: number } | null;
  readonly updatedAt: string;
}

export interface StoredGroup {
  readonly definition: GroupDefinition;
  /** Opaque; changes with every write. */
  readonly etag: string;
}

/** A page of a list. `continuationToken` is null on the last page; pass it back for the next. */
export interface Page<T> {
  readonly items: T[];
  readonly continuationToken: string | null;
}

export interface PageRequest {
  /** At most this many items (the store may return fewer); default 100. */
  readonly limit?: number;
  readonly continuationToken?: string | null;
}

/**
 * Where hubsync keeps what it knows between runs. Embedded (one local file) for the CLI;
 * Table storage in Azure. Every write is durable when its promise resolves.
 *
 * Checkpoints are copies of the positions each destination records in its own database in the
 * same transaction as an apply (invariant 7): they may lag, never lead, and the destination's
 * record wins where they differ. Losing them costs a re-read of positions, never data.
 */
export interface StateStore {
  getCheckpoint(key: CheckpointKey): Promise<Cursor | null>;
  /**
   * Set the checkpoint to `next` only when it currently equals `expected` (null: none saved).
   * Returns whether it was set. Two writers that read the same value cannot both win, so a slow
   * writer can never move a checkpoint back over a faster one.
   */
  compareAndSetCheckpoint(key: CheckpointKey, expected: Cursor | null, next: Cursor): Promise<boolean>;
  listCheckpoints(group: string): Promise<CheckpointEntry[]>;
  /** Forget the checkpoints of a group, or only those of one member and/or one table of it. */
  resetCheckpoints(group: string, only?: { readonly member?: string; readonly table?: string }): Promise<void>;

  /**
   * Insert each conflict, or replace the entry with the same (group, id), in one call. A replaced
   * entry keeps its `reappliedAt` when already set (a replayed batch must not undo a re-apply).
   */
  recordConflicts(conflicts: readonly ConflictRecord[]): Promise<void>;
  /** Oldest first (by detectedAt, then by first insertion). */
  listConflicts(group: string, page?: PageRequest): Promise<Page<ConflictRecord>>;
  getConflict(group: string, id: string): Promise<ConflictRecord | null>;
  /** Throws HS_NOT_FOUND when there is no such conflict. */
  markConflictReapplied(group: string, id: string, at: string): Promise<void>;

  /**
   * Insert `failure`, or when a record with the same (group, id) exists, replace it with
   * `update(stored)` (without `update`: with `failure`). Read and write are one step: of two
   * writers of one record, neither loses the other's attempt.
   */
  recordFailure(failure: FailedRecord, update?: (stored: FailedRecord) => FailedRecord): Promise<void>;
  /** Oldest first (by failedAt, then by first insertion). */
  listFailures(group: string, page?: PageRequest): Promise<Page<FailedRecord>>;
  getFailure(group: string, id: string): Promise<FailedRecord | null>;
  /** Remove a failed record (its row was delivered). Returns whether there was one. */
  clearFailure(group: string, id: string): Promise<boolean>;

  /** Insert, or replace the run with the same (group, runId). */
  saveRun(run: RunRecord): Promise<void>;
  getRun(group: string, runId: string): Promise<RunRecord | null>;
  /** Newest first (by startedAt, then by last insertion). */
  listRuns(group: string, page?: PageRequest): Promise<Page<RunRecord>>;

  /**
   * Create or replace a group definition. With `ifMatch`, only when the stored etag is that value
   * (null: only when no definition exists); otherwise HS_PRECONDITION_FAILED.
   */
  putGroup(definition: GroupDefinition, ifMatch?: string | null): Promise<StoredGroup>;
  getGroup(name: string): Promise<StoredGroup | null>;
  /** By name. */
  listGroups(page?: PageRequest): Promise<Page<StoredGroup>>;
  /** Returns whether there was one. */
  deleteGroup(name: string): Promise<boolean>;

  close(): Promise<void>;
}
