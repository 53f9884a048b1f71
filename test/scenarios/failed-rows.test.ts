import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../src/engine/sync-group.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { insertItem, items, topologies, oneStore } from './fixtures.js';

for (const topology of topologies) {
  describe(`rows a member rejects: ${topology.name}`, () => {
    let scenario: Scenario;
    let result: RunResult;
    before(async () => {
      scenario = await createScenario(oneStore(topology));
      // The member's own table is stricter than the hub's: negative quantities are refused there.
      // Its types hold every hub value (a SQLite hub's INT is 64-bit), or the table would be refused.
      await scenario.member('store').exec(
        'CREATE TABLE "items" ("id" BIGINT PRIMARY KEY, "name" VARCHAR(100), "qty" BIGINT NOT NULL CHECK ("qty" >= 0), "price" DECIMAL(12,2))',
      );
      await scenario.hub.exec(insertItem, [1, 'fine', 1, null]);
      await scenario.hub.exec(insertItem, [2, 'refused', -1, null]);
      await scenario.hub.exec(insertItem, [3, 'fine too', 3, null]);
      result = await scenario.sync();
    });
    after(() => scenario.dispose());

    it('applies every other row and finishes with failures', async () => {
      assert.equal(result.status, 'succeededWithFailures');
      assert.equal(result.members[0]?.downloaded, 2);
      assert.equal(result.members[0]?.failed, 1);
      const ids = await scenario.member('store').query<{ id: unknown }>('SELECT "id" FROM "items" ORDER BY "id"');
      assert.deepEqual(ids.map((row) => Number(row.id)), [1, 3]);
    });

    it('keeps the rejected row as a failed record with its values and the reason', async () => {
      const failures = (await scenario.state.listFailures(scenario.group.name)).items;
      assert.equal(failures.length, 1);
      const [failure] = failures;
      assert.deepEqual(failure?.key, { id: '2' });
      assert.equal(failure?.direction, 'download');
      assert.equal(failure?.values?.['name'], 'refused');
      assert.match(failure?.error ?? '', /check|constraint/i);
    });
  });
}
