import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, HubsyncError, isHubsyncError } from '../errors.js';
import type { Cursor } from '../engine/provider.js';
import type {
  CheckpointEntry,
  CheckpointKey,
  ConflictRecord,
  FailedRecord,
  GroupDefinition,
  Page,
  PageRequest,
  RunRecord,
  StateStore,
  StoredGroup,
  TransferDirection,
} from '../engine/state-store.js';
import { decodeContinuationToken, encodeContinuationToken, pageLimit } from './continuation-token.js';
import { decodeCursorKey, encodeCursorKey } from '../engine/cursor.js';
import { migrateEmbeddedSchema } from './embedded-schema.js';
import { stateFileError } from './embedded-errors.js';

/**
 * The CLI's state store: one local SQLite file (created with its folder on first use).
 * Every statement commits on its own with synchronous=FULL, so a write is on disk when its
 * promise resolves; WAL lets `status` read while a sync writes. A file the user cannot write
 * opens read-only, so listing commands still work and a write fails naming the file.
 */
export async function openEmbeddedStateStore(path: string): Promise<StateStore> {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:' && existsSync(path) && !isWritable(path)) {
      db = new Database(path, { readonly: true, fileMustExist: true });
      // Reads the header: a file that is not SQLite fails here rather than at the first list.
      db.pragma('user_version');
    } else {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      migrateEmbeddedSchema(db, path);
    }
    return new EmbeddedStateStore(db, path);
  } catch (error) {
    db?.close();
    throw isHubsyncError(error) ? error : (stateFileError(path, 'open', error) ?? error);
  }
}

function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Tables of records: their id column, the column they are listed by, and in which direction. */
const lists = {
  conflicts: { filter: 'group_name = ?', id: 'id', time: 'detected_at', descending: false },
  failures: { filter: 'group_name = ?', id: 'id', time: 'failed_at', descending: false },
  runs: { filter: 'group_name = ?', id: 'run_id', time: 'started_at', descending: true },
  groups: { filter: '1 = 1', id: 'name', time: 'name', descending: false },
} as const;

/** Where a page ended: the last item's ordering column and rowid (ties broken by insertion). */
type Position = readonly [string, number];

function isPosition(value: unknown): value is Position {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isSafeInteger(value[1]);
}

interface RecordRow {
  readonly record: string;
}

interface PositionedRow extends RecordRow {
  readonly position_value: string;
  readonly position_row: number;
}

interface CheckpointRow {
  readonly member: string;
  readonly table_name: string;
  readonly direction: TransferDirection;
  readonly stamp: string;
  readonly cursor_key: string | null;
  readonly updated_at: string;
}

const maxPageSize = 1000;

class EmbeddedStateStore implements StateStore {
  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {}

  async getCheckpoint(key: CheckpointKey): Promise<Cursor | null> {
    return this.use('read a checkpoint', () => {
      const row = this.db
        .prepare<[string, string, string, string], { stamp: string; cursor_key: string | null }>(
          'SELECT stamp, cursor_key FROM checkpoints WHERE group_name = ? AND member = ? AND table_name = ? AND direction = ?',
        )
        .get(key.group, key.member, key.table, key.direction);
      return row === undefined ? null : { stamp: row.stamp, key: decodeCursorKey(row.cursor_key) };
    });
  }

