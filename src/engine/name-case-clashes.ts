import { ErrorCode, HubsyncError } from '../errors.js';
import type { MemberDefinition, SyncGroup } from './group.js';
import { MemberTableNames } from './member-tables-view.js';
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
  const members = group.members.filter((candidate) => namesIgnoreCase[candidate.provider]);
  const [member] = members;
  if (member === undefined) return;
  for (const candidate of members) {
    // As the member names them: a table kept there under another name (memberNames) may settle a clash.
    const names = new MemberTableNames(group, candidate);
    const tableClash = clash(tables.map((table) => tableId(names.locate(table))));
    if (tableClash) {
      throw new HubsyncError(
        ErrorCode.ConfigInvalid,
        `tables "${tableClash[0]}" and "${tableClash[1]}" differ only in case and ${doesNotTellApart(candidate)}`,
      );
    }
  }
  const where = doesNotTellApart(member);
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

function doesNotTellApart(member: MemberDefinition): string {
  return `member "${member.name}" (${member.provider}) does not tell names apart by case`;
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
