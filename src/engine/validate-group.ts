import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { withGroupNodes } from './group-connections.js';
import { checkMemberTables } from './member-tables.js';
import { memberColumnTypes, type MemberColumnType } from './member-types.js';
import type { Provider } from './provider.js';
import { planSchema, type PlanWarning, type SyncPlan } from './sync-plan.js';
import { tableId } from './table-name.js';

/** A validated plan, with the type every synced column has on each member. */
export interface ValidatedPlan extends SyncPlan {
  readonly memberTypes: readonly MemberColumnType[];
}

/** Check the group against every database without changing anything: reachability, tables, keys, columns. */
export async function validateGroup(group: SyncGroup, context: EngineContext): Promise<ValidatedPlan> {
  return withGroupNodes(group, context, { create: false }, async (nodes) => {
    const hub = await nodes.hub();
    const plan = planSchema(group, await hub.introspect());
    const members = await nodes.members();
    const memberTypes: MemberColumnType[] = [];
    const typeWarnings: PlanWarning[] = [];
    for (const member of members) {
      const found = memberColumnTypes(member.definition, plan.tables, await checkMemberTables(member, plan.tables));
      memberTypes.push(...found.types);
      typeWarnings.push(...found.warnings);
    }
    const warnings = [
      ...typeWarnings,
      ...untrackedReplaceWarnings(group.hub.name, hub, plan),
      ...members.flatMap((member) => untrackedReplaceWarnings(member.definition.name, member.provider, plan)),
    ];
    return { ...plan, warnings: [...plan.warnings, ...warnings], memberTypes };
  });
}

function untrackedReplaceWarnings(node: string, provider: Provider, plan: SyncPlan): PlanWarning[] {
  if (!provider.capabilities.replaceDeletesUntracked) return [];
  return plan.tables.flatMap((table) =>
    table.indexes
      .filter((index) => index.unique)
      .map((index) => ({
        table: tableId(table),
        column: index.columns.join(', '),
        message:
          `on ${node}, unique index "${index.name}" lets another program's INSERT OR REPLACE delete a row ` +
          'without a tombstone (no delete trigger fires); have it use an upsert, or turn on PRAGMA recursive_triggers (see README)',
      })),
  );
}
