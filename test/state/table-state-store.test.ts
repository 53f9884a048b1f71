import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTableStateStore } from '../../src/state/table-state-store.js';
import { type Azurite, startAzurite } from '../support/azurite.js';
import { describeStateStoreConformance } from './state-store-conformance.js';
import { run, upload } from './state-fixtures.js';

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

describe('Table storage state store: its tables', () => {
  it('shares tables another store created (a second instance of the service)', async () => {
    const first = createTableStateStore({ connection: azurite.connectionString, tablePrefix: 'shared' });
    await first.saveRun(run('r1', '2026-01-01T00:00:00Z'));
    const second = createTableStateStore({ connection: azurite.connectionString, tablePrefix: 'shared' });
    assert.deepEqual(await second.getRun('retail', 'r1'), run('r1', '2026-01-01T00:00:00Z'));
    assert.equal(await second.compareAndSetCheckpoint(upload, null, { stamp: '1', key: null }), true);
    assert.equal(await first.compareAndSetCheckpoint(upload, null, { stamp: '2', key: null }), false);
  });
});
