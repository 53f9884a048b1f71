import { assertDistinctDatabases } from './distinct-databases.js';
import type { EngineContext } from './engine-context.js';
import type { MemberDefinition, SyncGroup } from './group.js';
import type { Provider } from './provider.js';

export interface ConnectedMember {
  readonly definition: MemberDefinition;
  readonly provider: Provider;
}

/**
 * Open every member; on any failure close the ones already open and rethrow. A group whose nodes
 * share a database is refused first, before a member file could be created by opening it.
 */
export async function openMembers(
  group: SyncGroup,
  context: EngineContext,
  options: { create: boolean },
): Promise<ConnectedMember[]> {
  await assertDistinctDatabases(group, context);
  const opened: ConnectedMember[] = [];
  try {
    for (const definition of group.members) {
      opened.push({ definition, provider: await context.openProvider(definition, options) });
    }
    return opened;
  } catch (error) {
    await closeAll(opened.map((member) => member.provider));
    throw error;
  }
}

export async function closeAll(providers: readonly Provider[]): Promise<void> {
  await Promise.allSettled(providers.map((provider) => provider.close()));
}

/** Run `work` with the hub open, closing it afterwards whatever happens. */
export async function withHub<T>(
  group: SyncGroup,
  context: EngineContext,
  work: (hub: Provider) => Promise<T>,
): Promise<T> {
  const hub = await context.openProvider(group.hub, { create: false });
  try {
    return await work(hub);
  } finally {
    await hub.close();
  }
}

/** Run `work` with every member open, closing them afterwards whatever happens. */
export async function withMembers<T>(
  group: SyncGroup,
  context: EngineContext,
  options: { create: boolean },
  work: (members: readonly ConnectedMember[]) => Promise<T>,
): Promise<T> {
  const members = await openMembers(group, context, options);
  try {
    return await work(members);
  } finally {
    await closeAll(members.map((member) => member.provider));
  }
}
