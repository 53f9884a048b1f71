import { ErrorCode, HubsyncError } from '../errors.js';
import type { SyncGroup } from './group.js';
import type { EngineName } from './provider.js';
import type { TableSchema } from './types.js';
import { tableId } from './table-name.js';

/**
 * Engines whose table and column names ignore case: SQLite folds ASCII letters, so "Orders" and
 * "orders" are one table there. Typed by engine, so a new engine must say.
 */
// SQL Server: names follow the database's collation, case-insensitive by default (SQL_Latin1_General_CP1_CI_AS).
const namesIgnoreCase: Readonly<Record<EngineName, boolean>> = { postgres: false, sqlite: true, mssql: true };

/**
 * Refuse synced tables, or columns of one table, whose names differ only in case when a member's
 * engine cannot tell them apart: the second table would be created into the first, or fail half
 * way through creating the member's tables.
 */
export function assertNamesFitMembers(group: SyncGroup, tables: readonly TableSchema[]): void {
  const member = group.members.find((candidate) => namesIgnoreCase[candidate.provider]);
  if (member === undefined) return;
  const where = `member "${member.name}" (${member.provider}) does not tell names apart by case`;
  const tableClash = clash(tables.map(tableId));
  if (tableClash) {
    throw new HubsyncError(ErrorCode.ConfigInvalid, `tables "${tableClash[0]}" and "${tableClash[1]}" differ only in case and ${where}`);
  }
  for (const table of tables) {
    const columnClash = clash(table.columns.map((column) => column.name));
    if (columnClash) {
      throw new HubsyncError(
        ErrorCode.ConfigInvalid,
        `table "${tableId(table)}": columns "${columnClash[0]}" and "${columnClash[1]}" differ only in case and ${where}`,
      );
    }
  }
}

/** The first two names that are equal when ASCII letters are folded, as SQLite folds them. */
function clash(names: readonly string[]): readonly [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const name of names) {
    const folded = name.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
    const first = seen.get(folded);
    if (first !== undefined) return [first, name];
    seen.set(folded, name);
  }
  return undefined;
}
