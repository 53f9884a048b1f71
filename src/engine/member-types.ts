import type { MemberDefinition } from './group.js';
import type { MemberTables } from './member-tables.js';
import type { PlanWarning } from './sync-plan.js';
import { logicalTypeName } from './logical-type-name.js';
import { canHold } from './type-capacity.js';
import type { TableSchema } from './types.js';
import { sameTable, tableId } from './table-name.js';

/** The type a synced column has on one member: its own column's, or the hub's when hubsync creates the table. */
export interface MemberColumnType {
  readonly member: string;
  readonly table: string;
  readonly column: string;
  /** The member's native type ("numeric(38,10)"), or "new <logical type>" for a column hubsync will create. */
  readonly type: string;
}

/**
 * Each synced column's type on `member`, and the known lossy cases there: a member column wider
 * than the hub's lets the member write values the hub then rounds or rejects. (A receiving
 * member's narrower columns never get this far: they are refused.)
 */
export function memberColumnTypes(
  member: MemberDefinition,
  tables: readonly TableSchema[],
  memberTables: MemberTables,
): { readonly types: MemberColumnType[]; readonly warnings: PlanWarning[] } {
  const types: MemberColumnType[] = [];
  const warnings: PlanWarning[] = [];
  const sends = member.direction !== 'fromHub';
  for (const table of tables) {
    const found = memberTables.existing.find((info) => sameTable(info, table));
    for (const column of table.columns) {
      const own = found?.columns.find((info) => info.name === column.name);
      const type = own === undefined ? `new ${logicalTypeName(column.type)}` : own.nativeType;
      types.push({ member: member.name, table: tableId(table), column: column.name, type });
      if (!sends || own?.type == null) continue;
      const held = canHold(column.type, own.type);
      if (held === true) continue;
      warnings.push({
        table: tableId(table),
        column: column.name,
        message:
          `on ${member.name}, "${column.name}" is ${own.nativeType} (${logicalTypeName(own.type)}), which the hub's ` +
          `${logicalTypeName(column.type)} cannot hold exactly: a value written there that the hub cannot hold is rounded or rejected by the hub (${held})`,
      });
    }
  }
  return { types, warnings };
}
