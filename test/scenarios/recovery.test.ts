import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { failingCheckpoints, interceptApplies, interceptProvider } from '../support/faults.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { deleteItem, insertItem, items, topologies, updateItemName, oneStore } from './fixtures.js';

for (const topology of topologies) {
  describe(`recovery: ${topology.name}`, () => {
    let scenario: Scenario;
    const open = async (batchSize: number, conflictPolicy: 'hubWins' | 'memberWins' = 'hubWins') => {
      scenario = await createScenario(oneStore(topology, { batchSize, conflictPolicy }));
      await provisionGroup(scenario.group, scenario.context);
    };
    afterEach(() => scenario.dispose());

    it('re-applies a batch committed before a crash without a conflict (invariants 3 and 7)', async () => {
      await open(100);
      const store = scenario.member('store');
      await store.exec(insertItem, [1, 'first', 1, null]);
      const crashing = scenario.withContext({
        state: failingCheckpoints(scenario.state, (key) => key.direction === 'upload'),
      });
      const crashed = await scenario.sync(crashing);
      assert.equal(crashed.status, 'failed');
      assert.equal((await scenario.snapshot(scenario.hub, items)).length, 1, 'the batch was committed on the hub');

      // Changed again before the retry: the retry re-reads the row and must still not see a conflict,
      // because the hub's version came from this very member.
      await store.exec(updateItemName, ['second', 1]);
      const retried = await scenario.sync();

      assert.equal(retried.status, 'succeeded');
      assert.equal(retried.members[0]?.conflicts, 0);
      assert.deepEqual((await scenario.state.listConflicts(scenario.group.name)).items, []);
      assert.deepEqual(await scenario.snapshot(scenario.hub, items), await scenario.snapshot(store, items));
      const [row] = await scenario.hub.query<{ name: unknown }>('SELECT "name" FROM "items" WHERE "id" = 1');
      assert.equal(row?.name, 'second');
    });

    it('resumes from the last committed batch after a failure (invariant 7)', async () => {
      await open(10);
      // One row synced first: a table's first transfer into an empty table is one bulk load (see
      // bulk-load.test.ts), this test is about the batches of every later one.
      await scenario.member('store').exec(insertItem, [1000, 'seed', 1, null]);
      await scenario.sync();
      for (let id = 1; id <= 95; id += 1) await scenario.member('store').exec(insertItem, [id, `row ${id}`, id, null]);
      const failing = interceptApplies(scenario.context, 'hub', (_request, call) => {
        if (call === 4) throw new Error('injected failure on the fourth batch');
      });
      const failed = await scenario.sync(failing);
      assert.equal(failed.status, 'failed');
      assert.equal((await scenario.snapshot(scenario.hub, items)).length, 1 + 30);

      const resumed = await scenario.sync();

      assert.equal(resumed.status, 'succeeded');
      assert.equal(resumed.members[0]?.uploaded, 65, 'only the batches not yet committed move again');
      assert.equal((await scenario.snapshot(scenario.hub, items)).length, 1 + 95);
    });

    it('ends the run as failed, and recorded so, when the hub fails half-way', async () => {
      await open(100);
      await scenario.member('store').exec(insertItem, [1, 'one', 1, null]);
      const failing = interceptProvider(scenario.context, 'hub', () => ({
        watermark: () => Promise.reject(new Error('hub went away')),
      }));
      const result = await scenario.sync(failing);
      assert.equal(result.status, 'failed');
      assert.match(result.errors.join(), /hub went away/);
      const [run] = (await scenario.state.listRuns(scenario.group.name, { limit: 1 })).items;
      assert.equal(run?.status, 'failed');
      assert.equal((await scenario.sync()).status, 'succeeded', 'the next run recovers');
      assert.deepEqual(await scenario.snapshot(scenario.member('store'), items), await scenario.snapshot(scenario.hub, items));
    });

    it('moves large change sets in batches of at most batchSize (invariant 8)', async () => {
      await open(7);
      // Not the table's first transfer, which is one bulk load (see bulk-load.test.ts).
      await scenario.hub.exec(insertItem, [1000, 'seed', 1, null]);
      await scenario.sync();
      for (let id = 1; id <= 50; id += 1) await scenario.hub.exec(insertItem, [id, `row ${id}`, id, null]);
      const sizes: number[] = [];
      const observed = interceptApplies(scenario.context, 'store', (request) => sizes.push(request.changes.length));
      const result = await scenario.sync(observed);
      assert.equal(result.members[0]?.downloaded, 50);
      assert.deepEqual(sizes, [7, 7, 7, 7, 7, 7, 7, 1]);
    });

    it('never brings a deleted row back after a failed run (invariant 4)', async () => {
      await open(100, 'memberWins');
      await scenario.hub.exec(insertItem, [7, 'seven', 7, null]);
      await scenario.sync();
      await scenario.member('store').exec(updateItemName, ['stale edit', 7]);
      await sleep(30);
      await scenario.hub.exec(deleteItem, [7]);

      const failing = interceptApplies(scenario.context, 'store', () => {
        throw new Error('injected failure while downloading');
      });
      assert.equal((await scenario.sync(failing)).status, 'failed');
      const retried = await scenario.sync();

      assert.equal(retried.status, 'succeeded');
      for (const database of [scenario.hub, scenario.member('store')]) {
        assert.deepEqual(await database.query('SELECT "id" FROM "items" WHERE "id" = 7'), []);
      }
      await scenario.sync();
      assert.deepEqual(await scenario.hub.query('SELECT "id" FROM "items" WHERE "id" = 7'), [], 'no later run resurrects it');
    });
  });
}
