import type { InvocationContext } from '@azure/functions';
import type { StateStore, StoredGroup } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import type { ServiceExportState } from '../export/table-export-state.js';
import { orchestrationClient, type OrchestrationClient } from './orchestration-client.js';
import { serviceExportState, serviceStateStore } from './service-context.js';

/** What the service functions work with; handlers build it per invocation, tests directly. */
export interface ServiceDeps {
  readonly store: StateStore;
  readonly client: OrchestrationClient;
  readonly now: () => Date;
}

/** What the export profile functions work with besides: the profiles' definitions and state. */
export interface ExportDeps extends ServiceDeps {
  readonly exports: ServiceExportState;
}

/** The deps of one invocation: the app's state store and this invocation's durable client. */
export async function serviceDeps(context: InvocationContext): Promise<ServiceDeps> {
  return { store: await serviceStateStore(), client: orchestrationClient(context), now: () => new Date() };
}

/** The same with the export state, opened only by the functions that use it. */
export async function exportDeps(context: InvocationContext): Promise<ExportDeps> {
  return { ...(await serviceDeps(context)), exports: await serviceExportState() };
}

export async function requireGroup(store: StateStore, group: string): Promise<StoredGroup> {
  const stored = await store.getGroup(group);
  if (stored === null) throw new HubsyncError(ErrorCode.NotFound, `sync group "${group}" does not exist`);
  return stored;
}