  async compareAndSetCheckpoint(key: CheckpointKey, expected: Cursor | null, next: Cursor): Promise<boolean> {
    return this.use('save a checkpoint', () => {
      const now = new Date().toISOString();
      const keyColumns = [key.group, key.member, key.table, key.direction] as const;
      const nextColumns = [next.stamp, encodeCursorKey(next.key), now] as const;
      // One statement each way, so two processes sharing the file cannot both win.
      const { changes } =
        expected === null
          ? this.db
              .prepare(
                `INSERT INTO checkpoints (group_name, member, table_name, direction, stamp, cursor_key, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
              )
              .run(...keyColumns, ...nextColumns)
          : this.db
              .prepare(
                `UPDATE checkpoints SET stamp = ?, cursor_key = ?, updated_at = ?
                 WHERE group_name = ? AND member = ? AND table_name = ? AND direction = ? AND stamp = ? AND cursor_key IS ?`,
              )
              .run(...nextColumns, ...keyColumns, expected.stamp, encodeCursorKey(expected.key));
      return changes === 1;
    });
  }

  async listCheckpoints(group: string): Promise<CheckpointEntry[]> {
    return this.use('list checkpoints', () =>
      this.db
        .prepare<[string], CheckpointRow>(
          `SELECT member, table_name, direction, stamp, cursor_key, updated_at FROM checkpoints
           WHERE group_name = ? ORDER BY member, table_name, direction`,
        )
        .all(group)
        .map((row) => ({
          key: { group, member: row.member, table: row.table_name, direction: row.direction },
          cursor: { stamp: row.stamp, key: decodeCursorKey(row.cursor_key) },
          updatedAt: row.updated_at,
        })),
    );
  }

  async resetCheckpoints(group: string, only: { readonly member?: string; readonly table?: string } = {}): Promise<void> {
    this.use('reset checkpoints', () => {
      this.db
        .prepare(
          `DELETE FROM checkpoints WHERE group_name = @group
           AND (@member IS NULL OR member = @member) AND (@table IS NULL OR table_name = @table)`,
        )
        .run({ group, member: only.member ?? null, table: only.table ?? null });
    });
  }

  async recordConflicts(conflicts: readonly ConflictRecord[]): Promise<void> {
    this.use('record conflicts', () => {
      // A replayed batch logs the same conflict again; the user's re-apply of it must survive that.
      const upsert = this.db.prepare(
        `INSERT INTO conflicts (group_name, id, detected_at, record) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_name, id) DO UPDATE SET
           detected_at = excluded.detected_at,
           record = CASE WHEN json_extract(conflicts.record, '$.reappliedAt') IS NULL THEN excluded.record
                    ELSE json_set(excluded.record, '$.reappliedAt', json_extract(conflicts.record, '$.reappliedAt')) END`,
      );
      this.db.transaction(() => {
        for (const conflict of conflicts) upsert.run(conflict.group, conflict.id, conflict.detectedAt, JSON.stringify(conflict));
      })();
    });
  }

  async listConflicts(group: string, page?: PageRequest): Promise<Page<ConflictRecord>> {
    return this.listPage<ConflictRecord>('conflicts', [group], page);
  }

  async getConflict(group: string, id: string): Promise<ConflictRecord | null> {
    return this.getRecord<ConflictRecord>('SELECT record FROM conflicts WHERE group_name = ? AND id = ?', group, id);
  }

  async markConflictReapplied(group: string, id: string, at: string): Promise<void> {
    const changes = this.use('mark a conflict re-applied', () =>
      this.db
        .prepare("UPDATE conflicts SET record = json_set(record, '$.reappliedAt', ?) WHERE group_name = ? AND id = ?")
        .run(at, group, id).changes,
    );
    if (changes === 0) throw new HubsyncError(ErrorCode.NotFound, `no conflict with id "${id}" in group "${group}"`);
  }

  async recordFailure(failure: FailedRecord, update?: (stored: FailedRecord) => FailedRecord): Promise<void> {
    this.use('record a failed record', () =>
      // IMMEDIATE: the record `update` sees is still the stored one when its result is written.
      this.db
        .transaction(() => {
          const stored = this.getRecordNow<FailedRecord>('SELECT record FROM failures WHERE group_name = ? AND id = ?', failure.group, failure.id);
          const next = stored === null || update === undefined ? failure : update(stored);
          this.upsertNow('failures', next.group, next.id, next.failedAt, next);
        })
        .immediate(),
    );
  }

  async getFailure(group: string, id: string): Promise<FailedRecord | null> {
    return this.getRecord<FailedRecord>('SELECT record FROM failures WHERE group_name = ? AND id = ?', group, id);
  }

  async clearFailure(group: string, id: string): Promise<boolean> {
    return this.use('clear a failed record', () => this.db.prepare('DELETE FROM failures WHERE group_name = ? AND id = ?').run(group, id).changes > 0);
  }

  async listFailures(group: string, page?: PageRequest): Promise<Page<FailedRecord>> {
    return this.listPage<FailedRecord>('failures', [group], page);
  }

  async saveRun(run: RunRecord): Promise<void> {
    this.upsert('runs', run.group, run.runId, run.startedAt, run);
  }

  async getRun(group: string, runId: string): Promise<RunRecord | null> {
    return this.getRecord<RunRecord>('SELECT record FROM runs WHERE group_name = ? AND run_id = ?', group, runId);
  }

  async listRuns(group: string, page?: PageRequest): Promise<Page<RunRecord>> {
    return this.listPage<RunRecord>('runs', [group], page);
  }

  async putGroup(definition: GroupDefinition, ifMatch?: string | null): Promise<StoredGroup> {
    return this.use('save a group', () =>
      // IMMEDIATE: the etag compared is still the stored one when the new definition is written.
      this.db
        .transaction(() => {
          const current = this.getRecordNow<StoredGroup>('SELECT record FROM groups WHERE name = ?', definition.name);
          if (ifMatch !== undefined && (current?.etag ?? null) !== ifMatch) {
            const reason = current === null ? 'does not exist' : ifMatch === null ? 'already exists' : 'was changed since it was read';
            throw new HubsyncError(ErrorCode.PreconditionFailed, `group "${definition.name}" ${reason}`);
          }
          const stored: StoredGroup = { definition, etag: randomUUID() };
          this.db
            .prepare('INSERT INTO groups (name, record) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET record = excluded.record')
            .run(definition.name, JSON.stringify(stored));
          return stored;
        })
        .immediate(),
    );
  }

  async getGroup(name: string): Promise<StoredGroup | null> {
    return this.getRecord<StoredGroup>('SELECT record FROM groups WHERE name = ?', name);
  }

  async listGroups(page?: PageRequest): Promise<Page<StoredGroup>> {
    return this.listPage<StoredGroup>('groups', [], page);
  }

  async deleteGroup(name: string): Promise<boolean> {
    return this.use('delete a group', () => this.db.prepare('DELETE FROM groups WHERE name = ?').run(name).changes > 0);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Run a statement, turning SQLite's file errors into one line that names the file. */
  private use<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw stateFileError(this.path, action, error) ?? error;
    }
  }

  private upsert(list: 'failures' | 'runs', group: string, id: string, time: string, record: object): void {
    this.use(`record ${list}`, () => this.upsertNow(list, group, id, time, record));
  }

  /** Insert or replace a failure or run by id; the row keeps its rowid, its place among equal times. */
  private upsertNow(list: 'failures' | 'runs', group: string, id: string, time: string, record: object): void {
    const { id: idColumn, time: timeColumn } = lists[list];
    this.db
      .prepare(
        `INSERT INTO ${list} (group_name, ${idColumn}, ${timeColumn}, record) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_name, ${idColumn}) DO UPDATE SET ${timeColumn} = excluded.${timeColumn}, record = excluded.record`,
      )
      .run(group, id, time, JSON.stringify(record));
  }

  private getRecord<T>(sql: string, ...params: string[]): T | null {
    return this.use('read', () => this.getRecordNow<T>(sql, ...params));
  }

  private getRecordNow<T>(sql: string, ...params: string[]): T | null {
    const row = this.db.prepare<string[], RecordRow>(sql).get(...params);
    return row === undefined ? null : (JSON.parse(row.record) as T);
  }

  /**
   * Keyset paging: each page starts after the last row of the one before, so rows added or
   * removed meanwhile neither shift nor repeat the rest. One row more than asked tells whether
   * another page follows. Names spliced into SQL here and in `upsert` come from `lists`, never from input.
   */
  private listPage<T>(list: keyof typeof lists, params: string[], page: PageRequest = {}): Page<T> {
    const { filter, time, descending } = lists[list];
    const limit = pageLimit(page.limit, maxPageSize);
    const after = page.continuationToken ? decodeContinuationToken(page.continuationToken, isPosition) : null;
    const direction = descending ? 'DESC' : 'ASC';
    const seek = after === null ? '' : `AND (${time}, rowid) ${descending ? '<' : '>'} (?, ?)`;
    const rows = this.use(`list ${list}`, () =>
      this.db
        .prepare<(string | number)[], PositionedRow>(
          `SELECT record, ${time} AS position_value, rowid AS position_row FROM ${list}
           WHERE ${filter} ${seek} ORDER BY ${time} ${direction}, rowid ${direction} LIMIT ?`,
        )
        .all(...params, ...(after ?? []), limit + 1),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((row) => JSON.parse(row.record) as T),
      continuationToken:
        rows.length > limit && last ? encodeContinuationToken([last.position_value, last.position_row] satisfies Position) : null,
    };
  }
}
