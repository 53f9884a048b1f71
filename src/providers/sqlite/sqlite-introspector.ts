import type Database from 'better-sqlite3';
import type { ColumnInfo, IndexInfo, TableInfo } from '../../engine/types.js';
import { quoteIdentifier } from './sqlite-identifiers.js';
import { metadataTables, positionsTable, trackedTable } from './sqlite-tracking-sql.js';
import { logicalTypeOf } from './sqlite-types.js';

interface ColumnRow {
  readonly name: string;
  readonly type: string;
  readonly notnull: bigint;
  readonly pk: bigint;
  readonly hidden: bigint;
}

interface IndexRow {
  readonly name: string;
  readonly unique: bigint;
  readonly origin: string;
  readonly partial: bigint;
}

/** User tables of the main schema, without SQLite's and hubsync's own tables and without virtual tables. */
export function introspectTables(db: Database.Database): TableInfo[] {
  const hidden = new Set([...metadataTables, ...trackingTables(db)]);
  const names = db
    .prepare<[], string>(
      `SELECT "name" FROM main.sqlite_schema WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite\\_%' ESCAPE '\\' ` +
        `AND "sql" NOT LIKE 'CREATE VIRTUAL%' ORDER BY "name"`,
    )
    .pluck()
    .all()
    .filter((name) => !hidden.has(name));
  return names.map((name) => describeTable(db, name));
}

/** One table as the catalogue describes it; null when the main schema has no such table. */
export function introspectTable(db: Database.Database, name: string): TableInfo | null {
  return hasTable(db, name) ? describeTable(db, name) : null;
}

/** Names of the tracking tables provisioning created (none before the first provision). */
function trackingTables(db: Database.Database): string[] {
  return trackedTableRows(db).map((row) => row.tracking_table);
}

interface TrackedRow {
  readonly table_name: string;
  readonly tracking_table: string;
}

/**
 * Tables tracked here. None while the positions table is missing (a database provisioned by an
 * earlier version), so the engine provisions again and the metadata is brought up to date.
 */
export function trackedTableRows(db: Database.Database): TrackedRow[] {
  if (!hasTable(db, trackedTable) || !hasTable(db, positionsTable)) return [];
  return db
    .prepare<[], TrackedRow>(`SELECT "table_name", "tracking_table" FROM ${quoteIdentifier(trackedTable)} ORDER BY "table_name"`)
    .all();
}

/** SQLite matches names case-insensitively (ASCII only, as NOCASE does), so this lookup does too. */
export function hasTable(db: Database.Database, name: string): boolean {
  const count = db
    .prepare<[string], bigint>(`SELECT count(*) FROM main.sqlite_schema WHERE "type" = 'table' AND "name" = ? COLLATE NOCASE`)
    .pluck()
    .get(name);
  return count === 1n;
}

/** pragma_table_xinfo's "hidden": 1 for a virtual table's hidden column, 2 and 3 for generated columns. */
const hiddenInVirtualTable = 1n;

function describeTable(db: Database.Database, name: string): TableInfo {
  // Table-valued pragmas take the table name as a bound parameter, so it is never spliced.
  const rows = db
    .prepare<[string], ColumnRow>(`SELECT "name", "type", "notnull", "pk", "hidden" FROM pragma_table_xinfo(?, 'main') ORDER BY "cid"`)
    .all(name)
    // Hidden columns of virtual tables are no columns of the table's rows.
    .filter((row) => row.hidden !== hiddenInVirtualTable);
  const columns: ColumnInfo[] = rows.map((row) => ({
    name: row.name,
    nativeType: row.type,
    // Generated columns (hidden 2 and 3) cannot be written: reported so the plan can say it skips them.
    type: row.hidden === 0n ? logicalTypeOf(row.type) : null,
    ...(row.hidden === 0n ? {} : { generated: true }),
    // SQLite lets a rowid table's key hold NULL unless declared NOT NULL; a key that must match
    // rows across databases is treated as required, as every other engine enforces.
    nullable: row.notnull === 0n && row.pk === 0n,
  }));
  const primaryKey = rows
    .filter((row) => row.pk > 0n)
    .sort((a, b) => Number(a.pk - b.pk))
    .map((row) => row.name);
  return { name, columns, primaryKey, indexes: describeIndexes(db, name) };
}

function describeIndexes(db: Database.Database, table: string): IndexInfo[] {
  const indexes = db
    .prepare<[string], IndexRow>(`SELECT "name", "unique", "origin", "partial" FROM pragma_index_list(?, 'main') ORDER BY "name"`)
    .all(table)
    // A partial index recreated without its WHERE clause would be stricter than the original.
    .filter((index) => index.origin !== 'pk' && index.partial === 0n);
  const columnsOf = db.prepare<[string], string | null>(`SELECT "name" FROM pragma_index_info(?, 'main') ORDER BY "seqno"`).pluck();
  return indexes.flatMap((index) => {
    const columns = columnsOf.all(index.name);
    // An expression index has no column name for its expression parts and cannot be described.
    if (columns.some((column) => column === null)) return [];
    const names = columns.filter((column): column is string => column !== null);
    const name = index.origin === 'u' ? uniqueConstraintIndexName(table, names) : index.name;
    return [{ name, columns: names, unique: index.unique === 1n }];
  });
}

/**
 * A UNIQUE constraint's index is named sqlite_autoindex_<table>_<n>, a name SQLite reserves, so
 * no createTable could recreate it under that name; it gets PostgreSQL's name for such an index.
 */
function uniqueConstraintIndexName(table: string, columns: readonly string[]): string {
  return `${table}_${columns.join('_')}_key`;
}
