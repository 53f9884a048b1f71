import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { syncGroup } from '../../src/engine/sync-group.js';
import type { TableSchema } from '../../src/engine/types.js';
import { engineExpectations } from '../conformance/fixtures.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { insertItem, items, topologies, updateItemName, oneStore } from './fixtures.js';

const allTypes: TableSchema = {
  name: 'all_types',
  columns: [
    { name: 'id', type: { kind: 'int64' }, nullable: false },
    { name: 'small', type: { kind: 'int16' }, nullable: true },
    { name: 'whole', type: { kind: 'int32' }, nullable: true },
    { name: 'big', type: { kind: 'int64' }, nullable: true },
    { name: 'amount', type: { kind: 'decimal', precision: 38, scale: 10 }, nullable: true },
    { name: 'ratio', type: { kind: 'float64' }, nullable: true },
    { name: 'label', type: { kind: 'text', maxLength: 40 }, nullable: true },
    { name: 'body', type: { kind: 'text' }, nullable: true },
    { name: 'flag', type: { kind: 'boolean' }, nullable: true },
    { name: 'day', type: { kind: 'date' }, nullable: true },
    { name: 'at', type: { kind: 'timestamp' }, nullable: true },
    { name: 'at_tz', type: { kind: 'timestamptz' }, nullable: true },
    { name: 'blob', type: { kind: 'binary' }, nullable: true },
    { name: 'guid', type: { kind: 'uuid' }, nullable: true },
    { name: 'doc', type: { kind: 'json' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
};

const exotic = [
  '1',
  -32768,
  2147483647,
  '-9223372036854775808',
  '12345678901234567890.1234567890',
  0.1,
  'naïve "quoted"; --',
  'line\nbreak\ttab \\ backslash 🎉',
  true,
  '2026-02-28',
  '2026-01-02 03:04:05.123456',
  '2026-01-02 03:04:05.000001+00',
  Buffer.from([0, 255, 1, 0]),
  '0b7e1c5a-9d1f-4c3e-8a2b-5f6e7d8c9b0a',
  '{"b": 1,  "a": [1, 2]}',
];

for (const topology of topologies) {
  describe(`convergence: ${topology.name}`, () => {
    let scenario: Scenario;
    before(async () => {
      scenario = await createScenario({
        hub: topology.hub,
        members: [
          { name: 'east', harness: topology.member, direction: 'bidirectional' },
          { name: 'west', harness: topology.member, direction: 'bidirectional' },
          { name: 'mirror', harness: topology.member, direction: 'fromHub' },
          { name: 'feeder', harness: topology.member, direction: 'toHub' },
        ],
        tables: [items],
      });
      await provisionGroup(scenario.group, scenario.context);
    });
    after(() => scenario.dispose());

    it('makes every bidirectional and fromHub member equal to the hub in one run (invariant 5)', async () => {
      await scenario.hub.exec(insertItem, [1, 'hub one', 1, '1.50']);
      await scenario.hub.exec(insertItem, [2, 'hub two', 2, null]);
      await scenario.member('east').exec(insertItem, [10, 'east ten', 10, '10.00']);
      await scenario.member('west').exec(insertItem, [20, 'west twenty', 20, '20.20']);
      await scenario.member('feeder').exec(insertItem, [30, 'feeder thirty', 30, '30.30']);

      const result = await scenario.sync();

      assert.equal(result.status, 'succeeded');
      const hub = await scenario.snapshot(scenario.hub, items);
      assert.equal(hub.length, 5, 'the hub holds its own rows and every uploading member\'s');
      for (const name of ['east', 'west', 'mirror']) {
        assert.deepEqual(await scenario.snapshot(scenario.member(name), items), hub, `${name} equals the hub`);
      }
      assert.equal((await scenario.snapshot(scenario.member('feeder'), items)).length, 1, 'a toHub member never receives');
      const east = result.members.find((member) => member.name === 'east');
      assert.deepEqual(east && { up: east.uploaded, down: east.downloaded }, { up: 1, down: 4 });
    });

    it('sends nothing back to the scope that sent it (invariant 2)', async () => {
      await scenario.member('east').exec(updateItemName, ['east renamed', 10]);
      const first = await scenario.sync();
      assert.equal(first.members.find((member) => member.name === 'east')?.uploaded, 1);
      assert.equal(first.members.find((member) => member.name === 'east')?.downloaded, 0, 'east\'s own change is not echoed');
      assert.equal(first.members.find((member) => member.name === 'west')?.downloaded, 1);

      const second = await scenario.sync();
      for (const member of second.members) {
        assert.deepEqual([member.uploaded, member.downloaded], [0, 0], `${member.name} moves nothing when nothing changed`);
      }
    });
  });

  describe(`table creation and exact values: ${topology.name}`, () => {
    let scenario: Scenario;
    before(async () => {
      scenario = await createScenario(oneStore(topology, { tables: [allTypes] }));
    });
    after(() => scenario.dispose());

    it('creates member tables with faithful types and every value round-trips exactly', async () => {
      const hub = await scenario.hub.open();
      try {
        await hub.provision([allTypes]);
        await hub.applyChanges({
          table: allTypes,
          changes: [
            { stamp: '1', operation: 'insert', values: exotic, changedAt: '2026-01-01T00:00:00.000000Z' },
            {
              stamp: '1',
              operation: 'insert',
              values: allTypes.columns.map((column) => (column.name === 'id' ? '2' : null)),
              changedAt: '2026-01-01T00:00:00.000000Z',
            },
          ],
          sourceScope: 'seed',
          seen: null,
 position: null,
          resolve: async (candidates) => candidates.map(() => true),
        });
      } finally {
        await hub.close();
      }

      const result = await scenario.sync();
      assert.equal(result.status, 'succeeded');

      const asHub = engineExpectations[topology.hub.engine].introspectedType;
      const asMember = engineExpectations[topology.member.engine].introspectedType;
      const store = await scenario.member('store').open();
      try {
        const created = (await store.introspect()).find((table) => table.name === 'all_types');
        assert.ok(created, 'the member table was created');
        assert.deepEqual(
          created.columns.map((column) => [column.name, column.type]),
          // The hub's types as the engine plans them, as the member's catalogue reads them back.
          allTypes.columns.map((column) => [column.name, asMember(asHub(column.type))]),
        );
        assert.deepEqual(created.primaryKey, ['id']);
      } finally {
        await store.close();
      }
      const hubRows = await scenario.snapshot(scenario.hub, allTypes);
      assert.deepEqual(await scenario.snapshot(scenario.member('store'), allTypes), hubRows);
      assert.ok(hubRows.some((row) => row.includes('-9223372036854775808') && row.includes('2026-01-02 03:04:05.123456')));
    });
  });

  describe(`a member added later: ${topology.name}`, () => {
    let scenario: Scenario;
    before(async () => {
      scenario = await createScenario({
        hub: topology.hub,
        members: [
          { name: 'first', harness: topology.member, direction: 'bidirectional' },
          { name: 'late', harness: topology.member, direction: 'bidirectional' },
        ],
        tables: [items],
        batchSize: 7,
      });
    });
    after(() => scenario.dispose());

    it('gets the whole hub on its first run', async () => {
      for (let id = 1; id <= 30; id += 1) await scenario.hub.exec(insertItem, [id, `item ${id}`, id, null]);
      const withoutLate = { ...scenario.group, members: scenario.group.members.filter((member) => member.name !== 'late') };
      await syncGroup(withoutLate, scenario.context);
      await scenario.hub.exec(updateItemName, ['changed after first sync', 3]);

      const result = await scenario.sync();

      assert.equal(result.members.find((member) => member.name === 'late')?.downloaded, 30);
      const hub = await scenario.snapshot(scenario.hub, items);
      assert.deepEqual(await scenario.snapshot(scenario.member('late'), items), hub);
      assert.deepEqual(await scenario.snapshot(scenario.member('first'), items), hub);
    });
  });
}
