import { DefaultAzureCredential } from '@azure/identity';
import type { StateStore } from '../engine/state-store.js';
import { createTableStateStore } from '../state/table-state-store.js';
import type { ServiceSettings } from './settings.js';

/**
 * The service keeps its state in Table storage: by connection string (Azurite locally, or the
 * storage account the task hub uses), or by endpoint with the app's managed identity, which needs
 * the Storage Table Data Contributor role on the account.
 */
export async function openServiceStateStore(settings: ServiceSettings): Promise<StateStore> {
  const connection = settings.stateConnection;
  return createTableStateStore({
    connection:
      connection.kind === 'connectionString'
        ? connection.connectionString
        : { endpoint: connection.tableServiceUri, credential: new DefaultAzureCredential() },
  });
}
