import assert from 'node:assert/strict';
import { Transform, type Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import type { EngineContext } from '../../src/engine/engine-context.js';
import type { BulkLoadRequest, Change, SnapshotRequest, TableSnapshot } from '../../src/engine/provider.js';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { scopeOf } from '../../src/engine/scopes.js';
import { PostgresTableSnapshot } from '../../src/providers/postgres/postgres-snapshot.js';
import { interceptApplies, interceptProvider } from '../support/faults.js';
import type { TestDatabase } from '../support/harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { deleteItem, insertItem, items, oneStore, topologies, updateItemName } from './fixtures.js';

/** Enough rows for several batches: a first sync of them is one bulk load. */
const rows = 600;
const batchSize = 100;

async function fillHub(scenario: Scenario): Promise<void> {
  const values = Array.from({ length: rows }, (_, index) => `(${index + 1}, 'v1', ${index + 1}, NULL)`);
  await scenario.hub.exec(`INSERT INTO "items" ("id", "name", "qty", "price") VALUES ${values.join(', ')}`);
  // Deleted before the first sync: the member gets the tombstones too (invariant 4).
  await scenario.hub.exec('DELETE FROM "items" WHERE "id" > ?', [rows - 10]);
}

async function equalToHub(scenario: Scenario): Promise<void> {
  assert.deepEqual(await scenario.snapshot(scenario.member('store'), items), await scenario.snapshot(scenario.hub, items));
}

/** Counts the store's batch applies: a bulk load makes none. */
function countingApplies(context: EngineContext): { context: EngineContext; calls: () => number } {
  let calls = 0;
  return {
    context: interceptApplies(context, 'store', () => {
      calls += 1;
    }),
    calls: () => calls,
  };
}

/**
 * Runs `before` on the store's bulk load, after the hub's watermark was read and before the rows
 * are copied, and `while` once the load has started.
 */
function aroundLoad(context: EngineContext, hooks: { before: () => Promise<void>; while: () => void }): EngineContext {
  return interceptProvider(context, 'store', (provider) => ({
    bulkLoad: async (request: BulkLoadRequest) => {
      await hooks.before();
      const loading = provider.bulkLoad(request);
      hooks.while();
      return loading;
    },
  }));
}

/** Tells whether the store read the hub's snapshot as pages: a proxy, so the store still recognises the engine's snapshot. */
function watchingPages(context: EngineContext): { context: EngineContext; pagesRead: () => boolean } {
  let read = false;
  const watched = (snapshot: TableSnapshot): TableSnapshot =>
    new Proxy(snapshot, {
      get(target, property, receiver) {
        if (property === 'pages') read = true;
        return Reflect.get(target, property, receiver);
      },
    });
  return {
    context: interceptProvider(context, 'hub', (provider) => ({
      openSnapshot: async (request: SnapshotRequest) => watched(await provider.openSnapshot(request)),
    })),
    pagesRead: () => read,
  };
}

/**
 * Makes the store's bulk load fail once its rows are in and half of its tracking rows: a SQLite
 * store copies from the attached hub file in two statements, with no page to fail in between.
 */
async function failMidwayIntoTracking(store: TestDatabase): Promise<void> {
  // abs() of the smallest integer is an integer overflow: an error, not a rejected row.
  await store.exec(
    `CREATE TRIGGER "kill_load" BEFORE INSERT ON "hubsync_tracking_items" WHEN NEW."pk_1" = ${rows / 2}
     BEGIN SELECT abs(-9223372036854775807 - 1); END`,
  );
}

/** Fails a snapshot after part of it was read: its pages after the first, or its binary COPY stream mid-way. */
function failingSnapshot(snapshot: TableSnapshot): TableSnapshot {
  const pages = async function* (pageSize: number): AsyncGenerator<readonly Change[]> {
    for await (const page of snapshot.pages(pageSize)) {
      yield page;
      throw new Error('killed in the middle of the load');
    }
  };
  if (!(snapshot instanceof PostgresTableSnapshot)) return { engine: snapshot.engine, request: snapshot.request, pages };
  // A proxy, so the destination still recognises a PostgreSQL snapshot and copies natively.
  return new Proxy(snapshot, {
    get(target, property, receiver) {
      if (property === 'pages') return pages;
      if (property !== 'copyOut') return Reflect.get(target, property, receiver);
      const copyOut: PostgresTableSnapshot['copyOut'] = (work) =>
        target.copyOut((copy) => work({ ...copy, rows: (types) => failingMidway(copy.rows(types)) }));
      return copyOut;
    },
  });
}

/** Passes half of the first chunk, then fails: however the server chunks the stream, it breaks mid-way. */
function failingMidway(stream: Readable): Readable {
  return stream.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        this.push(chunk.subarray(0, chunk.length >> 1));
        done(new Error('killed in the middle of the copy'));
      },
    }),
  );
}

