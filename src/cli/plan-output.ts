import type { SyncGroup } from '../engine/group.js';
import type { MemberColumnType } from '../engine/member-types.js';
import { policyFor, type SyncPlan } from '../engine/sync-plan.js';
import { logicalTypeName } from '../engine/logical-type-name.js';
import { formatTable } from './output.js';
import { tableId } from '../engine/table-name.js';

/** The nodes of a group, without their connections (DESIGN invariant 10). */
export function formatNodes(group: SyncGroup): string[] {
  return formatTable(
    ['node', 'provider', 'role'],
    [
      [group.hub.name, group.hub.provider, 'hub'],
      ...group.members.map((member) => [member.name, member.provider, `member, ${member.direction}`]),
    ],
  );
}

/**
 * Per table: policy, primary key and every synced column with its logical type and, when given,
 * the type it has on each member (its own, or "new ..." where hubsync creates it); then warnings.
 */
export function formatPlan(group: SyncGroup, plan: SyncPlan, memberTypes: readonly MemberColumnType[] = []): string[] {
  const lines: string[] = [];
  const members = group.members.map((member) => member.name).filter((name) => memberTypes.some((type) => type.member === name));
  for (const table of plan.tables) {
    const id = tableId(table);
    lines.push('', `table ${id}  (policy ${policyFor(group, id)}, primary key ${table.primaryKey.join(', ')})`);
    const rows = table.columns.map((column) => [
      column.name,
      logicalTypeName(column.type),
      column.nullable ? 'null' : 'not null',
      ...members.map(
        (member) =>
          memberTypes.find((type) => type.member === member && type.table === id && type.column === column.name)?.type ?? '',
      ),
    ]);
    lines.push(...formatTable(['column', 'type', 'nullable', ...members.map((member) => `on ${member}`)], rows).map((line) => `  ${line}`));
  }
  if (plan.warnings.length > 0) {
    lines.push('', 'warnings:', ...plan.warnings.map((warning) => `  ${warning.table}: ${warning.message}`));
  }
  return lines;
}
