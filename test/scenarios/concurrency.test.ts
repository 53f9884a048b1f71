import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { insertItem, items } from './fixtures.js';

describe('a transaction that commits after the sync read its watermark (invariant 1, PostgreSQL)', () => {
  let scenario: Scenario;
  let slow: pg.Client;
  before(async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [{ name: 'store', harness: postgresHarness, direction: 'bidirectional' }],
      tables: [items],
    });
    await provisionGroup(scenario.group, scenario.context);
    slow = new pg.Client({ connectionString: scenario.hub.connection });
    await slow.connect();
  });
  after(async () => {
    await slow.end();
    await scenario.dispose();
  });

  it('is delivered by the next run, even though a later transaction committed first', async () => {
    // The slow transaction writes first, so its change stamp is lower than the fast one's;
    // a watermark that merely took the highest committed stamp would skip it for ever.
    await slow.query('BEGIN');
    await slow.query('INSERT INTO "items" ("id", "name", "qty") VALUES (1, \'slow\', 1)');
    await scenario.hub.exec(insertItem, [2, 'fast', 2, null]);

    const during = await scenario.sync();
    assert.equal(during.status, 'succeeded');

    await slow.query('COMMIT');
    await scenario.sync();

    const ids = await scenario.member('store').query<{ id: string }>('SELECT "id" FROM "items" ORDER BY "id"');
    assert.deepEqual(ids.map((row) => String(row.id)), ['1', '2']);
  });
});