/** Inserts a row into a PostgreSQL member once the load holds its table lock; false when the load ended first. */
async function insertWhileLocked(store: TestDatabase): Promise<boolean> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const locks = await store.query(
      `SELECT 1 FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c ON c.oid = l.relation
       WHERE c.relname = 'items' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
    );
    if (locks.length > 0) {
      await store.exec(insertItem, [rows + 100, 'local', 1, null]);
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return false;
}

for (const topology of topologies) {
  describe(`first sync as one bulk load: ${topology.name}`, () => {
    let scenario: Scenario;
    afterEach(() => scenario.dispose());

    it('loses nothing written on either side while the load runs, and sends nothing back', async () => {
      scenario = await createScenario(oneStore(topology, { batchSize }));
      await fillHub(scenario);
      await provisionGroup(scenario.group, scenario.context);
      const store = scenario.member('store');
      let localInsert: Promise<boolean> = Promise.resolve(false);
      const watched = watchingPages(scenario.context);
      const counted = countingApplies(
        aroundLoad(watched.context, {
          before: async () => {
            // Committed after the hub's watermark: these come with the next run.
            await scenario.hub.exec(insertItem, [rows + 1, 'late', 1, null]);
            await scenario.hub.exec(updateItemName, ['late edit', 5]);
            await scenario.hub.exec(deleteItem, [6]);
          },
          // A member's own write while the load runs waits for its commit and is tracked after it.
          // (A SQLite member has one writer, and this test's handle would block the process the
          // load runs in: its local write comes after the run.)
          while: () => {
            if (store.engine === 'postgres') localInsert = insertWhileLocked(store);
          },
        }),
      );

      const first = await scenario.sync(counted.context);
      if (!(await localInsert)) await store.exec(insertItem, [rows + 100, 'local', 1, null]);
      assert.equal(first.status, 'succeeded');
      assert.equal(counted.calls(), 0, 'the first download was one bulk load, not batches');
      assert.equal(watched.pagesRead(), topology.hub.engine !== topology.member.engine, 'between databases of one engine no row went through hubsync');

      const second = await scenario.sync();
      const third = await scenario.sync();
      assert.equal(second.status, 'succeeded');
      assert.equal(third.members[0]?.uploaded, 0, 'nothing echoed back');
      assert.equal(third.members[0]?.downloaded, 0);
      assert.deepEqual((await scenario.state.listConflicts(scenario.group.name)).items, []);
      const hubIds = await scenario.hub.query<{ id: unknown }>('SELECT "id" FROM "items" WHERE "id" IN (?, ?, ?)', [6, rows + 1, rows + 100]);
      assert.deepEqual(hubIds.map((row) => Number(row.id)).sort((a, b) => a - b), [rows + 1, rows + 100], 'the local insert went up, the delete stayed');
      await equalToHub(scenario);
    });

    it('a load killed mid-way leaves nothing half-applied, and the next run converges', async () => {
      scenario = await createScenario(oneStore(topology, { batchSize }));
      await fillHub(scenario);
      await provisionGroup(scenario.group, scenario.context);
      const store = scenario.member('store');
      const natively = topology.hub.engine === 'sqlite' && store.engine === 'sqlite';
      if (natively) await failMidwayIntoTracking(store);
      const killing = natively
        ? scenario.context
        : interceptProvider(scenario.context, 'hub', (provider) => ({
            openSnapshot: async (request: SnapshotRequest) => failingSnapshot(await provider.openSnapshot(request)),
          }));

      const killed = await scenario.sync(killing);

      assert.equal(killed.status, 'failed');
      if (natively) await store.exec('DROP TRIGGER "kill_load"');
      assert.deepEqual(await store.query('SELECT "id" FROM "items"'), [], 'no row of the load was kept');
      const storeProvider = await store.open();
      try {
        const hubScope = scopeOf(scenario.group, scenario.group.hub.name);
        assert.deepEqual([...(await storeProvider.readPositions(hubScope))], [], 'no position recorded');
      } finally {
        await storeProvider.close();
      }
      // The insert trigger is on again: a local write after the failed load is tracked and goes up.
      await store.exec(insertItem, [rows + 100, 'local', 1, null]);

      const next = await scenario.sync();
      assert.equal(next.status, 'succeeded');
      assert.equal(next.members[0]?.uploaded, 1);
      assert.equal(next.members[0]?.downloaded, rows - 10);
      await equalToHub(scenario);
    });
  });
}
