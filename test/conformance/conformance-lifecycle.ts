import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { TableSchema } from '../../src/engine/types.js';
import type { ProviderHarness, TestDatabase } from '../support/harness.js';
import {
  apply,
  byKey,
  catalogue,
  change,
  comparableChange,
  countRows,
  insertRows,
  itemChange,
  itemRows,
  items,
  normalizeTables,
  pairs,
  q,
  readAll,
  withDb,
  withTwoDbs,
} from './fixtures.js';

const hostileName = 'we"ird; DROP TABLE victim; --';
const hostileColumn = 'a"b; --';
const hostileScope = "scope'; DROP TABLE victim; --";

const weird: TableSchema = {
  name: hostileName,
  columns: [
    { name: 'id', type: { kind: 'int32' }, nullable: false },
    { name: hostileColumn, type: { kind: 'text' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [{ name: 'ix "; DROP TABLE victim; --', columns: [hostileColumn], unique: false }],
};

const victim: TableSchema = {
  name: 'victim',
  columns: [
    { name: 'id', type: { kind: 'int32' }, nullable: false },
    { name: 'name', type: { kind: 'text' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
};

async function weirdRows(db: TestDatabase): Promise<[number, string | null][]> {
  const rows = await db.query(`SELECT "id", ${q(hostileColumn)} AS v FROM ${q(hostileName)} ORDER BY "id"`);
  return rows.map((r) => [Number(r['id']), r['v'] === null ? null : String(r['v'])]);
}

async function withVictim(db: TestDatabase, create: (t: TableSchema) => Promise<void>): Promise<void> {
  await create(victim);
  await insertRows(db, victim, [
    [1, 'v1'],
    [2, 'v2'],
    [3, 'v3'],
  ]);
}

async function assertVictimIntact(db: TestDatabase, provisioned: readonly string[], when: string): Promise<void> {
  assert.equal(await countRows(db, 'victim'), 3, `victim keeps its rows ${when}`);
  assert.ok(!provisioned.includes('victim'), `victim is not tracked ${when}`);
}

export function describeLifecycle(harness: ProviderHarness): void {
  describe('hostile identifiers (invariant 9)', () => {
    it('a table and column named like SQL injection sync end to end, and table victim survives untracked', async () => {
      await withTwoDbs(harness, async (source, destination) => {
        for (const side of [source, destination]) {
          await withVictim(side.db, (t) => side.provider.createTable(t));
          await side.provider.createTable(weird);
        }
        await insertRows(source.db, weird, [
          [1, 'pre-existing'],
          [2, "it's"],
        ]);
        await source.provider.provision([weird]);
        await assertVictimIntact(source.db, await source.provider.provisionedTables(), 'after provision');
        assert.deepEqual(await source.provider.provisionedTables(), [hostileName]);
        await insertRows(source.db, weird, [[3, 'three']]);
        await source.db.exec(`UPDATE ${q(hostileName)} SET ${q(hostileColumn)} = ? WHERE "id" = ?`, ['updated', 1]);
        await source.db.exec(`DELETE FROM ${q(hostileName)} WHERE "id" = ?`, [2]);
        const fromSource = await readAll(source.provider, weird);
        assert.deepEqual(
          fromSource.map(comparableChange).sort((a, b) => Number(a.values?.[0]) - Number(b.values?.[0])),
          [
            { operation: fromSource.find((c) => c.values[0] === 1)?.operation ?? 'missing', values: [1, 'updated'] },
            { operation: 'delete', values: [2, null] },
            { operation: 'insert', values: [3, 'three'] },
          ],
        );
        assert.ok(['insert', 'update'].includes(fromSource.find((c) => c.values[0] === 1)?.operation ?? ''));

        await destination.provider.provision([weird]);
        // A local row on the destination makes key 1 a conflict candidate.
        await insertRows(destination.db, weird, [
          [1, 'destination'],
          [2, 'to be deleted'],
        ]);
        const { calls, result } = await apply(destination.provider, weird, fromSource, {
          sourceScope: hostileScope,
          seen: null,
 position: null,
        });
        assert.deepEqual(
          calls[0]?.map((c) => c.incoming.values[0]).sort(),
          [1, 2],
          'keys 1 and 2 were changed on the destination',
        );
        assert.equal(result.applied, 3);
        assert.deepEqual(await weirdRows(destination.db), [
          [1, 'updated'],
          [3, 'three'],
        ]);
        assert.deepEqual(await readAll(destination.provider, weird, { excludeScope: hostileScope }), [], 'no echo to a hostile scope');
        assert.equal((await readAll(destination.provider, weird, { excludeScope: 'other' })).length, 3);
        await destination.db.exec(`UPDATE ${q(hostileName)} SET ${q(hostileColumn)} = NULL WHERE "id" = 3`);
        assert.deepEqual(
          (await readAll(destination.provider, weird, { excludeScope: hostileScope })).map(comparableChange),
          [{ operation: 'update', values: [3, null] }],
        );
        await assertVictimIntact(destination.db, await destination.provider.provisionedTables(), 'after apply');

        for (const side of [source, destination]) {
          await side.provider.deprovision();
          assert.deepEqual(await side.provider.provisionedTables(), []);
          await assertVictimIntact(side.db, [], 'after deprovision');
          const names = (await side.provider.introspect()).map((t) => t.name).sort();
          assert.deepEqual(names, ['victim', hostileName].sort());
        }
        assert.deepEqual(await weirdRows(destination.db), [
          [1, 'updated'],
          [3, null],
        ]);
        assert.deepEqual(await weirdRows(source.db), [
          [1, 'updated'],
          [3, 'three'],
        ]);
      });
    });

    it("columns named like hubsync's own bookkeeping (stamp, scope, op, changed_at, ...) sync like any other", async () => {
      const names = ['stamp', 'k1', 'scope', 'op', 'changed_at', 'ord', 'c1', 'pk_1', 'tombstone', 'excluded', 'new', 'old'];
      const bookkeeping: TableSchema = {
        name: 'bookkeeping',
        columns: names.map((name, i) => ({ name, type: { kind: i < 2 ? 'int32' : 'text' }, nullable: i >= 2 })),
        primaryKey: ['stamp', 'k1'],
        indexes: [],
      };
      const row = (stamp: number, k1: number, tag: string): (string | number)[] => [stamp, k1, ...names.slice(2).map((n) => `${n}-${tag}`)];
      await withTwoDbs(harness, async (source, destination) => {
        for (const side of [source, destination]) {
          await side.provider.createTable(bookkeeping);
          await side.provider.provision([bookkeeping]);
        }
        await insertRows(source.db, bookkeeping, [row(1, 1, 'a'), row(1, 2, 'a'), row(2, 1, 'a')]);
        await source.db.exec('UPDATE "bookkeeping" SET "scope" = ?, "op" = ? WHERE "stamp" = 1 AND "k1" = 2', ['changed', 'X']);
        await source.db.exec('DELETE FROM "bookkeeping" WHERE "stamp" = 2');
        await insertRows(destination.db, bookkeeping, [row(1, 1, 'local')]);
        const changes = await readAll(source.provider, bookkeeping);
        assert.equal(changes.length, 3);
        const { calls, result } = await apply(destination.provider, bookkeeping, changes, { sourceScope: 'src', seen: null });
        assert.deepEqual(
          calls[0]?.map((c) => [c.incoming.values[0], c.incoming.values[1]]),
          [[1, 1]],
        );
        assert.equal(result.applied, 2, 'key (1, 1) updated, (1, 2) inserted, (2, 1) not there to delete');
        const read = byKey(bookkeeping, await readAll(destination.provider, bookkeeping, { excludeScope: 'other' }));
        const expected12 = row(1, 2, 'a');
        expected12[2] = 'changed';
        expected12[3] = 'X';
        assert.deepEqual(read.get('[1,1]')?.values, row(1, 1, 'a'));
        assert.deepEqual(read.get('[1,2]')?.values, expected12);
        assert.deepEqual(await readAll(destination.provider, bookkeeping, { excludeScope: 'src' }), [], 'tagged with the source scope');
        await destination.provider.deprovision();
        assert.equal(await countRows(destination.db, 'bookkeeping'), 2);
      });
    });

    it('introspect returns the hostile names exactly', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(weird);
        const [table] = await provider.introspect();
        assert.ok(table !== undefined);
        assert.equal(table.name, hostileName);
        assert.deepEqual(
          table.columns.map((c) => c.name),
          ['id', hostileColumn],
        );
        assert.deepEqual(
          table.indexes.map((i) => ({ columns: i.columns, unique: i.unique })),
          [{ columns: [hostileColumn], unique: false }],
        );
      });
    });
  });

  describe('long identifiers', () => {
    it('two tables whose 63-character names differ only in the last character are tracked separately', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const longColumn = `${'c'.repeat(62)}x`;
        const tables: TableSchema[] = ['1', '2'].map((suffix) => ({
          name: `${'t'.repeat(62)}${suffix}`,
          columns: [
            { name: 'id', type: { kind: 'int32' }, nullable: false },
            { name: longColumn, type: { kind: 'text' }, nullable: true },
          ],
          primaryKey: ['id'],
          indexes: [{ name: `${'i'.repeat(62)}${suffix}`, columns: [longColumn], unique: false }],
        }));
        const catalogueBefore = await catalogue(db);
        for (const t of tables) await provider.createTable(t);
        const withTables = await catalogue(db);
        await provider.provision(tables);
        assert.deepEqual([...(await provider.provisionedTables())].sort(), tables.map((t) => t.name).sort());
        const [first, second] = tables;
        assert.ok(first !== undefined && second !== undefined);
        await insertRows(db, first, [[1, 'first']]);
        await insertRows(db, second, [
          [2, 'second'],
          [3, 'second'],
        ]);
        assert.deepEqual((await readAll(provider, first)).map((c) => c.values), [[1, 'first']]);
        assert.deepEqual(
          (await readAll(provider, second)).map((c) => c.values).sort((a, b) => Number(a[0]) - Number(b[0])),
          [
            [2, 'second'],
            [3, 'second'],
          ],
        );
        const { result } = await apply(provider, second, [change('update', [2, 'applied'])], { sourceScope: 'A' });
        assert.equal(result.applied, 1);
        assert.deepEqual((await readAll(provider, first, { excludeScope: 'A' })).map((c) => c.values), [[1, 'first']]);
        await provider.deprovision();
        assert.deepEqual(await catalogue(db), withTables, 'deprovision leaves exactly the user tables');
        assert.notDeepEqual(withTables, catalogueBefore);
      });
    });
  });

  describe('deprovision', () => {
    it('removes every object provision created, and leaves user tables and rows untouched', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.createTable(pairs);
        await insertRows(db, items, [
          [1, 'one', 1],
          [2, 'two', 2],
        ]);
        const introspectBefore = normalizeTables(await provider.introspect());
        const catalogueBefore = await catalogue(db);
        await provider.provision([items, pairs]);
        assert.notDeepEqual(await catalogue(db), catalogueBefore, 'provision created objects');
        await insertRows(db, items, [[3, 'three', 3]]);
        await db.exec('DELETE FROM "items" WHERE "id" = 1');
        await provider.deprovision();
        assert.deepEqual(await provider.provisionedTables(), []);
        assert.deepEqual(normalizeTables(await provider.introspect()), introspectBefore, 'introspect as before provision');
        assert.deepEqual(await catalogue(db), catalogueBefore, 'catalogue as before provision');
        assert.deepEqual(await itemRows(db), [
          { id: 2, name: 'two', qty: 2 },
          { id: 3, name: 'three', qty: 3 },
        ]);
        // Writes keep working without the triggers.
        await insertRows(db, items, [[4, 'four', 4]]);
        await db.exec('UPDATE "items" SET "qty" = 20 WHERE "id" = 2');
        assert.equal(await countRows(db, 'items'), 3);
      });
    });

    it('a provision after deprovision works again and back-fills the current rows only', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await insertRows(db, items, [
          [1, 'one', 1],
          [2, 'two', 2],
        ]);
        await provider.provision([items]);
        await db.exec('DELETE FROM "items" WHERE "id" = 1');
        await provider.deprovision();
        await insertRows(db, items, [[3, 'three', 3]]);
        await db.exec('UPDATE "items" SET "name" = \'TWO\' WHERE "id" = 2');
        await provider.provision([items]);
        assert.deepEqual(await provider.provisionedTables(), ['items']);
        const changes = await readAll(provider, items);
        assert.deepEqual(
          changes.map(comparableChange).sort((a, b) => Number(a.values?.[0]) - Number(b.values?.[0])),
          [
            { operation: 'insert', values: [2, 'TWO', 2] },
            { operation: 'insert', values: [3, 'three', 3] },
          ],
        );
        await db.exec('DELETE FROM "items" WHERE "id" = 3');
        const map = byKey(items, await readAll(provider, items));
        assert.equal(map.get('[3]')?.operation, 'delete', 'tracking works again');
      });
    });

    it('deprovision then apply: the engine can provision and apply again', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await provider.deprovision();
        await provider.provision([items]);
        const { result } = await apply(provider, items, [itemChange('insert', 1, 'one', 1)], { sourceScope: 'A' });
        assert.equal(result.applied, 1);
        assert.deepEqual(await itemRows(db), [{ id: 1, name: 'one', qty: 1 }]);
        assert.deepEqual(await readAll(provider, items, { excludeScope: 'A' }), []);
      });
    });
  });
}
