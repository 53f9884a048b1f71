/**
 * Tables are {schema, name}: same-named tables of two schemas are separate tables, and a member may
 * keep a hub table under another schema or name (memberNames), in both directions.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { compareGroup } from '../../src/engine/compare-group.js';
import type { SyncGroup } from '../../src/engine/group.js';
import { syncGroup } from '../../src/engine/sync-group.js';
import type { TableSchema } from '../../src/engine/types.js';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { sqliteHarness } from '../support/sqlite-harness.js';
import { items } from './fixtures.js';

const salesItems: TableSchema = { ...items, schema: 'sales' };
const insert = (table: string): string => `INSERT INTO ${table} ("id", "name", "qty", "price") VALUES (?, ?, ?, ?)`;

async function expectCode(work: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof HubsyncError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('tables in schemas', () => {
  let scenario: Scenario;
  afterEach(() => scenario.dispose());

  it('keeps same-named tables of two schemas apart from a PostgreSQL hub to a PostgreSQL member, both ways', async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [{ name: 'store', harness: postgresHarness, direction: 'bidirectional' }],
      tables: [items, salesItems],
      selections: [{ name: 'items' }, { schema: 'sales', name: 'items' }],
    });
    await scenario.hub.exec(insert('public.items'), [1, 'public one', 1, null]);
    await scenario.hub.exec(insert('sales.items'), [1, 'sales one', 2, '2.00']);
    await scenario.hub.exec(insert('sales.items'), [2, 'sales two', 3, null]);
    const first = await scenario.sync();
    assert.equal(first.status, 'succeeded', first.errors.join('; '));
    const store = scenario.member('store');
    assert.deepEqual(await store.query('SELECT id, name FROM public.items ORDER BY id'), [{ id: '1', name: 'public one' }]);
    assert.deepEqual(await store.query('SELECT id, name FROM sales.items ORDER BY id'), [
      { id: '1', name: 'sales one' },
      { id: '2', name: 'sales two' },
    ]);

    await store.exec(`UPDATE sales.items SET "name" = ? WHERE "id" = ?`, ['sold at the store', 1]);
    await store.exec(insert('public.items'), [3, 'public three', 1, null]);
    const second = await scenario.sync();
    assert.equal(second.status, 'succeeded', second.errors.join('; '));
    assert.deepEqual(await scenario.hub.query('SELECT id, name FROM public.items ORDER BY id'), [
      { id: '1', name: 'public one' },
      { id: '3', name: 'public three' },
    ]);
    assert.deepEqual(await scenario.hub.query('SELECT id, name FROM sales.items ORDER BY id'), [
      { id: '1', name: 'sold at the store' },
      { id: '2', name: 'sales two' },
    ]);
    const comparisons = await compareGroup(scenario.group, scenario.context);
    assert.deepEqual(
      comparisons.map((comparison) => [comparison.table, comparison.equal]),
      [
        ['items', true],
        ['sales.items', true],
      ],
    );
    const checkpoints = await Promise.all(
      ['items', 'sales.items'].map((table) =>
        scenario.state.getCheckpoint({ group: 'scenario', member: 'store', table, direction: 'download' }),
      ),
    );
    assert.ok(checkpoints.every((checkpoint) => checkpoint !== null), 'each table has its own checkpoint');
  });

  it('syncs a hub table into a member table of another name and back (memberNames)', async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [
        { name: 'lite', harness: sqliteHarness, direction: 'bidirectional' },
        { name: 'archive', harness: postgresHarness, direction: 'bidirectional' },
      ],
      tables: [salesItems],
      selections: [
        { schema: 'sales', name: 'items', memberNames: { lite: { name: 'items_copy' }, archive: { schema: 'old', name: 'items_kept' } } },
      ],
    });
    const lite = scenario.member('lite');
    const archive = scenario.member('archive');
    // A table on the member that only shares the hub table's name is not the synced one.
    await lite.exec('CREATE TABLE "items" ("id" INTEGER PRIMARY KEY, "note" TEXT)');
    await lite.exec('INSERT INTO "items" VALUES (?, ?)', [1, 'not synced']);
    await scenario.hub.exec(insert('sales.items'), [1, 'from the hub', 1, null]);
    const first = await scenario.sync();
    assert.equal(first.status, 'succeeded', first.errors.join('; '));
    assert.deepEqual(await lite.query('SELECT "id", "name" FROM "items_copy"'), [{ id: 1, name: 'from the hub' }]);
    assert.deepEqual(await archive.query('SELECT id, name FROM old.items_kept'), [{ id: '1', name: 'from the hub' }]);

    await lite.exec(`INSERT INTO "items_copy" ("id", "name", "qty", "price") VALUES (?, ?, ?, ?)`, [2, 'from lite', 5, null]);
    await archive.exec(`UPDATE old.items_kept SET "name" = ? WHERE "id" = ?`, ['renamed in the archive', 1]);
    const second = await scenario.sync();
    assert.equal(second.status, 'succeeded', second.errors.join('; '));
    const expected = [
      { id: '1', name: 'renamed in the archive' },
      { id: '2', name: 'from lite' },
    ];
    assert.deepEqual(await scenario.hub.query('SELECT id, name FROM sales.items ORDER BY id'), expected);
    assert.deepEqual(await archive.query('SELECT id, name FROM old.items_kept ORDER BY id'), expected);
    assert.deepEqual(await lite.query('SELECT "id", "name" FROM "items_copy" ORDER BY "id"'), [
      { id: 1, name: 'renamed in the archive' },
      { id: 2, name: 'from lite' },
    ]);
    assert.deepEqual(await lite.query('SELECT "id", "note" FROM "items"'), [{ id: 1, note: 'not synced' }]);
    const comparisons = await compareGroup(scenario.group, scenario.context);
    assert.ok(comparisons.every((comparison) => comparison.table === 'sales.items' && comparison.equal), JSON.stringify(comparisons));
  });

  it('names a schema the hub does not have, and refuses a schema a SQLite member cannot have, before changing anything', async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [{ name: 'lite', harness: sqliteHarness, direction: 'bidirectional' }],
      tables: [salesItems],
    });
    const withTables = (tables: SyncGroup['tables']): SyncGroup => ({ ...scenario.group, tables });
    await expectCode(
      syncGroup(withTables([{ schema: 'slaes', name: 'items' }]), scenario.context),
      ErrorCode.TableNotFound,
      /table "slaes\.items" does not exist in hub "hub": it has no schema "slaes"/,
    );
    await expectCode(
      syncGroup(withTables([{ schema: 'sales', name: 'items' }]), scenario.context),
      ErrorCode.ConfigInvalid,
      /member "lite": table "sales\.items" cannot exist there: sqlite has only the schema "main" \(give the table a name there with "memberNames"/,
    );
    await expectCode(
      syncGroup(withTables([{ schema: 'sales', name: 'items', memberNames: { lite: { schema: 'other', name: 'items' } } }]), scenario.context),
      ErrorCode.ConfigInvalid,
      /member "lite": table "other\.items" cannot exist there/,
    );
    const lite = await scenario.member('lite').open();
    try {
      assert.deepEqual(await lite.introspect(), [], 'nothing was created on the member');
    } finally {
      await lite.close();
    }
  });
});
