import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, HubsyncError } from '../errors.js';
import type { Cursor } from '../engine/provider.js';
import type { CheckpointKey, ConflictRecord, FailedRecord, RunRecord, StateStore } from '../engine/state-store.js';
import { decodeCursorKey, encodeCursorKey } from './cursor-codec.js';
import { embeddedSchema } from './embedded-schema.js';

/**
 * The CLI's state store: one local SQLite file (created with its folder on first use).
 * Every statement commits on its own with synchronous=FULL, so a write is on disk when its
 * promise resolves; WAL lets `status` read while a sync writes.
 */
export async function openEmbeddedStateStore(path: string): Promise<StateStore> {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(embeddedSchema);
    return new EmbeddedStateStore(db);
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new HubsyncError(ErrorCode.DatabaseError, `cannot open state file ${path}: ${reason}`, { cause: error });
  }
}

/** Conflicts and failures share one shape of table: id, the time they are listed by, the record. */
const recordTables = { conflicts: 'detected_at', failures: 'failed_at' } as const;

interface RecordRow {
  readonly record: string;
}

class EmbeddedStateStore implements StateStore {
  constructor(private readonly db: Database.Database) {}

  async getCheckpoint(key: CheckpointKey): Promise<Cursor | null> {
    const row = this.db
      .prepare<[string, string, string, string], { stamp: string; cursor_key: string | null }>(
        'SELECT stamp, cursor_key FROM checkpoints WHERE group_name = ? AND member = ? AND table_name = ? AND direction = ?',
      )
      .get(key.group, key.member, key.table, key.direction);
    return row === undefined ? null : { stamp: row.stamp, key: decodeCursorKey(row.cursor_key) };
  }

  async saveCheckpoint(key: CheckpointKey, cursor: Cursor): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO checkpoints (group_name, member, table_name, direction, stamp, cursor_key) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (group_name, member, table_name, direction) DO UPDATE SET stamp = excluded.stamp, cursor_key = excluded.cursor_key`,
      )
      .run(key.group, key.member, key.table, key.direction, cursor.stamp, encodeCursorKey(cursor.key));
  }

  async clearCheckpoints(group: string): Promise<void> {
    this.db.prepare('DELETE FROM checkpoints WHERE group_name = ?').run(group);
  }

  async recordConflict(conflict: ConflictRecord): Promise<void> {
    // A replayed batch logs the same conflict again; the user's re-apply of it must survive that.
    const reappliedAt = (await this.getConflict(conflict.group, conflict.id))?.reappliedAt ?? conflict.reappliedAt;
    this.upsertRecord('conflicts', conflict.group, conflict.id, conflict.detectedAt, { ...conflict, reappliedAt });
  }

  async listConflicts(group: string): Promise<ConflictRecord[]> {
    return this.listRecords<ConflictRecord>(
      'SELECT record FROM conflicts WHERE group_name = ? ORDER BY detected_at, rowid',
      group,
    );
  }

  async getConflict(group: string, id: string): Promise<ConflictRecord | null> {
    const row = this.db
      .prepare<[string, string], RecordRow>('SELECT record FROM conflicts WHERE group_name = ? AND id = ?')
      .get(group, id);
    return row === undefined ? null : (JSON.parse(row.record) as ConflictRecord);
  }

  async markConflictReapplied(group: string, id: string, at: string): Promise<void> {
    const { changes } = this.db
      .prepare("UPDATE conflicts SET record = json_set(record, '$.reappliedAt', ?) WHERE group_name = ? AND id = ?")
      .run(at, group, id);
    if (changes === 0) throw new HubsyncError(ErrorCode.NotFound, `no conflict with id "${id}" in group "${group}"`);
  }

  async recordFailure(failure: FailedRecord): Promise<void> {
    this.upsertRecord('failures', failure.group, failure.id, failure.failedAt, failure);
  }

  async listFailures(group: string): Promise<FailedRecord[]> {
    return this.listRecords<FailedRecord>(
      'SELECT record FROM failures WHERE group_name = ? ORDER BY failed_at, rowid',
      group,
    );
  }

  async saveRun(run: RunRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO runs (group_name, run_id, started_at, record) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_name, run_id) DO UPDATE SET started_at = excluded.started_at, record = excluded.record`,
      )
      .run(run.group, run.runId, run.startedAt, JSON.stringify(run));
  }

  async listRuns(group: string, limit: number): Promise<RunRecord[]> {
    return this.listRecords<RunRecord>(
      'SELECT record FROM runs WHERE group_name = ? ORDER BY started_at DESC, rowid DESC LIMIT ?',
      group,
      limit,
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** The table and column names spliced here come from `recordTables`, never from input. */
  private upsertRecord(table: keyof typeof recordTables, group: string, id: string, at: string, record: object): void {
    const timeColumn = recordTables[table];
    this.db
      .prepare(
        `INSERT INTO ${table} (group_name, id, ${timeColumn}, record) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_name, id) DO UPDATE SET ${timeColumn} = excluded.${timeColumn}, record = excluded.record`,
      )
      .run(group, id, at, JSON.stringify(record));
  }

  private listRecords<T>(sql: string, ...params: (string | number)[]): T[] {
    return this.db
      .prepare<(string | number)[], RecordRow>(sql)
      .all(...params)
      .map((row) => JSON.parse(row.record) as T);
  }
}
