import { after, before } from 'node:test';
import { createTableStateStore } from '../../src/state/table-state-store.js';
import { type Azurite, startAzurite } from '../support/azurite.js';
import { describeStateStoreConformance } from './state-store-conformance.js';

let azurite: Azurite;
let stores = 0;

before(async () => {
  azurite = await startAzurite();
});
after(async () => {
  await azurite.stop();
});

// Each store its own tables (a new prefix): as empty as a new storage account.
describeStateStoreConformance('Azure Table storage (Azurite)', async () => {
  stores += 1;
  return {
    store: createTableStateStore({ connection: azurite.connectionString, tablePrefix: `test${stores}` }),
    dispose: async () => undefined,
  };
});
