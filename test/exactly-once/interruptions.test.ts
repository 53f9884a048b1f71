/**
 * The cases of "exactly-once sync under interruption": each one left databases permanently
 * different, or discarded a newer edit, before positions were recorded in the destinations.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import type { EngineContext } from '../../src/engine/engine-context.js';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { withHub } from '../../src/engine/group-connections.js';
import { syncGroup } from '../../src/engine/sync-group.js';
import { planSchema } from '../../src/engine/sync-plan.js';
import { openEmbeddedStateStore } from '../../src/state/embedded-state-store.js';
import { failingCheckpoints, interceptApplies } from '../support/faults.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { deleteItem, insertItem, items, oneStore, topologies, updateItemName } from '../scenarios/fixtures.js';

async function equalEverywhere(scenario: Scenario, members: readonly string[]): Promise<void> {
  const hub = await scenario.snapshot(scenario.hub, items);
  for (const name of members) assert.deepEqual(await scenario.snapshot(scenario.member(name), items), hub, `${name} equals the hub`);
}

async function nameOf(database: { query: Scenario['hub']['query'] }, id: number): Promise<unknown> {
  const [row] = await database.query<{ name: unknown }>('SELECT "name" FROM "items" WHERE "id" = ?', [id]);
  return row?.name;
}

for (const topology of topologies) {
  describe(`exactly once: ${topology.name}`, () => {
    let scenario: Scenario;
    afterEach(() => scenario.dispose());

    it('an interrupted download inside one large transaction, then a member edit, still converges with the edit', async () => {
      scenario = await createScenario(oneStore(topology, { batchSize: 200 }));
      await provisionGroup(scenario.group, scenario.context);
      const values = Array.from({ length: 1000 }, (_, index) => `(${index + 1}, 'v1', ${index + 1}, NULL)`);
      await scenario.hub.exec(`INSERT INTO "items" ("id", "name", "qty", "price") VALUES ${values.join(', ')}`);
      assert.equal((await scenario.sync()).status, 'succeeded');
      // One statement: on PostgreSQL every row of it carries one stamp.
      await scenario.hub.exec(`UPDATE "items" SET "name" = 'v2'`);
      const interrupted = interceptApplies(scenario.context, 'store', (_request, call) => {
        if (call === 3) throw new Error('killed after two batches of the download');
      });
      assert.equal((await scenario.sync(interrupted)).status, 'failed');
      const store = scenario.member('store');
      assert.equal(await nameOf(store, 5), 'v2', 'row 5 was delivered before the interruption');
      await store.exec(updateItemName, ['member edit', 5]);

      const first = await scenario.sync();
      const second = await scenario.sync();

      assert.equal(first.status, 'succeeded');
      assert.equal(second.status, 'succeeded');
      assert.equal(first.members[0]?.conflicts, 0, 'the member edited the version it had received: no conflict');
      assert.deepEqual((await scenario.state.listConflicts(scenario.group.name)).items, []);
      assert.equal(await nameOf(scenario.hub, 5), 'member edit');
      assert.equal(await nameOf(scenario.hub, 999), 'v2');
      await equalEverywhere(scenario, ['store']);
    });

    it('a crash between the hub commit and the checkpoint never lets the old change overwrite a newer hub edit (memberWins)', async () => {
      scenario = await createScenario(oneStore(topology, { conflictPolicy: 'memberWins' }));
      await scenario.hub.exec(insertItem, [100, 'original', 1, null]);
      await scenario.sync();
      await scenario.member('store').exec(updateItemName, ['member edit', 100]);
      const crashing = scenario.withContext({ state: failingCheckpoints(scenario.state, (key) => key.direction === 'upload') });
      assert.equal((await scenario.sync(crashing)).status, 'failed');
      assert.equal(await nameOf(scenario.hub, 100), 'member edit', 'the upload was committed on the hub');
      await sleep(5);
      await scenario.hub.exec(updateItemName, ['newer hub edit', 100]);

      const next = await scenario.sync();

      assert.equal(next.status, 'succeeded');
      assert.equal(next.members[0]?.conflicts, 0);
      assert.equal(await nameOf(scenario.hub, 100), 'newer hub edit');
      await equalEverywhere(scenario, ['store']);
    });

    it('a crash between the member commit and the checkpoint never lets the old change overwrite a newer member edit (hubWins)', async () => {
      scenario = await createScenario(oneStore(topology, { conflictPolicy: 'hubWins' }));
      await scenario.hub.exec(insertItem, [100, 'original', 1, null]);
      await scenario.sync();
      await scenario.hub.exec(updateItemName, ['hub edit', 100]);
      const crashing = scenario.withContext({ state: failingCheckpoints(scenario.state, (key) => key.direction === 'download') });
      assert.equal((await scenario.sync(crashing)).status, 'failed');
      const store = scenario.member('store');
      assert.equal(await nameOf(store, 100), 'hub edit', 'the download was committed on the member');
      await sleep(5);
      await store.exec(updateItemName, ['newer member edit', 100]);

      const next = await scenario.sync();

      assert.equal(next.status, 'succeeded');
      assert.equal(next.members[0]?.conflicts, 0);
      assert.equal(await nameOf(scenario.hub, 100), 'newer member edit');
      await equalEverywhere(scenario, ['store']);
    });

    for (const conflictPolicy of ['hubWins', 'memberWins'] as const) {
      it(`a lost state file costs nothing: no false conflict, no discarded edit (${conflictPolicy})`, async () => {
        scenario = await createScenario({
          hub: topology.hub,
          members: [
            { name: 'a', harness: topology.member, direction: 'bidirectional' },
            { name: 'b', harness: topology.member, direction: 'bidirectional' },
          ],
          tables: [items],
          conflictPolicy,
        });
        for (let id = 1; id <= 40; id += 1) await scenario.hub.exec(insertItem, [id, `hub ${id}`, id, null]);
        await scenario.sync();
        for (let id = 1; id <= 10; id += 1) await scenario.member('a').exec(updateItemName, [`a ${id}`, id]);
        for (let id = 11; id <= 20; id += 1) await scenario.member('b').exec(deleteItem, [id]);
        await scenario.sync();
        const folder = await mkdtemp(join(tmpdir(), 'hubsync-lost-state-'));
        const fresh = await openEmbeddedStateStore(join(folder, 'state.db'));
        try {
          const context: EngineContext = { ...scenario.context, state: fresh };
          await scenario.member('a').exec(updateItemName, ['a again', 1]);
          await scenario.hub.exec(updateItemName, ['hub again', 30]);

          const run = await syncGroup(scenario.group, context);

          assert.equal(run.status, 'succeeded');
          assert.deepEqual(run.members.map((member) => member.conflicts), [0, 0]);
          assert.deepEqual((await fresh.listConflicts(scenario.group.name)).items, []);
          assert.equal(await nameOf(scenario.hub, 1), 'a again');
          assert.equal(await nameOf(scenario.member('b'), 30), 'hub again');
          assert.deepEqual(await scenario.hub.query('SELECT "id" FROM "items" WHERE "id" BETWEEN 11 AND 20'), []);
          await equalEverywhere(scenario, ['a', 'b']);
        } finally {
          await fresh.close();
          await rm(folder, { recursive: true, force: true });
        }
      });
    }

    it('under lastWriterWins, a member joining with a restored backup neither reverts newer rows nor brings deleted ones back', async () => {
      scenario = await createScenario({
        hub: topology.hub,
        members: [
          { name: 'store', harness: topology.member, direction: 'bidirectional' },
          { name: 'restored', harness: topology.member, direction: 'bidirectional' },
        ],
        tables: [items],
        conflictPolicy: 'lastWriterWins',
      });
      const firstStoreOnly = { ...scenario.group, members: scenario.group.members.filter((member) => member.name === 'store') };
      for (let id = 1; id <= 3; id += 1) await scenario.hub.exec(insertItem, [id, `old ${id}`, id, null]);
      await syncGroup(firstStoreOnly, scenario.context);
      // The backup: the restored member's table as it was then.
      const restored = scenario.member('restored');
      const [planned] = (await withHub(scenario.group, scenario.context, async (hub) => planSchema(scenario.group, await hub.introspect()))).tables;
      const provider = await restored.open();
      try {
        // As hubsync itself would have created it from the hub's table.
        if (planned) await provider.createTable(planned);
      } finally {
        await provider.close();
      }
      for (let id = 1; id <= 3; id += 1) await restored.exec(insertItem, [id, `old ${id}`, id, null]);
      await sleep(5);
      await scenario.hub.exec(updateItemName, ['new 1', 1]);
      await scenario.hub.exec(deleteItem, [2]);
      await syncGroup(firstStoreOnly, scenario.context);

      const joined = await scenario.sync();

      assert.equal(joined.status, 'succeeded');
      assert.equal(await nameOf(scenario.hub, 1), 'new 1');
      assert.deepEqual(await scenario.hub.query('SELECT "id" FROM "items" WHERE "id" = 2'), []);
      await equalEverywhere(scenario, ['store', 'restored']);
    });

    for (const order of [['first', 'second'], ['second', 'first']]) {
      it(`a delete of a row the hub never had still beats an older insert of the key (${order.join(' uploads before ')})`, async () => {
        scenario = await createScenario({
          hub: topology.hub,
          members: order.map((name) => ({ name, harness: topology.member, direction: 'bidirectional' as const })),
          tables: [items],
        });
        await provisionGroup(scenario.group, scenario.context);
        await scenario.member('second').exec(insertItem, [7, 'inserted on second', 1, null]);
        await scenario.member('first').exec(insertItem, [7, 'inserted on first', 1, null]);
        await sleep(5);
        await scenario.member('first').exec(deleteItem, [7]);

        const run = await scenario.sync();

        assert.equal(run.status, 'succeeded');
        for (const database of [scenario.hub, scenario.member('first'), scenario.member('second')]) {
          assert.deepEqual(await database.query('SELECT "id" FROM "items" WHERE "id" = 7'), []);
        }
        await equalEverywhere(scenario, ['first', 'second']);
      });
    }
  });
}
