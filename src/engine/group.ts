import type { EngineName } from './provider.js';
import type { TableName } from './table-name.js';

/** Which way a member's changes flow, in Azure SQL Data Sync's words. */
export type Direction = 'bidirectional' | 'toHub' | 'fromHub';

export const directions: readonly Direction[] = ['bidirectional', 'toHub', 'fromHub'];

export type ConflictPolicy = 'hubWins' | 'memberWins' | 'lastWriterWins';

export const conflictPolicies: readonly ConflictPolicy[] = ['hubWins', 'memberWins', 'lastWriterWins'];

/** A database taking part in a group. `connection` is a reference (literal, path, env:NAME, secret name), never logged. */
export interface NodeDefinition {
  readonly name: string;
  readonly provider: EngineName;
  readonly connection: string;
}

export interface MemberDefinition extends NodeDefinition {
  readonly direction: Direction;
}

/** A hub table to sync; `schema` omitted means the hub's default schema (see TableName). */
export interface TableSelection extends TableName {
  /** Columns to sync; omitted means every column hubsync can sync. */
  readonly columns?: readonly string[];
  /** Overrides the group's policy for this table. */
  readonly conflictPolicy?: ConflictPolicy;
  /**
   * Per member name, where that member keeps this table when not under the hub's schema and name
   * (a plain name there means the member's default schema).
   */
  readonly memberNames?: Readonly<Record<string, TableName>>;
}

export interface SyncGroup {
  readonly name: string;
  readonly hub: NodeDefinition;
  readonly members: readonly MemberDefinition[];
  readonly conflictPolicy: ConflictPolicy;
  readonly tables: readonly TableSelection[];
  /** Most changes moved in one batch (one read, one destination transaction). */
  readonly batchSize: number;
  /** How rows a destination rejected are retried. */
  readonly retryCount: number;
  readonly retryIntervalSeconds: number;
}

/** How often and how far apart a rejected row is retried (the Data Export Service's settings and defaults). */
export type RetryPolicy = Pick<SyncGroup, 'retryCount' | 'retryIntervalSeconds'>;

export const defaultBatchSize = 5000;

export const retryLimits = {
  retryCount: { default: 12, min: 0, max: 20 },
  retryIntervalSeconds: { default: 5, min: 0, max: 3600 },
} as const;

export const defaultRetryPolicy: RetryPolicy = {
  retryCount: retryLimits.retryCount.default,
  retryIntervalSeconds: retryLimits.retryIntervalSeconds.default,
};
