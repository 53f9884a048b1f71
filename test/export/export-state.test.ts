import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedExportState } from '../../src/export/embedded-export-state.js';
import { createTableExportState } from '../../src/export/table-export-state.js';
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
