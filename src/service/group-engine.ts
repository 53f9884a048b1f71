import type { EngineContext } from '../engine/engine-context.js';
import type { SyncGroup } from '../engine/group.js';
import { type RunSession, withRunSession } from '../engine/run-session.js';
import type { StateStore } from '../engine/state-store.js';
import { nodeAccess } from '../providers/node-access.js';
import { parseGroupConfig } from './group-input.js';
import { serviceConnectionResolver, serviceStateStore } from './service-context.js';
import { requireGroup } from './service-deps.js';

/**
 * A stored group as the engine takes it: validated again with the config file's schema, since a
 * definition may have been stored by an older version of the app.
 */
export async function loadSyncGroup(store: StateStore, name: string): Promise<SyncGroup> {
  const stored = await requireGroup(store, name);
  return parseGroupConfig({ ...stored.definition.config });
}

/** The engine's context in the service: connections through Key Vault (or app settings), state in Table storage. */
export function serviceEngineContext(store: StateStore): EngineContext {
  return { ...nodeAccess(serviceConnectionResolver()), state: store };
}

/** What an activity works in: the group's run session, opened and closed around one step. */
export async function withGroupRunSession<T>(groupName: string, work: (session: RunSession) => Promise<T>): Promise<T> {
  const store = await serviceStateStore();
  const group = await loadSyncGroup(store, groupName);
  return withRunSession(group, serviceEngineContext(store), work);
}
