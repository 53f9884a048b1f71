import type Database from 'better-sqlite3';
import type { ApplyResult, BulkLoadRequest } from '../../engine/provider.js';
import { readPosition, recordPosition } from './sqlite-applier.js';
import { attachSource, copyAttached, detachSource, type Loaded } from './sqlite-attached-copy.js';
import { keyOf } from './sqlite-change-reader.js';
import { quoteIdentifier, quoteIdentifiers } from './sqlite-identifiers.js';
import { currentStampSql, insertTriggerName, metaTable, trackingColumnList, trackingKeyColumns, trackingTableName } from './sqlite-tracking-sql.js';
import { toParameter, type SqliteParameter } from './sqlite-types.js';

/** Where a bulk load keeps each change's key, operation and time until the tracking rows are built from them. */
const stagedKeys = 'temp."hubsync_bulk_keys"';

/**
 * Fills an empty table in one IMMEDIATE transaction (see Provider.bulkLoad), with the row-level
 * insert trigger dropped for the transaction and created again before it commits. SQLite has one
 * writer, so no local write can happen meanwhile: it waits (up to its busy timeout) and is
 * tracked after. From another SQLite file the stream is copied by SQL from the attached file;
 * otherwise it comes page by page.
 */
export async function bulkLoad(db: Database.Database, request: BulkLoadRequest): Promise<ApplyResult | null> {
  const { table } = request;
  const base = quoteIdentifier(table.name);
  const tracking = quoteIdentifier(trackingTableName(table.name));
  const trigger = insertTriggerName(table.name);
  db.exec('BEGIN IMMEDIATE');
  try {
    const occupied = db.prepare(`SELECT EXISTS (SELECT 1 FROM ${base}) OR EXISTS (SELECT 1 FROM ${tracking})`).pluck().get();
    if (readPosition(db, request.sourceScope, table.name) !== null || Number(occupied) !== 0) {
      db.exec('ROLLBACK');
      return null;
    }
    const triggerSql = db.prepare<[string], string>(`SELECT "sql" FROM sqlite_schema WHERE "type" = 'trigger' AND "name" = ?`).pluck().get(trigger);
    if (triggerSql !== undefined) db.exec(`DROP TRIGGER ${quoteIdentifier(trigger)}`);
    const source = attachSource(db, table, request.snapshot);
    const loaded = source === null ? await loadByPages(db, request) : copyAttached(db, table, source, request.sourceScope);
    // Bound as an integer: a JS number would be bound as a REAL and make the counter one.
    db.prepare<[bigint]>(`UPDATE ${quoteIdentifier(metaTable)} SET "value" = "value" + ? WHERE "key" = 'stamp'`).run(BigInt(loaded.tracked));
    if (triggerSql !== undefined) db.exec(triggerSql);
    recordPosition(db, request.sourceScope, table.name, request.through);
    db.exec('COMMIT');
    return { applied: loaded.rows, alreadyApplied: false };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  } finally {
    detachSource(db);
  }
}

/** One prepared insert per row, and the tracking rows in one INSERT ... SELECT from the staged keys. */
async function loadByPages(db: Database.Database, request: BulkLoadRequest): Promise<Loaded> {
  const { table } = request;
  const keyColumns = quoteIdentifiers(trackingKeyColumns(table.primaryKey.length));
  db.exec(`CREATE TEMP TABLE ${stagedKeys} (${keyColumns}, "op", "changed_at")`);
  const insertRow = db.prepare<SqliteParameter[]>(
    `INSERT INTO ${quoteIdentifier(table.name)} (${quoteIdentifiers(table.columns.map((column) => column.name))}) VALUES (${table.columns.map(() => '?').join(', ')})`,
  );
  const stageKey = db.prepare<SqliteParameter[]>(
    `INSERT INTO ${stagedKeys} (${keyColumns}, "op", "changed_at") VALUES (${table.primaryKey.map(() => '?').join(', ')}, ?, ?)`,
  );
  let rows = 0;
  for await (const page of request.snapshot.pages(request.pageSize)) {
    for (const change of page) {
      const isDelete = change.operation === 'delete';
      if (!isDelete) {
        insertRow.run(...table.columns.map((column, position) => toParameter(change.values[position] ?? null, column.type)));
        rows += 1;
      }
      stageKey.run(...keyOf(table, change.values), isDelete ? 'D' : 'I', change.changedAt);
    }
  }
  // A stamp per row, in the order the rows came, as the trigger would have given them.
  const tracked = db
    .prepare<[string]>(
      `INSERT INTO ${quoteIdentifier(trackingTableName(table.name))} (${trackingColumnList(table.primaryKey.length)})
       SELECT ${keyColumns}, ${currentStampSql} + ROW_NUMBER() OVER (ORDER BY rowid), ?, "op", "changed_at" FROM ${stagedKeys}`,
    )
    .run(request.sourceScope).changes;
  db.exec(`DROP TABLE ${stagedKeys}`);
  return { rows, tracked };
}
