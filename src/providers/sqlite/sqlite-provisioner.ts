import type Database from 'better-sqlite3';
import type { TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { quoteIdentifier } from './sqlite-identifiers.js';
import { introspectTable, trackedTableRows } from './sqlite-introspector.js';
import {
  backfillSql,
  dropMetadataDdl,
  dropTrackingDdl,
  metadataDdl,
  trackedTable,
  trackingDdl,
  trackingTableName,
  type TrackedKeyColumn,
} from './sqlite-tracking-sql.js';
import { affinityOf } from './sqlite-types.js';

/** Creates what is missing; the caller runs it inside one IMMEDIATE transaction. */
export function provisionTables(db: Database.Database, tables: readonly TableSchema[]): void {
  for (const sql of metadataDdl()) db.exec(sql);
  const tracked = new Set(trackedTableRows(db).map((row) => row.table_name));
  const register = db.prepare<[string, string]>(
    `INSERT INTO ${quoteIdentifier(trackedTable)} ("table_name", "tracking_table") VALUES (?, ?)`,
  );
  for (const table of tables) {
    if (tracked.has(table.name)) continue;
    const keys = catalogueKeys(db, table);
    for (const sql of [...trackingDdl(table.name, keys), ...backfillSql(table.name, keys)]) db.exec(sql);
    register.run(table.name, trackingTableName(table.name));
    tracked.add(table.name);
  }
}

/** Drops what provisioning created and nothing else; the caller runs it inside one transaction. */
export function deprovisionAll(db: Database.Database): void {
  for (const row of trackedTableRows(db)) {
    for (const sql of dropTrackingDdl(row.table_name)) db.exec(sql);
  }
  for (const sql of dropMetadataDdl()) db.exec(sql);
}

/**
 * The table's key columns checked against this database's catalogue (invariant 9), with the
 * affinity their copies in the tracking table need so that keys compare equal in joins.
 */
function catalogueKeys(db: Database.Database, table: TableSchema): TrackedKeyColumn[] {
  const info = introspectTable(db, table.name);
  if (info === null) throw new HubsyncError(ErrorCode.TableNotFound, `Table ${table.name} does not exist in the SQLite database`);
  const declared = new Map(info.columns.map((column) => [column.name, column.nativeType]));
  for (const column of table.columns) {
    if (!declared.has(column.name)) {
      throw new HubsyncError(ErrorCode.ColumnNotFound, `Column ${column.name} does not exist in table ${table.name}`);
    }
  }
  if (table.primaryKey.length === 0) throw new HubsyncError(ErrorCode.NoPrimaryKey, `Table ${table.name} has no primary key`);
  return table.primaryKey.map((name) => {
    const nativeType = declared.get(name);
    if (nativeType === undefined) {
      throw new HubsyncError(ErrorCode.ColumnNotFound, `Primary-key column ${name} does not exist in table ${table.name}`);
    }
    return { name, affinity: affinityOf(nativeType) };
  });
}
