import type { StateStore } from '../engine/state-store.js';
import type { ServiceExportState } from '../export/table-export-state.js';
import type { ConnectionResolver } from '../secrets/connection-resolver.js';
import { KeyVaultResolver } from '../secrets/key-vault-resolver.js';
import { openServiceExportState, openServiceStateStore } from './open-state-store.js';
import { readServiceSettings } from './settings.js';

/**
 * The app's long-lived resources, opened on first use (a cold start that serves the OpenAPI
 * document opens nothing) and closed by the app's terminate hook.
 */
let stateStore: Promise<StateStore> | null = null;
let connectionResolver: ConnectionResolver | null = null;
let exportState: Promise<ServiceExportState> | null = null;

export function serviceStateStore(): Promise<StateStore> {
  stateStore ??= openServiceStateStore(readServiceSettings()).catch((error: unknown) => {
    // A failed open is not cached: the next invocation tries again (storage may be back).
    stateStore = null;
    throw error;
  });
  return stateStore;
}

/** Export profiles' definitions and state, opened like the state store. */
export function serviceExportState(): Promise<ServiceExportState> {
  exportState ??= openServiceExportState(readServiceSettings()).catch((error: unknown) => {
    exportState = null;
    throw error;
  });
  return exportState;
}

/** Resolves `keyvault:`/`env:` references for the activities; cached secrets live as long as the app. */
export function serviceConnectionResolver(): ConnectionResolver {
  connectionResolver ??= new KeyVaultResolver();
  return connectionResolver;
}

/** Tests: serve from this store instead of the one the app settings name. */
export function useServiceStateStore(store: StateStore, exports?: ServiceExportState): void {
  stateStore = Promise.resolve(store);
  if (exports !== undefined) exportState = Promise.resolve(exports);
}

export async function closeServiceResources(): Promise<void> {
  const open = [stateStore, exportState];
  stateStore = null;
  exportState = null;
  connectionResolver = null;
  for (const store of open) if (store !== null) await (await store).close();
}
