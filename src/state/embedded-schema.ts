import type Database from 'better-sqlite3';
import { ErrorCode, HubsyncError } from '../errors.js';

/**
 * Tables of the CLI's state file. Conflicts, failures, runs and groups are kept as the JSON of
 * their records, with the columns the store looks them up and orders them by beside it.
 * Upserts use ON CONFLICT DO UPDATE (not REPLACE) so a row keeps its rowid, which breaks ties
 * in ordering by insertion.
 *
 * `baseSchema` is the first released layout, created when missing; `migrations[n]` brings a file
 * from user_version n to n + 1, so a file written by any earlier version opens in place.
 */
const baseSchema = `
CREATE TABLE IF NOT EXISTS checkpoints (
  group_name TEXT NOT NULL,
  member TEXT NOT NULL,
  table_name TEXT NOT NULL,
  direction TEXT NOT NULL,
  stamp TEXT NOT NULL,
  cursor_key TEXT,
  PRIMARY KEY (group_name, member, table_name, direction)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS conflicts (
  group_name TEXT NOT NULL,
  id TEXT NOT NULL,
  detected_at TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (group_name, id)
);

CREATE TABLE IF NOT EXISTS failures (
  group_name TEXT NOT NULL,
  id TEXT NOT NULL,
  failed_at TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (group_name, id)
);

CREATE TABLE IF NOT EXISTS runs (
  group_name TEXT NOT NULL,
  run_id TEXT NOT NULL,
  started_at TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (group_name, run_id)
);

CREATE INDEX IF NOT EXISTS runs_by_start ON runs (group_name, started_at);
`;

const migrations: readonly string[] = [
  // 0 → 1: checkpoint times, group definitions, and indexes for paging conflicts and failures.
  // Checkpoints saved before have no time of their own; the migration's time is a true upper bound.
  `
  ALTER TABLE checkpoints ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
  UPDATE checkpoints SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
  CREATE TABLE IF NOT EXISTS groups (
    name TEXT NOT NULL PRIMARY KEY,
    record TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS conflicts_by_time ON conflicts (group_name, detected_at);
  CREATE INDEX IF NOT EXISTS failures_by_time ON failures (group_name, failed_at);
  `,
  // 1 → 2: failed records retry. One rejection so far each; due now, so the next run retries them.
  `
  UPDATE failures SET record = json_set(record,
    '$.attempts', 1,
    '$.lastError', json_extract(record, '$.error'),
    '$.lastAttemptAt', json_extract(record, '$.failedAt'),
    '$.nextAttemptAt', json_extract(record, '$.failedAt'),
    '$.status', 'pending')
  WHERE json_extract(record, '$.attempts') IS NULL;
  `,
];

/** Create or upgrade the schema in one transaction: a crash leaves the old layout, never half of the new. */
export function migrateEmbeddedSchema(db: Database.Database, path: string): void {
  db.transaction(() => {
    db.exec(baseSchema);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) {
      throw new HubsyncError(ErrorCode.StateUnavailable, `state file ${path} was written by a newer hubsync (layout ${version})`);
    }
    for (const migration of migrations.slice(version)) db.exec(migration);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}
