import { DefaultAzureCredential } from '@azure/identity';
import type { StateStore } from '../engine/state-store.js';
import { createTableExportState, type ServiceExportState } from '../export/table-export-state.js';
import { createTableStateStore, type TableStateConnection } from '../state/table-state-store.js';
import type { ServiceSettings } from './settings.js';

/**
 * The service keeps its state in Table storage: by connection string (Azurite locally, or the
 * storage account the task hub uses), or by endpoint with the app's managed identity, which needs
 * the Storage Table Data Contributor role on the account.
 */
export async function openServiceStateStore(settings: ServiceSettings): Promise<StateStore> {
  return createTableStateStore({ connection: stateTableConnection(settings) });
}

/** Export profiles' definitions and state, in the same storage account as the sync state. */
export async function openServiceExportState(settings: ServiceSettings): Promise<ServiceExportState> {
  return createTableExportState({ connection: stateTableConnection(settings) });
}

function stateTableConnection(settings: ServiceSettings): TableStateConnection {
  const connection = settings.stateConnection;
  return connection.kind === 'connectionString'
    ? connection.connectionString
    : { endpoint: connection.tableServiceUri, credential: new DefaultAzureCredential() };
}
