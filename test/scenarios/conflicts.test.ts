import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { ConflictPolicy } from '../../src/engine/group.js';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { reapplyConflict } from '../../src/engine/reapply-conflict.js';
import type { RunResult } from '../../src/engine/sync-group.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { deleteItem, insertItem, items, topologies, updateItemName, oneStore } from './fixtures.js';

/**
 * Five keys, each changed on both sides between two syncs. The first change of every pair is
 * made, then time passes, then the second, so last-writer-wins and the tombstone rule have a
 * clear order to judge:
 *   1 update/update   hub first, member later
 *   2 delete/update   member deletes first, hub updates later
 *   3 update/delete   hub deletes first, member updates later
 *   4 insert/insert   member first, hub later
 *   5 update/delete   member updates first, hub deletes later (a stale update against a newer delete)
 */
const expected: Record<ConflictPolicy, Record<number, string | null>> = {
  hubWins: { 1: 'hub 1', 2: 'hub 2', 3: null, 4: 'hub 4', 5: null },
  memberWins: { 1: 'store 1', 2: null, 3: 'store 3', 4: 'store 4', 5: null },
  lastWriterWins: { 1: 'store 1', 2: 'hub 2', 3: 'store 3', 4: 'hub 4', 5: null },
};

const expectedKinds = ['delete/update', 'insert/insert', 'update/delete', 'update/update'];

for (const topology of topologies) {
  for (const policy of ['hubWins', 'memberWins', 'lastWriterWins'] as const) {
    describe(`conflicts under ${policy}: ${topology.name}`, () => {
      let scenario: Scenario;
      let result: RunResult;
      before(async () => {
        scenario = await createScenario(oneStore(topology, { conflictPolicy: policy }));
        await provisionGroup(scenario.group, scenario.context);
        for (const id of [1, 2, 3, 5]) await scenario.hub.exec(insertItem, [id, `original ${id}`, id, null]);
        await scenario.sync();

        const hub = scenario.hub;
        const store = scenario.member('store');
        await hub.exec(updateItemName, ['hub 1', 1]);
        await store.exec(deleteItem, [2]);
        await hub.exec(deleteItem, [3]);
        await store.exec(insertItem, [4, 'store 4', 4, null]);
        await store.exec(updateItemName, ['store 5', 5]);
        await sleep(30);
        await store.exec(updateItemName, ['store 1', 1]);
        await hub.exec(updateItemName, ['hub 2', 2]);
        await store.exec(updateItemName, ['store 3', 3]);
        await hub.exec(insertItem, [4, 'hub 4', 4, null]);
        await hub.exec(deleteItem, [5]);

        result = await scenario.sync();
      });
      after(() => scenario.dispose());

      it('picks the winner the policy names, and a delete beats an older write (invariant 4)', async () => {
        assert.equal(result.status, 'succeeded');
        for (const database of [scenario.hub, scenario.member('store')]) {
          const rows = await database.query<{ id: unknown; name: unknown }>('SELECT "id", "name" FROM "items"');
          const names = new Map(rows.map((row) => [Number(row.id), row.name === null ? null : String(row.name)]));
          for (const [id, name] of Object.entries(expected[policy])) {
            assert.equal(names.get(Number(id)) ?? null, name, `key ${id} on ${database === scenario.hub ? 'hub' : 'store'}`);
          }
        }
        assert.deepEqual(
          await scenario.snapshot(scenario.member('store'), items),
          await scenario.snapshot(scenario.hub, items),
        );
      });

      it('keeps both versions of every conflict in the log (invariant 6)', async () => {
        const conflicts = (await scenario.state.listConflicts(scenario.group.name)).items;
        assert.equal(conflicts.length, 5);
        assert.equal(result.members[0]?.conflicts, 5);
        assert.deepEqual([...new Set(conflicts.map((conflict) => conflict.kind))].sort(), expectedKinds);
        for (const conflict of conflicts) {
          assert.equal(conflict.policy, policy);
          assert.notEqual(conflict.winning.node, conflict.losing.node);
          assert.equal(conflict.winner, conflict.winning.node);
          const keyId = Number(conflict.key['id']);
          const keptName = expected[policy][keyId] ?? null;
          const winningName = conflict.winning.values?.['name'] ?? null;
          assert.equal(winningName, keptName, `key ${keyId}: the winning version is the one kept`);
          const losingName = conflict.losing.values?.['name'] ?? null;
          assert.notEqual(losingName, winningName, `key ${keyId}: the losing version differs and is kept`);
        }
      });
    });
  }

  describe(`re-applying a losing version: ${topology.name}`, () => {
    let scenario: Scenario;
    before(async () => {
      scenario = await createScenario(oneStore(topology, { conflictPolicy: 'hubWins' }));
    });
    after(() => scenario.dispose());

    it('writes the loser back to the hub and every member on the next sync', async () => {
      await provisionGroup(scenario.group, scenario.context);
      await scenario.hub.exec(insertItem, [1, 'original', 1, null]);
      await scenario.sync();
      await scenario.hub.exec(updateItemName, ['hub edit', 1]);
      await scenario.member('store').exec(updateItemName, ['store edit', 1]);
      await scenario.sync();
      const [conflict] = (await scenario.state.listConflicts(scenario.group.name)).items;
      assert.ok(conflict);
      assert.equal(conflict.losing.values?.['name'], 'store edit');

      await reapplyConflict(scenario.group, conflict.id, scenario.context);
      await scenario.sync();

      for (const database of [scenario.hub, scenario.member('store')]) {
        const [row] = await database.query<{ name: unknown }>('SELECT "name" FROM "items" WHERE "id" = 1');
        assert.equal(row?.name, 'store edit');
      }
      const [after] = (await scenario.state.listConflicts(scenario.group.name)).items;
      assert.ok(after?.reappliedAt, 'the log records that the version was re-applied');
    });
  });
}

for (const topology of topologies) {
  describe(`last writer wins across members: ${topology.name}`, () => {
    let scenario: Scenario;
    before(async () => {
      scenario = await createScenario({
        hub: topology.hub,
        members: [
          { name: 'early', harness: topology.member, direction: 'bidirectional' },
          { name: 'late', harness: topology.member, direction: 'bidirectional' },
        ],
        tables: [items],
        conflictPolicy: 'lastWriterWins',
      });
    });
    after(() => scenario.dispose());

    it('judges by when each member made its change, not by when the hub applied it', async () => {
      await provisionGroup(scenario.group, scenario.context);
      await scenario.hub.exec(insertItem, [1, 'original', 1, null]);
      await scenario.sync();
      await scenario.member('early').exec(updateItemName, ['early edit', 1]);
      await sleep(30);
      await scenario.member('late').exec(updateItemName, ['late edit', 1]);

      await scenario.sync();

      for (const database of [scenario.hub, scenario.member('early'), scenario.member('late')]) {
        const [row] = await database.query<{ name: unknown }>('SELECT "name" FROM "items" WHERE "id" = 1');
        assert.equal(row?.name, 'late edit');
      }
    });
  });
}
