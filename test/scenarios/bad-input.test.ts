import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import type { SyncGroup } from '../../src/engine/group.js';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { syncGroup } from '../../src/engine/sync-group.js';
import type { TableSchema } from '../../src/engine/types.js';
import type { TestDatabase } from '../support/harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { insertItem, items, topologies, oneStore } from './fixtures.js';

const hostile: TableSchema = {
  name: 'we"ird; DROP TABLE "items"; --',
  columns: [
    { name: 'id', type: { kind: 'int32' }, nullable: false },
    { name: 'a"b; --', type: { kind: 'text' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
};

async function expectCode(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(work, (error: unknown) => error instanceof HubsyncError && error.code === code);
}

async function trackedTables(database: TestDatabase): Promise<string[]> {
  const provider = await database.open();
  try {
    return await provider.provisionedTables();
  } finally {
    await provider.close();
  }
}

for (const topology of topologies) {
  describe(`bad input changes nothing: ${topology.name}`, () => {
    let scenario: Scenario;
    const open = async () => {
      scenario = await createScenario(oneStore(topology));
      await scenario.hub.exec(insertItem, [1, 'one', 1, null]);
    };
    afterEach(() => scenario.dispose());

    const assertUntouched = async () => {
      assert.deepEqual(await trackedTables(scenario.hub), []);
      assert.deepEqual(await trackedTables(scenario.member('store')), []);
      const store = await scenario.member('store').open();
      try {
        assert.deepEqual(await store.introspect(), [], 'no member table was created');
      } finally {
        await store.close();
      }
    };

    it('rejects an unknown table, even one whose name is SQL (invariant 9)', async () => {
      await open();
      const group: SyncGroup = { ...scenario.group, tables: [{ name: 'items; DROP TABLE "items"; --' }] };
      await expectCode(syncGroup(group, scenario.context), ErrorCode.TableNotFound);
      await assertUntouched();
      assert.equal((await scenario.hub.query('SELECT * FROM "items"')).length, 1);
    });

    it('rejects a table without a primary key', async () => {
      await open();
      await scenario.hub.exec('CREATE TABLE "no_key" ("a" INT, "b" INT)');
      const group: SyncGroup = { ...scenario.group, tables: [{ name: 'items' }, { name: 'no_key' }] };
      await expectCode(syncGroup(group, scenario.context), ErrorCode.NoPrimaryKey);
      await assertUntouched();
    });

    it('rejects a column selection that leaves out the primary key, or names a missing column', async () => {
      await open();
      await expectCode(
        syncGroup({ ...scenario.group, tables: [{ name: 'items', columns: ['name'] }] }, scenario.context),
        ErrorCode.PrimaryKeyColumnExcluded,
      );
      await expectCode(
        syncGroup({ ...scenario.group, tables: [{ name: 'items', columns: ['id', 'nope'] }] }, scenario.context),
        ErrorCode.ColumnNotFound,
      );
      await assertUntouched();
    });

    it('rejects an unreachable member before touching the hub', async () => {
      await open();
      const unreachable = topology.member.engine === 'postgres'
        ? 'postgres://postgres@127.0.0.1:1/nowhere'
        : '/nonexistent-folder/for/hubsync/store.db';
      const group: SyncGroup = {
        ...scenario.group,
        members: [...scenario.group.members, { name: 'gone', provider: topology.member.engine, connection: unreachable, direction: 'bidirectional' }],
      };
      await expectCode(syncGroup(group, scenario.context), ErrorCode.ConnectionFailed);
      await assertUntouched();
    });

    it('syncs a table and column whose names contain quotes and semicolons, harming nothing (invariant 9)', async () => {
      await open();
      const hub = await scenario.hub.open();
      try {
        await hub.createTable(hostile);
      } finally {
        await hub.close();
      }
      await scenario.hub.exec('INSERT INTO "we""ird; DROP TABLE ""items""; --" ("id", "a""b; --") VALUES (?, ?)', [1, 'x"; --']);
      const group: SyncGroup = { ...scenario.group, tables: [{ name: 'items' }, { name: hostile.name }] };
      await provisionGroup(group, scenario.context);

      const result = await syncGroup(group, scenario.context);

      assert.equal(result.status, 'succeeded');
      assert.deepEqual(await scenario.snapshot(scenario.member('store'), hostile), await scenario.snapshot(scenario.hub, hostile));
      assert.equal((await scenario.snapshot(scenario.member('store'), hostile)).length, 1);
      assert.equal((await scenario.hub.query('SELECT * FROM "items"')).length, 1, 'the hub\'s items table is intact');
      assert.equal((await scenario.member('store').query('SELECT * FROM "items"')).length, 1);
    });
  });
}
