import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { withHub, withMembers } from './group-connections.js';
import { missingMemberTables } from './member-tables.js';
import { planSchema, type SyncPlan } from './sync-plan.js';

/** Check the group against every database without changing anything: reachability, tables, keys, columns. */
export async function validateGroup(group: SyncGroup, context: EngineContext): Promise<SyncPlan> {
  return withHub(group, context, async (hub) => {
    const plan = planSchema(group, await hub.introspect());
    await withMembers(group, context, { create: false }, async (members) => {
      for (const member of members) await missingMemberTables(member, plan.tables);
    });
    return plan;
  });
}
