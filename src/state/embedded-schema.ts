/**
 * Tables of the CLI's state file. Conflicts, failures and runs are kept as the JSON of their
 * records, with the columns the store looks them up and orders them by beside it.
 * Upserts use ON CONFLICT DO UPDATE (not REPLACE) so a row keeps its rowid, which breaks ties
 * in ordering by insertion.
 */
export const embeddedSchema = `
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
