import type { StateStore, StoredGroup } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import type { OrchestrationClient } from './orchestration-client.js';

/** What the service functions work with; handlers build it per invocation, tests directly. */
export interface ServiceDeps {
  readonly store: StateStore;
  readonly client: OrchestrationClient;
  readonly now: () => Date;
}

export async function requireGroup(store: StateStore, group: string): Promise<StoredGroup> {
  const stored = await store.getGroup(group);
  if (stored === null) throw new HubsyncError(ErrorCode.NotFound, `sync group "${group}" does not exist`);
  return stored;
}
