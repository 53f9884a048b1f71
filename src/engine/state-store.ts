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

export interface FailedRecord {
  readonly id: string;
  readonly group: string;
  readonly table: string;
  readonly runId: string;
  readonly member: string;
  readonly direction: TransferDirection;
  readonly key: Readonly<Record<string, JsonValue>>;
  readonly operation: Operation;
  readonly values: Readonly<Record<string, JsonValue>> | null;
  readonly error: string;
  readonly failedAt: string;
}

export type RunStatus = 'running' | 'succeeded' | 'succeededWithFailures' | 'failed';

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
}

/**
 * Where hubsync keeps what it knows between runs. Embedded (one local file) for the CLI;
 * Table storage in Azure. Every write is durable when its promise resolves.
 */
export interface StateStore {
  getCheckpoint(key: CheckpointKey): Promise<Cursor | null>;
  saveCheckpoint(key: CheckpointKey, cursor: Cursor): Promise<void>;
  /** Forget every checkpoint of a group (after deprovision). */
  clearCheckpoints(group: string): Promise<void>;

  /** Insert, or replace the entry with the same id. */
  recordConflict(conflict: ConflictRecord): Promise<void>;
  listConflicts(group: string): Promise<ConflictRecord[]>;
  getConflict(group: string, id: string): Promise<ConflictRecord | null>;
  markConflictReapplied(group: string, id: string, at: string): Promise<void>;

  recordFailure(failure: FailedRecord): Promise<void>;
  listFailures(group: string): Promise<FailedRecord[]>;

  /** Insert or replace the run with the same (group, runId). */
  saveRun(run: RunRecord): Promise<void>;
  /** Most recent first. */
  listRuns(group: string, limit: number): Promise<RunRecord[]>;

  close(): Promise<void>;
}
