import { ErrorCode, HubsyncError } from '../errors.js';
import type { ConnectedMember } from './group-connections.js';
import type { MemberDefinition } from './group.js';
import { unsyncableType } from './sync-plan.js';
import { logicalTypeName } from './logical-type-name.js';
import { canHold } from './type-capacity.js';
import type { TableInfo, TableSchema } from './types.js';
import { sameTable, tableId } from './table-name.js';

/**
 * Check each member's existing tables against the plan and list the tables hubsync must create.
 * Nothing is changed here, so a mismatch anywhere stops the run before any database is touched.
 * Every run checks again, so a hub column widened since the last run is caught too.
 */
export async function missingMemberTables(
  member: ConnectedMember,
  tables: readonly TableSchema[],
): Promise<readonly TableSchema[]> {
  return (await checkMemberTables(member, tables)).missing;
}

/** The member's synced tables: those hubsync must create, and those that exist (already checked). */
export interface MemberTables {
  readonly missing: readonly TableSchema[];
  readonly existing: readonly TableInfo[];
}

export async function checkMemberTables(member: ConnectedMember, tables: readonly TableSchema[]): Promise<MemberTables> {
  const catalogue = await member.catalogue();
  const missing: TableSchema[] = [];
  const existing: TableInfo[] = [];
  for (const table of tables) {
    const found = catalogue.find((info) => sameTable(info, table));
    if (found) {
      assertCompatible(member.definition, table, found);
      existing.push(found);
    } else missing.push(table);
  }
  return { missing, existing };
}

function assertCompatible(member: MemberDefinition, table: TableSchema, found: TableInfo): void {
  const memberName = member.name;
  // A toHub member never receives hub values, so only members that do must hold all of them.
  const receives = member.direction !== 'toHub';
  for (const column of table.columns) {
    const match = found.columns.find((info) => info.name === column.name);
    if (!match) {
      throw new HubsyncError(
        ErrorCode.SchemaMismatch,
        `member "${memberName}": table "${tableId(table)}" has no column "${column.name}", which the hub syncs`,
      );
    }
    if (match.type === null) {
      throw new HubsyncError(
        ErrorCode.SchemaMismatch,
        `member "${memberName}": column "${tableId(table)}.${column.name}" has ${unsyncableType(match)}, which hubsync cannot sync`,
      );
    }
    const held = receives ? canHold(match.type, column.type) : true;
    if (held !== true) {
      throw new HubsyncError(
        ErrorCode.SchemaMismatch,
        `member "${memberName}": column "${tableId(table)}.${column.name}" is ${match.nativeType} (${logicalTypeName(match.type)}), ` +
          `which cannot hold every value of the hub's ${logicalTypeName(column.type)}: ${held}`,
      );
    }
  }
  if (found.primaryKey.join('\u0000') !== table.primaryKey.join('\u0000')) {
    throw new HubsyncError(
      ErrorCode.SchemaMismatch,
      `member "${memberName}": table "${tableId(table)}" has primary key (${found.primaryKey.join(', ')}), the hub has (${table.primaryKey.join(', ')})`,
    );
  }
}
