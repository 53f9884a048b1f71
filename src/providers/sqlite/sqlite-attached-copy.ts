import type Database from 'better-sqlite3';
import type { SnapshotRequest, TableSnapshot } from '../../engine/provider.js';
import type { TableSchema } from '../../engine/types.js';
import { baseRowFound, inStream, trackedRowsFrom } from './sqlite-change-reader.js';
import { quoteIdentifier, quoteIdentifiers } from './sqlite-identifiers.js';
import { SqliteTableSnapshot } from './sqlite-snapshot.js';
import { currentStampSql, trackingColumnList, trackingKeyColumns, trackingTableName } from './sqlite-tracking-sql.js';
import { affinityOf, isoMicrosSql, logicalTypeOf } from './sqlite-types.js';

/** The name a bulk load's source database is attached under, for the length of the load. */
const sourceSchema = 'hubsync_source';

/** What a copy wrote: base rows, and tracking rows (one per change, tombstones too). */
export interface Loaded {
  readonly rows: number;
  readonly tracked: number;
}

/**
 * Attaches the snapshot's source file to the destination's open transaction when its rows can be
 * copied as SQLite stores them; the source of the snapshot request, or null when they cannot (an
 * in-memory or non-SQLite source, a column stored differently). Attached inside the transaction,
 * the source is only read: attached before BEGIN IMMEDIATE it would be write-locked with the
 * destination, and its own writers kept waiting for the whole load.
 */
export function attachSource(db: Database.Database, table: TableSchema, snapshot: TableSnapshot): SnapshotRequest | null {
  if (!(snapshot instanceof SqliteTableSnapshot) || snapshot.file === null) return null;
  db.prepare<[string]>(`ATTACH ? AS ${quoteIdentifier(sourceSchema)}`).run(snapshot.file);
  return storedAlike(db, table, snapshot.request.table) ? snapshot.request : null;
}

/** After the transaction ends: an attached database cannot be detached inside one. */
export function detachSource(db: Database.Database): void {
  const attached = db.prepare<[string]>('SELECT 1 FROM pragma_database_list WHERE "name" = ?').pluck().get(sourceSchema);
  if (attached !== undefined) db.exec(`DETACH ${quoteIdentifier(sourceSchema)}`);
}

/**
 * Every column of the destination table reads as the same logical type as its source column and
 * has the same affinity, so a value copied as stored is stored unchanged, and reads back as the
 * value the source gives (a hub's INTEGER column and the BIGINT hubsync creates for it on a
 * member are alike; a NUMERIC-affinity DECIMAL and a TEXT-affinity DECIMAL_TEXT are not: pages
 * would give 1.5 its scale, a copy would not). The columns correspond by position, as the two
 * tables' schemas list them; their names are the same.
 */
function storedAlike(db: Database.Database, destination: TableSchema, source: TableSchema): boolean {
  const declared = (table: TableSchema, schema: string): Map<string, string> =>
    new Map(
      db
        .prepare<[string, string], { name: string; type: string }>('SELECT "name", "type" FROM pragma_table_info(?, ?)')
        .all(table.name, schema)
        .map((column) => [column.name, column.type]),
    );
  const here = declared(destination, 'main');
  const there = declared(source, sourceSchema);
  return destination.columns.every((column, position) => {
    const mine = here.get(column.name);
    const theirs = there.get(source.columns[position]?.name ?? '');
    if (mine === undefined || theirs === undefined) return false;
    const type = logicalTypeOf(mine);
    return type !== null && JSON.stringify(type) === JSON.stringify(logicalTypeOf(theirs)) && affinityOf(mine) === affinityOf(theirs);
  });
}

/**
 * The stream below the snapshot's watermark, copied from the attached source in two statements
 * of the destination's transaction, so both read one snapshot of the source (WAL): the live rows
 * as stored, then a tracking row per change as the page path builds them (scope `sourceScope`, a
 * stamp each in (stamp, key) order, a delete or a vanished row as a tombstone, the source's change
 * time with six fraction digits). A row changed after the watermark has a stamp from it on: it is
 * in neither statement and comes with the next run, so the recorded position stays exact.
 */
export function copyAttached(db: Database.Database, table: TableSchema, source: SnapshotRequest, sourceScope: string): Loaded {
  // The stamp counter (currentStampSql) is named without a schema: SQLite looks in main before
  // any attached database, so it is the destination's.
  const from = trackedRowsFrom(source.table, sourceSchema);
  const stream = inStream(source.before, source.excludeScope);
  const keys = trackingKeyColumns(table.primaryKey.length).map((key) => `t.${quoteIdentifier(key)}`);
  const order = `t."stamp", ${keys.join(', ')}`;
  const values = source.table.columns.map((column) => `b.${quoteIdentifier(column.name)}`);
  const rows = db
    .prepare(
      `INSERT INTO main.${quoteIdentifier(table.name)} (${quoteIdentifiers(table.columns.map((column) => column.name))}) ` +
        `SELECT ${values.join(', ')} ${from} WHERE ${stream.sql} AND t."op" <> 'D' AND ${baseRowFound(source.table)} ORDER BY ${order}`,
    )
    .run(...stream.params).changes;
  const tracked = db
    .prepare(
      `INSERT INTO main.${quoteIdentifier(trackingTableName(table.name))} (${trackingColumnList(table.primaryKey.length)}) ` +
        `SELECT ${keys.join(', ')}, ${currentStampSql} + ROW_NUMBER() OVER (ORDER BY ${order}), ?, ` +
        `CASE WHEN t."op" = 'D' OR NOT (${baseRowFound(source.table)}) THEN 'D' ELSE 'I' END, ${isoMicrosSql('t."changed_at"')} ` +
        `${from} WHERE ${stream.sql}`,
    )
    .run(sourceScope, ...stream.params).changes;
  return { rows, tracked };
}
