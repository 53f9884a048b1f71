import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedExportState } from '../../src/export/embedded-export-state.js';
import { createTableExportState, type ServiceExportState } from '../../src/export/table-export-state.js';
import type { ProfileDefinition } from '../../src/export/export-profile-store.js';
import { parseExportProfile } from '../../src/export/load-export-profile.js';
import { ErrorCode, isHubsyncError } from '../../src/errors.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { exportStateConformance } from './export-state-conformance.js';

let folder = '';
let azurite: Azurite | undefined;
let stores = 0;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'hubsync-export-state-'));
  azurite = await startAzurite();
});
after(async () => {
  await azurite?.stop();
  await rm(folder, { recursive: true, force: true });
});

// A fresh file, or a fresh set of tables, per test.
exportStateConformance('embedded (SQLite file)', async () => openEmbeddedExportState(join(folder, `state-${(stores += 1)}.db`)));
exportStateConformance('Table storage (Azurite)', async () => {
  if (azurite === undefined) throw new Error('Azurite did not start');
  return createTableExportState({ connection: azurite.connectionString, tablePrefix: `t${(stores += 1)}` });
});

describe('export profile definitions in Table storage (Azurite)', () => {
  const definition = (name: string, active: boolean): ProfileDefinition => ({
    name,
    active,
    updatedAt: '2026-11-30T00:00:00.000Z',
    profile: parseExportProfile(
      {
        name,
        source: { name: 'crm', provider: 'postgres', connection: 'env:CRM_URL' },
        destination: { name: 'reporting', provider: 'postgres', connection: 'keyvault:reporting' },
        tables: [{ name: 'account' }],
      },
      'test',
    ),
  });
  const open = (): ServiceExportState => {
    if (azurite === undefined) throw new Error('Azurite did not start');
    return createTableExportState({ connection: azurite.connectionString, tablePrefix: `t${(stores += 1)}` });
  };

  it('stores, lists by name, reads back and deletes definitions', async () => {
    const store = open();
    await store.putProfile(definition('zeta', false));
    await store.putProfile(definition('alpha', true));
    const listed = await store.listProfiles({ limit: 1 });
    assert.deepEqual(listed.items.map((stored) => stored.definition.name), ['alpha']);
    const next = await store.listProfiles({ continuationToken: listed.continuationToken });
    assert.deepEqual(next.items.map((stored) => stored.definition.name), ['zeta']);
    assert.deepEqual((await store.getProfile('alpha'))?.definition, definition('alpha', true));
    assert.equal(await store.deleteProfile('alpha'), true);
    assert.equal(await store.getProfile('alpha'), null);
    assert.equal(await store.deleteProfile('alpha'), false);
  });

  it('a conditional write only replaces the version it read (null: only creates)', async () => {
    const store = open();
    const first = await store.putProfile(definition('crm', false), null);
    await assert.rejects(store.putProfile(definition('crm', true), null), (error: unknown) => isHubsyncError(error) && error.code === ErrorCode.PreconditionFailed);
    const second = await store.putProfile(definition('crm', true), first.etag);
    assert.notEqual(second.etag, first.etag);
    await assert.rejects(store.putProfile(definition('crm', false), first.etag), (error: unknown) => isHubsyncError(error) && error.code === ErrorCode.PreconditionFailed);
    assert.equal((await store.getProfile('crm'))?.definition.active, true);
  });
});
