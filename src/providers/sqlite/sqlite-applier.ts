import Database from 'better-sqlite3';
import { positionMoved } from '../../engine/positions.js';
import type { ApplyRequest, ApplyResult, Change, ConflictCandidate, PositionToken } from '../../engine/provider.js';
import type { TableSchema } from '../../engine/types.js';
import { quoteIdentifier, quoteIdentifiers } from './sqlite-identifiers.js';
import { afterCursor, decodeTrackedRow, keyOf, trackedVersionSql } from './sqlite-change-reader.js';
import {
  currentStampSql,
  nextStampSql,
  positionsTable,
  scopeTable,
  trackingColumnList,
  trackingKeyColumns,
  trackingTableName,
} from './sqlite-tracking-sql.js';
import { toParameter, type SqliteParameter, type SqliteValue } from './sqlite-types.js';
import { microsecondTime } from '../time-fraction.js';

/**
 * Applies one batch in one IMMEDIATE transaction, and records the position it reached in the
 * same transaction (invariant 7). better-sqlite3's transaction helper cannot span the awaited
 * `resolve`, so BEGIN, COMMIT and ROLLBACK are issued by hand; the caller makes sure nothing else
 * uses the connection meanwhile.
 */
export async function applyChanges(db: Database.Database, request: ApplyRequest): Promise<ApplyResult> {
  const setScope = db.prepare<[string | null]>(`UPDATE ${quoteIdentifier(scopeTable)} SET "scope" = ? WHERE "id" = 1`);
  db.exec('BEGIN IMMEDIATE');
  try {
    if (request.position !== null) {
      const recorded = readPosition(db, request.sourceScope, request.table.name);
      if (recorded === request.position.through) {
        db.exec('ROLLBACK');
        return { applied: 0, alreadyApplied: true };
      }
      if (recorded !== request.position.after) throw positionMoved(request.table.name);
    }
    // The triggers tag every change of this transaction with the sending scope (invariant 2).
    setScope.run(request.sourceScope);
    const conflicts = findConflicts(db, request);
    const answers = await request.resolve(conflicts.map((conflict) => conflict.candidate));
    // Only a change the engine said wins is written; a short answer array loses nothing silently.
    const losing = new Set(conflicts.filter((_, index) => answers[index] !== true).map((conflict) => conflict.position));
    const winning = request.changes.filter((_, position) => !losing.has(position));
    const write = prepareWriter(db, request.table, request.sourceScope);
    // Deletes first: a key that moved (old key deleted, new key inserted) may carry a unique
    // value the new row needs.
    let applied = 0;
    for (const change of winning) if (change.operation === 'delete') applied += write(change);
    applied += writeUpserts(db, request.table, winning.filter((change) => change.operation !== 'delete'), write);
    setScope.run(null);
    if (request.position !== null) recordPosition(db, request.sourceScope, request.table.name, request.position.through);
    db.exec('COMMIT');
    return { applied, alreadyApplied: false };
  } catch (error) {
    // SQLite already rolls back by itself after some errors (SQLITE_FULL, SQLITE_NOMEM).
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

export function readPosition(db: Database.Database, sourceScope: string, table: string): PositionToken | null {
  const position = db
    .prepare<[string, string], string>(
      `SELECT "position" FROM ${quoteIdentifier(positionsTable)} WHERE "source_scope" = ? AND "table_name" = ?`,
    )
    .pluck()
    .get(sourceScope, table);
  return position ?? null;
}

export function recordPosition(db: Database.Database, sourceScope: string, table: string, position: PositionToken): void {
  db.prepare<[string, string, string]>(
    `INSERT INTO ${quoteIdentifier(positionsTable)} ("source_scope", "table_name", "position", "updated_at") ` +
      `VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) ` +
      `ON CONFLICT ("source_scope", "table_name") DO UPDATE SET "position" = excluded."position", "updated_at" = excluded."updated_at"`,
  ).run(sourceScope, table, position);
}

/**
 * SQLite checks a unique index row by row, so a batch in which two rows swap unique values fails
 * although its end state is valid. Then the rows are deleted and written again. Not for a table
 * other tables reference: the delete would cascade to, or be refused by, their rows.
 */
function writeUpserts(
  db: Database.Database,
  table: TableSchema,
  upserts: readonly Change[],
  write: (change: Change) => number,
): number {
  db.exec('SAVEPOINT hubsync_upsert');
  try {
    const applied = upserts.reduce((sum, change) => sum + write(change), 0);
    db.exec('RELEASE hubsync_upsert');
    return applied;
  } catch (error) {
    db.exec('ROLLBACK TO hubsync_upsert');
    db.exec('RELEASE hubsync_upsert');
    if (!isUniqueViolation(error) || isReferenced(db, table.name)) throw error;
  }
  for (const change of upserts) write({ ...change, operation: 'delete' });
  return upserts.reduce((sum, change) => sum + write(change), 0);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function isReferenced(db: Database.Database, table: string): boolean {
  const row = db
    .prepare<[string]>(
      `SELECT 1 FROM sqlite_schema s, pragma_foreign_key_list(s.name) f
       WHERE s.type = 'table' AND f."table" = ? COLLATE NOCASE LIMIT 1`,
    )
    .get(table);
  return row !== undefined;
}

interface Conflict {
  /** Index of the incoming change in the batch. */
  readonly position: number;
  readonly candidate: ConflictCandidate;
}

/** Incoming changes whose key this database changed without the source having seen it. */
function findConflicts(db: Database.Database, request: ApplyRequest): Conflict[] {
  const { table } = request;
  const keyMatch = trackingKeyColumns(table.primaryKey.length).map((key) => `t.${quoteIdentifier(key)} = ?`);
  const unseen = request.seen === null ? { sql: '1', params: [] } : afterCursor(table, request.seen);
  const lookup = db
    .prepare<SqliteParameter[], SqliteValue[]>(
      `${trackedVersionSql(table)} WHERE ${keyMatch.join(' AND ')} AND (t."scope" IS NULL OR t."scope" <> ?) AND ${unseen.sql}`,
    )
    .raw();
  return request.changes.flatMap((change, position) => {
    const row = lookup.get(...keyOf(table, change.values), request.sourceScope, ...unseen.params);
    if (row === undefined) return [];
    const existing = decodeTrackedRow(row, table);
    return [
      {
        position,
        candidate: {
          incoming: change,
          existing: { operation: existing.operation, values: existing.values, changedAt: existing.changedAt, stamp: existing.stamp },
        },
      },
    ];
  });
}

/**
 * Statements for one change; they return the rows they changed. An upsert only updates columns
 * that differ, so re-applying a batch writes nothing and the triggers record nothing
 * (invariant 3). A delete of a row this database does not have still leaves a tombstone, so a
 * stale insert of the same key arriving later from another member loses to it (invariant 4); an
 * existing tombstone takes the incoming delete's scope and stamp and the later of the two times.
 */
function prepareWriter(db: Database.Database, table: TableSchema, sourceScope: string): (change: Change) => number {
  const base = quoteIdentifier(table.name);
  const tracking = quoteIdentifier(trackingTableName(table.name));
  const trackingKeys = quoteIdentifiers(trackingKeyColumns(table.primaryKey.length));
  const keys = new Set(table.primaryKey);
  const keyList = quoteIdentifiers(table.primaryKey);
  const remove = db.prepare<SqliteParameter[]>(
    `DELETE FROM ${base} WHERE ${table.primaryKey.map((name) => `${quoteIdentifier(name)} = ?`).join(' AND ')}`,
  );
  const others = table.columns.filter((column) => !keys.has(column.name)).map((column) => quoteIdentifier(column.name));
  const onConflict =
    others.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${others.map((column) => `${column} = excluded.${column}`).join(', ')} ` +
        `WHERE ${others.map((column) => `${base}.${column} IS NOT excluded.${column}`).join(' OR ')}`;
  const upsert = db.prepare<SqliteParameter[]>(
    `INSERT INTO ${base} (${quoteIdentifiers(table.columns.map((column) => column.name))}) ` +
      `VALUES (${table.columns.map(() => '?').join(', ')}) ON CONFLICT (${keyList}) ${onConflict}`,
  );
  // The triggers stamp the tracking row with the time of this apply; the change's own time
  // replaces it so last-writer-wins judges later conflicts by when the change was really made.
  const keepChangeTime = db.prepare<SqliteParameter[]>(
    `UPDATE ${tracking} SET "changed_at" = ? WHERE ` +
      trackingKeyColumns(table.primaryKey.length).map((key) => `${quoteIdentifier(key)} = ?`).join(' AND '),
  );
  const nextStamp = db.prepare(nextStampSql);
  const tombstone = db.prepare<SqliteParameter[]>(
    `INSERT INTO ${tracking} (${trackingColumnList(table.primaryKey.length)}) ` +
      `VALUES (${table.primaryKey.map(() => '?').join(', ')}, ${currentStampSql}, ?, 'D', ?) ` +
      `ON CONFLICT (${trackingKeys}) DO UPDATE SET "stamp" = excluded."stamp", "scope" = excluded."scope", "op" = 'D', ` +
      // The later of two deletes' times; stored times differ in fraction digits, so compare to the millisecond.
      `"changed_at" = CASE WHEN "op" = 'D' AND substr("changed_at", 1, 23) > substr(excluded."changed_at", 1, 23) ` +
      `THEN "changed_at" ELSE excluded."changed_at" END ` +
      // The same delete applied again changes nothing and records nothing (invariant 3).
      `WHERE "op" <> 'D' OR "scope" IS NOT excluded."scope" OR substr("changed_at", 1, 23) < substr(excluded."changed_at", 1, 23)`,
  );
  const adopt = db.prepare<SqliteParameter[]>(
    `UPDATE ${tracking} SET "scope" = ? WHERE ` +
      trackingKeyColumns(table.primaryKey.length).map((key) => `${quoteIdentifier(key)} = ?`).join(' AND ') +
      ` AND "scope" IS NOT ?`,
  );
  return (change) => {
    const key = keyOf(table, change.values);
    if (change.operation === 'delete') {
      const removed = remove.run(...key).changes;
      if (removed > 0) {
        keepChangeTime.run(change.changedAt, ...key);
      } else {
        nextStamp.run();
        tombstone.run(...key, sourceScope, change.changedAt);
      }
      return removed;
    }
    const changed = upsert.run(...table.columns.map((column, position) => toParameter(microsecondTime(column.type, change.values[position] ?? null, 'SQLite'), column.type))).changes;
    if (changed > 0) keepChangeTime.run(change.changedAt, ...key);
    // Found as it says: no trigger re-tagged the key, whose tracking row may still hold this
    // database's own earlier change; it now counts as the source's (no false conflict later).
    else adopt.run(sourceScope, ...key, sourceScope);
    return changed;
  };
}
