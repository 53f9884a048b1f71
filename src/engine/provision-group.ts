import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { type ConnectedMember, withHub, withMembers } from './group-connections.js';
import { missingMemberTables } from './member-tables.js';
import type { Provider } from './provider.js';
import { planSchema, type SyncPlan } from './sync-plan.js';

/** Create missing member tables and change tracking in every database of the group. */
export async function provisionGroup(group: SyncGroup, context: EngineContext): Promise<SyncPlan> {
  return withHub(group, context, async (hub) => {
    const plan = planSchema(group, await hub.introspect());
    await withMembers(group, context, { create: true }, (members) => provisionNodes(hub, members, plan));
    return plan;
  });
}

/**
 * Provision where needed. Every member is checked before the first change is made, so a
 * mismatched member leaves all databases as they were.
 */
export async function provisionNodes(hub: Provider, members: readonly ConnectedMember[], plan: SyncPlan): Promise<void> {
  const toCreate = await Promise.all(members.map((member) => missingMemberTables(member, plan.tables)));
  for (const [index, member] of members.entries()) {
    for (const table of toCreate[index] ?? []) await member.provider.createTable(table);
  }
  for (const provider of [hub, ...members.map((member) => member.provider)]) {
    await provisionIfNeeded(provider, plan);
  }
}

async function provisionIfNeeded(provider: Provider, plan: SyncPlan): Promise<void> {
  const provisioned = new Set(await provider.provisionedTables());
  if (plan.tables.some((table) => !provisioned.has(table.name))) await provider.provision(plan.tables);
}

/** Remove hubsync's objects from every database of the group and forget its checkpoints. */
export async function deprovisionGroup(group: SyncGroup, context: EngineContext): Promise<void> {
  await withHub(group, context, async (hub) => {
    await withMembers(group, context, { create: false }, async (members) => {
      for (const member of members) await member.provider.deprovision();
    });
    await hub.deprovision();
  });
  await context.state.resetCheckpoints(group.name);
}
