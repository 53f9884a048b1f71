import type { Cursor, Operation, Stamp } from '../engine/provider.js';
import type { JsonValue } from '../engine/state-store.js';

/**
 * What an export keeps between runs, apart from what the destination records itself: copies of
 * positions (they may lag, never lead; the destination's record wins), failed records, run
 * history and latency samples. Embedded (a local SQLite file) for the CLI.
 */
export interface ExportStateStore {
  listTables(profile: string): Promise<ExportTableState[]>;
  /** Insert, or replace the entry of the same (profile, table). */
  saveTable(state: ExportTableState): Promise<void>;

  /** Insert, or replace the entry with the same (profile, id). */
  saveFailure(failure: ExportFailure): Promise<void>;
  removeFailure(profile: string, id: string): Promise<void>;
  /** Oldest first (by failedAt), optionally within [from, to) and of some tables. */
  listFailures(profile: string, filter?: FailureFilter): Promise<ExportFailure[]>;
  /** Remove failed records last tried before `before`; returns how many. */
  purgeFailures(profile: string, before: string): Promise<number>;

  /** Insert, or replace the run with the same (profile, runId). */
  saveRun(run: ExportRunRecord): Promise<void>;
  /** Newest first. */
  listRuns(profile: string, limit: number): Promise<ExportRunRecord[]>;

  addLatency(profile: string, samples: readonly LatencySample[]): Promise<void>;
  /** Latencies of one table measured at or after `since`, in milliseconds. */
  listLatency(profile: string, table: string, since: string): Promise<number[]>;
  /** Forget samples measured before `before`. */
  pruneLatency(profile: string, before: string): Promise<void>;

  close(): Promise<void>;
}

export interface ExportTableState {
  readonly profile: string;
  readonly table: string;
  /** Rows written to the destination over the profile's life (upserts and deletes). */
  readonly rowsExported: number;
  /** A copy of the position the destination recorded; null before the first batch. */
  readonly checkpoint: Cursor | null;
  /** When a run last brought this table up to its watermark. */
  readonly lastSuccessAt: string | null;
  /** Why the table is stopped (a schema change that cannot be followed); null when it runs. */
  readonly stoppedReason: string | null;
}

/**
 * `retrying`: the destination rejected the record; it is tried again after retryIntervalSeconds,
 * retryCount times. `failed`: out of tries; `resync failed` tries it again.
 */
export type FailureStatus = 'retrying' | 'failed';

export interface ExportFailure {
  /** One per (profile, table, key): a newer failure of a key replaces the older one. */
  readonly id: string;
  readonly profile: string;
  readonly table: string;
  readonly key: Readonly<Record<string, JsonValue>>;
  readonly operation: Operation;
  /** The source stamp of the change that failed. */
  readonly stamp: Stamp;
  /** The database's reason, as it gave it. */
  readonly error: string;
  readonly status: FailureStatus;
  /** Tries so far, the first included. */
  readonly attempts: number;
  /** When to try again while retrying; null once failed. */
  readonly nextAttemptAt: string | null;
  readonly firstFailedAt: string;
  /** The last try. */
  readonly failedAt: string;
}

export interface FailureFilter {
  readonly from?: string;
  readonly to?: string;
  readonly tables?: readonly string[];
}

export type ExportRunStatus = 'running' | 'succeeded' | 'succeededWithFailures' | 'failed';

export interface ExportRunRecord {
  readonly profile: string;
  readonly runId: string;
  /** `run`, `resyncFailed`, `resyncAll`. */
  readonly kind: ExportRunKind;
  readonly status: ExportRunStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly tables: readonly ExportTableRun[];
  /** A one-line reason when failed; never a connection string. */
  readonly error: string | null;
}

export type ExportRunKind = 'run' | 'resyncFailed' | 'resyncAll';

export interface ExportTableRun {
  readonly table: string;
  /** Rows upserted or deleted in the destination. */
  readonly exported: number;
  /** Records that failed in this run (kept as failed records, retried later). */
  readonly failed: number;
  /** Failed records that were written this time. */
  readonly resolved: number;
  /** Set when the table stopped: the reason. */
  readonly stopped: string | null;
  /** The run's deadline came first: changes below the watermark remain for the next run. */
  readonly more: boolean;
}

export interface LatencySample {
  readonly table: string;
  /** When the change reached the destination (its commit). */
  readonly at: string;
  /** From the change's commit at the source to its commit at the destination. */
  readonly ms: number;
}
