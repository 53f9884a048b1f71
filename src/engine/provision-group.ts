import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { type ConnectedMember, type GroupNodes, withGroupNodes, withHub, withMembers } from './group-connections.js';
import { describePending, findPendingChanges } from './pending-changes.js';
import { missingMemberTables } from './member-tables.js';
import type { Provider } from './provider.js';
import { planSchema, type SyncPlan } from './sync-plan.js';
import { tableId } from './table-name.js';

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
  // Asked of every database at once: on a run with nothing to provision this is all it costs.
  const providers = [hub, ...members.map((member) => member.provider)];
  const provisioned = await Promise.all(providers.map(async (provider) => new Set(await provider.provisionedTables())));
  for (const [index, provider] of providers.entries()) {
    if (plan.tables.some((table) => provisioned[index]?.has(tableId(table)) !== true)) await provider.provision(plan.tables);
  }
}

/**
 * Remove hubsync's objects from every database of the group and forget its checkpoints. Refused
 * while changes are not yet delivered, naming them, since afterwards nothing could deliver them
 * and the next provisioning would treat every database's rows as new; `force` goes ahead anyway.
 */
export async function deprovisionGroup(group: SyncGroup, context: EngineContext, options: { force?: boolean } = {}): Promise<void> {
  await withGroupNodes(group, context, { create: false }, async (nodes) => {
    const hub = await nodes.hub();
    if (options.force !== true) await refuseLosingChanges(nodes, hub);
    for (const member of await nodes.members()) await member.provider.deprovision();
    await hub.deprovision();
  });
  await context.state.resetCheckpoints(group.name);
}

/**
 * Remove hubsync's objects from one member's database (the member is leaving the group) and
 * forget its checkpoints; the hub and the other members keep theirs. Refused, like the group's,
 * while changes between that member and the hub are not yet delivered, unless `force`.
 */
export async function deprovisionMember(group: SyncGroup, member: string, context: EngineContext, options: { force?: boolean } = {}): Promise<void> {
  // Only this member among the nodes: the pending-change check then covers its two legs alone.
  const alone: SyncGroup = { ...group, members: group.members.filter((candidate) => candidate.name === member) };
  await withGroupNodes(alone, context, { create: false }, async (nodes) => {
    const leaving = await nodes.member(member);
    if (options.force !== true) await refuseLosingChanges(nodes, await nodes.hub());
    await leaving.provider.deprovision();
  });
  await context.state.resetCheckpoints(group.name, { member });
}

async function refuseLosingChanges(nodes: GroupNodes, hub: Provider): Promise<void> {
  const pending = await findPendingChanges(nodes, planSchema(nodes.group, await hub.introspect()));
  if (pending.length > 0) {
    throw new HubsyncError(
      ErrorCode.PendingChanges,
      `not deprovisioned: ${pending.map(describePending).join('; ')}. Sync first, or deprovision with --force to lose them`,
    );
  }
}
