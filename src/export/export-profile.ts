import type { NodeDefinition } from '../engine/group.js';

/**
 * An export profile in the Data Export Service's own terms: selected tables of a source copied
 * one way, continuously, into a replica in a destination database.
 */
export interface ExportProfile {
  readonly name: string;
  readonly source: NodeDefinition;
  readonly destination: ExportDestination;
  readonly tables: readonly ExportTableSelection[];
  /** How many more times a record the destination rejects is tried before it is a failed record. */
  readonly retryCount: number;
  /** How long to wait between those tries. */
  readonly retryIntervalSeconds: number;
  /** Every delete is also written to `<prefix>_DeleteLog`. */
  readonly writeDeleteLog: boolean;
  /** Drop the destination table of a table removed from the profile (default: leave it). */
  readonly dropDestination: boolean;
  /** Null: runs only when asked. */
  readonly schedule: { readonly intervalSeconds: number } | null;
  /** Most changes moved in one batch (one read, one destination transaction). */
  readonly batchSize: number;
  /** How long failed records are kept. */
  readonly failureRetentionDays: number;
}

export interface ExportDestination extends NodeDefinition {
  /** Null: the destination's default schema (public, dbo, main). */
  readonly schema: string | null;
  /** Null: tables keep their source names. */
  readonly prefix: string | null;
}

export interface ExportTableSelection {
  readonly name: string;
  /** Omitted: every column hubsync can read. */
  readonly columns?: readonly string[];
}

export const exportDefaults = {
  retryCount: 12,
  retryIntervalSeconds: 5,
  batchSize: 5000,
  failureRetentionDays: 30,
} as const;

/** The destination table a source table is written to: `account` with prefix `crm` is `crm_account`. */
export function replicaTableName(profile: ExportProfile, table: string): string {
  return profile.destination.prefix === null ? table : `${profile.destination.prefix}_${table}`;
}

/** `<prefix>_DeleteLog`, or `DeleteLog` without a prefix; null when the profile keeps no delete log. */
export function deleteLogName(profile: ExportProfile): string | null {
  if (!profile.writeDeleteLog) return null;
  return profile.destination.prefix === null ? 'DeleteLog' : `${profile.destination.prefix}_DeleteLog`;
}
