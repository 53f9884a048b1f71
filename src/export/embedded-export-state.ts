import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isHubsyncError } from '../errors.js';
import { stateFileError } from '../state/embedded-errors.js';
import type {
  ExportFailure,
  ExportRunRecord,
  ExportStateStore,
  ExportTableState,
  FailureFilter,
  LatencySample,
} from './export-state.js';

/** Records are kept as JSON beside the columns they are looked up and ordered by. */
const schema = `
CREATE TABLE IF NOT EXISTS export_tables (
  profile TEXT NOT NULL, table_name TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (profile, table_name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS export_failures (
  profile TEXT NOT NULL, id TEXT NOT NULL, table_name TEXT NOT NULL, failed_at TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (profile, id)
);
CREATE INDEX IF NOT EXISTS export_failures_by_time ON export_failures (profile, failed_at);
CREATE TABLE IF NOT EXISTS export_runs (
  profile TEXT NOT NULL, run_id TEXT NOT NULL, started_at TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (profile, run_id)
);
CREATE TABLE IF NOT EXISTS export_latency (
  profile TEXT NOT NULL, table_name TEXT NOT NULL, at TEXT NOT NULL, ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS export_latency_by_time ON export_latency (profile, table_name, at);
`;

/**
 * The CLI's export state: one local SQLite file, every statement committed on its own with
 * synchronous=FULL, so a write is on disk when its promise resolves.
 */
export function openEmbeddedExportState(path: string): ExportStateStore {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(schema);
    return new EmbeddedExportState(db, path);
  } catch (error) {
    db?.close();
    throw isHubsyncError(error) ? error : (stateFileError(path, 'open', error) ?? error);
  }
}

interface RecordRow {
  readonly record: string;
}

class EmbeddedExportState implements ExportStateStore {
  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {}

  async listTables(profile: string): Promise<ExportTableState[]> {
    return this.records<ExportTableState>('SELECT record FROM export_tables WHERE profile = ? ORDER BY table_name', [profile]);
  }

  async saveTable(state: ExportTableState): Promise<void> {
    this.write('save a table state', () =>
      this.db
        .prepare('INSERT INTO export_tables (profile, table_name, record) VALUES (?, ?, ?) ON CONFLICT (profile, table_name) DO UPDATE SET record = excluded.record')
        .run(state.profile, state.table, JSON.stringify(state)),
    );
  }

  async saveFailure(failure: ExportFailure): Promise<void> {
    this.write('save a failed record', () =>
      this.db
        .prepare(
          `INSERT INTO export_failures (profile, id, table_name, failed_at, record) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (profile, id) DO UPDATE SET table_name = excluded.table_name, failed_at = excluded.failed_at, record = excluded.record`,
        )
        .run(failure.profile, failure.id, failure.table, failure.failedAt, JSON.stringify(failure)),
    );
  }

  async removeFailure(profile: string, id: string): Promise<void> {
    this.write('remove a failed record', () => this.db.prepare('DELETE FROM export_failures WHERE profile = ? AND id = ?').run(profile, id));
  }

  async listFailures(profile: string, filter: FailureFilter = {}): Promise<ExportFailure[]> {
    const failures = this.records<ExportFailure>(
      `SELECT record FROM export_failures WHERE profile = ? AND failed_at >= ? AND failed_at < ? ORDER BY failed_at, rowid`,
      [profile, filter.from ?? '', filter.to ?? '\uffff'],
    );
    return filter.tables === undefined ? failures : failures.filter((failure) => filter.tables?.includes(failure.table));
  }

  async purgeFailures(profile: string, before: string): Promise<number> {
    return this.write('purge failed records', () => this.db.prepare('DELETE FROM export_failures WHERE profile = ? AND failed_at < ?').run(profile, before).changes);
  }

  async saveRun(run: ExportRunRecord): Promise<void> {
    this.write('save a run', () =>
      this.db
        .prepare(
          'INSERT INTO export_runs (profile, run_id, started_at, record) VALUES (?, ?, ?, ?) ON CONFLICT (profile, run_id) DO UPDATE SET record = excluded.record',
        )
        .run(run.profile, run.runId, run.startedAt, JSON.stringify(run)),
    );
  }

  async listRuns(profile: string, limit: number): Promise<ExportRunRecord[]> {
    return this.records<ExportRunRecord>('SELECT record FROM export_runs WHERE profile = ? ORDER BY started_at DESC, rowid DESC LIMIT ?', [profile, limit]);
  }

  async addLatency(profile: string, samples: readonly LatencySample[]): Promise<void> {
    const insert = this.db.prepare('INSERT INTO export_latency (profile, table_name, at, ms) VALUES (?, ?, ?, ?)');
    this.write('record latency', () =>
      this.db.transaction(() => {
        for (const sample of samples) insert.run(profile, sample.table, sample.at, Math.round(sample.ms));
      })(),
    );
  }

  async listLatency(profile: string, table: string, since: string): Promise<number[]> {
    const rows = this.db.prepare('SELECT ms FROM export_latency WHERE profile = ? AND table_name = ? AND at >= ?').all(profile, table, since) as { ms: number }[];
    return rows.map((row) => Number(row.ms));
  }

  async pruneLatency(profile: string, before: string): Promise<void> {
    this.write('prune latency samples', () => this.db.prepare('DELETE FROM export_latency WHERE profile = ? AND at < ?').run(profile, before));
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private records<T>(sql: string, params: readonly unknown[]): T[] {
    return (this.db.prepare(sql).all(...params) as RecordRow[]).map((row) => JSON.parse(row.record) as T);
  }

  private write<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw stateFileError(this.path, action, error) ?? error;
    }
  }
}
