import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Change, ConflictCandidate, Provider } from '../../src/engine/provider.js';
import type { ColumnSchema, TableSchema } from '../../src/engine/types.js';
import { ErrorCode } from '../../src/errors.js';
import type { ProviderHarness, TestDatabase } from '../support/harness.js';
import {
  apply,
  byKey,
  change,
  comparableAt,
  comparableChange,
  comparableValues,
  cursorBelow,
  engineExpectations,
  insertRows,
  itemChange,
  itemRows,
  items,
  nowIso,
  pairs,
  readAll,
  rejectsWithCode,
  seenBelow,
  withDb,
} from './fixtures.js';

function isColumn(column: ColumnSchema | undefined): column is ColumnSchema {
  return column !== undefined;
}

function candidateKey(candidate: ConflictCandidate): number {
  return Number(candidate.incoming.values[0]);
}

/**
 * A destination whose local writes after provision were: insert 1..4, update 1, delete 2.
 * Returns the destination's own view of those changes, keyed by id.
 */
async function destinationWithLocalChanges(db: TestDatabase, provider: Provider): Promise<Map<string, Change>> {
  await provider.createTable(items);
  await provider.provision([items]);
  await insertRows(db, items, [
    [1, 'one', 1],
    [2, 'two', 2],
    [3, 'three', 3],
    [4, 'four', 4],
  ]);
  await db.exec('UPDATE "items" SET "name" = ? WHERE "id" = ?', ['one-local', 1]);
  await db.exec('DELETE FROM "items" WHERE "id" = ?', [2]);
  return byKey(items, await readAll(provider, items));
}

/** Incoming from the source: update 1, update 2 (deleted locally), delete 3, insert 5 (new). */
function incomingBatch(): Change[] {
  return [
    itemChange('update', 1, 'one-remote', 10),
    itemChange('update', 2, 'two-remote', 20),
    itemChange('delete', 3),
    itemChange('insert', 5, 'five', 50),
  ];
}

export function describeApply(harness: ProviderHarness): void {
  describe('no echo (invariant 2)', () => {
    it('changes applied from scope A are hidden from A and visible to B; a later local write is visible to A', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const { result } = await apply(provider, items, [itemChange('insert', 1, 'one', 1), itemChange('insert', 2, 'two', 2)], {
          sourceScope: 'A',
        });
        assert.equal(result.applied, 2);
        assert.deepEqual(await readAll(provider, items, { excludeScope: 'A' }), [], 'hidden from A');
        const toB = await readAll(provider, items, { excludeScope: 'B' });
        assert.deepEqual(
          toB.map(comparableChange).sort((a, b) => Number(a.values?.[0]) - Number(b.values?.[0])),
          [
            { operation: 'insert', values: [1, 'one', 1] },
            { operation: 'insert', values: [2, 'two', 2] },
          ],
          'visible to B',
        );
        await db.exec('UPDATE "items" SET "qty" = 99 WHERE "id" = 1');
        const toA = await readAll(provider, items, { excludeScope: 'A' });
        assert.deepEqual(toA.map(comparableChange), [{ operation: 'update', values: [1, 'one', 99] }], 'local write visible to A');
      });
    });

    it('a change applied from B after one from A is visible to A again', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await apply(provider, items, [itemChange('insert', 1, 'from A', 1)], { sourceScope: 'A' });
        const mark = (await provider.watermark()).stamp;
        await apply(provider, items, [itemChange('update', 1, 'from B', 2)], { sourceScope: 'B', seen: seenBelow(mark) });
        assert.deepEqual((await readAll(provider, items, { excludeScope: 'A' })).map((c) => c.values), [[1, 'from B', 2]]);
        assert.deepEqual(await readAll(provider, items, { excludeScope: 'B' }), []);
      });
    });
  });

  describe('idempotent apply (invariant 3)', () => {
    it('applying the same batch twice leaves the data as it was, applies 0 and records no change', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [
          [1, 'one', 1],
          [2, 'two', 2],
          [3, 'three', 3],
        ]);
        const seeded = (await provider.watermark()).stamp;
        const batch = [
          itemChange('update', 1, 'one-remote', 10),
          itemChange('delete', 2),
          itemChange('insert', 4, 'four', 4),
          itemChange('insert', 5, null, null),
        ];
        const first = await apply(provider, items, batch, { sourceScope: 'A', seen: seenBelow(seeded) });
        assert.equal(first.result.applied, 4, 'first apply');
        const rowsAfterFirst = await itemRows(db);
        assert.deepEqual(rowsAfterFirst, [
          { id: 1, name: 'one-remote', qty: 10 },
          { id: 3, name: 'three', qty: 3 },
          { id: 4, name: 'four', qty: 4 },
          { id: 5, name: null, qty: null },
        ]);
        const afterFirst = (await provider.watermark()).stamp;
        const changesAfterFirst = await readAll(provider, items, { excludeScope: 'Z' });

        const second = await apply(provider, items, batch, { sourceScope: 'A', seen: seenBelow(seeded) });
        assert.equal(second.result.applied, 0, 'second apply');
        assert.deepEqual(second.calls.flat(), [], 'a re-applied batch is not a conflict');
        assert.deepEqual(await itemRows(db), rowsAfterFirst, 'data unchanged');
        assert.deepEqual(
          await readAll(provider, items, { excludeScope: 'Z', after: cursorBelow(afterFirst) }),
          [],
          'no change recorded by the second apply',
        );
        assert.deepEqual(await readAll(provider, items, { excludeScope: 'Z' }), changesAfterFirst, 'tracking unchanged');
      });
    });
  });

  describe('conflict candidates', () => {
    it('with unseenAfter null, every incoming change to a locally changed key is a candidate with the current row', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const local = await destinationWithLocalChanges(db, provider);
        const batch = incomingBatch();
        const { calls } = await apply(provider, items, batch, { sourceScope: 'S', seen: null,
 position: null, decide: () => false });
        assert.equal(calls.length, 1, 'resolve called once');
        const candidates = [...(calls[0] ?? [])].sort((a, b) => candidateKey(a) - candidateKey(b));
        assert.deepEqual(
          candidates.map(candidateKey),
          [1, 2, 3],
          'keys 1-3 were changed locally; key 5 is new to the destination',
        );
        const expectedExisting: Record<number, unknown[] | null> = { 1: [1, 'one-local', 1], 2: null, 3: [3, 'three', 3] };
        for (const candidate of candidates) {
          const id = candidateKey(candidate);
          const mine = local.get(`[${id}]`);
          assert.ok(mine !== undefined);
          assert.deepEqual(comparableValues(candidate.existing.values), expectedExisting[id], `existing values of key ${id}`);
          assert.equal(candidate.existing.operation, mine.operation, `existing operation of key ${id}`);
          assert.equal(candidate.existing.stamp, mine.stamp, `existing stamp of key ${id}`);
          assert.equal(candidate.existing.changedAt, mine.changedAt, `existing changedAt of key ${id}`);
          const sent = batch.find((c) => c.values[0] === id);
          assert.ok(sent !== undefined);
          assert.deepEqual(comparableChange(candidate.incoming), comparableChange(sent), `incoming of key ${id}`);
          assert.equal(candidate.incoming.stamp, sent.stamp);
          assert.equal(candidate.incoming.changedAt, sent.changedAt);
        }
        assert.equal(candidates.find((c) => candidateKey(c) === 2)?.existing.operation, 'delete');
      });
    });

    it('answering false leaves every destination row as it was and still applies the non-conflicting changes', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await destinationWithLocalChanges(db, provider);
        const { result } = await apply(provider, items, incomingBatch(), { sourceScope: 'S', seen: null,
 position: null, decide: () => false });
        assert.deepEqual(await itemRows(db), [
          { id: 1, name: 'one-local', qty: 1 },
          { id: 3, name: 'three', qty: 3 },
          { id: 4, name: 'four', qty: 4 },
          { id: 5, name: 'five', qty: 50 },
        ]);
        assert.equal(result.applied, 1);
      });
    });

    it('answering true writes the incoming version (update, update of a deleted row, delete)', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await destinationWithLocalChanges(db, provider);
        const { result } = await apply(provider, items, incomingBatch(), { sourceScope: 'S', seen: null,
 position: null, decide: () => true });
        assert.deepEqual(await itemRows(db), [
          { id: 1, name: 'one-remote', qty: 10 },
          { id: 2, name: 'two-remote', qty: 20 },
          { id: 4, name: 'four', qty: 4 },
          { id: 5, name: 'five', qty: 50 },
        ]);
        assert.equal(result.applied, 4);
        // The winners are tagged with the source scope: not echoed to it, visible to others.
        const toS = byKey(items, await readAll(provider, items, { excludeScope: 'S' }));
        assert.deepEqual([...toS.keys()].sort(), ['[4]']);
      });
    });

    it('applies each answer to its own candidate', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await destinationWithLocalChanges(db, provider);
        const { calls } = await apply(provider, items, incomingBatch(), {
          sourceScope: 'S',
          seen: null,
 position: null,
          decide: (c) => candidateKey(c) === 3,
        });
        assert.equal(calls[0]?.length, 3);
        assert.deepEqual(await itemRows(db), [
          { id: 1, name: 'one-local', qty: 1 },
          { id: 4, name: 'four', qty: 4 },
          { id: 5, name: 'five', qty: 50 },
        ]);
      });
    });

    it('with unseenAfter covering a watermark taken after the local changes there are no candidates; resolve is still called once', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await destinationWithLocalChanges(db, provider);
        const mark = (await provider.watermark()).stamp;
        const { calls, result } = await apply(provider, items, incomingBatch(), { sourceScope: 'S', seen: seenBelow(mark), decide: () => false });
        assert.equal(calls.length, 1, 'resolve called exactly once');
        assert.deepEqual(calls[0], [], 'no candidates');
        assert.equal(result.applied, 4);
        assert.deepEqual(await itemRows(db), [
          { id: 1, name: 'one-remote', qty: 10 },
          { id: 2, name: 'two-remote', qty: 20 },
          { id: 4, name: 'four', qty: 4 },
          { id: 5, name: 'five', qty: 50 },
        ]);
      });
    });

    it('only local changes after unseenAfter make candidates', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [
          [1, 'one', 1],
          [2, 'two', 2],
        ]);
        const mark = (await provider.watermark()).stamp;
        await db.exec('UPDATE "items" SET "qty" = 22 WHERE "id" = 2');
        const { calls } = await apply(provider, items, [itemChange('update', 1, 'x', 0), itemChange('update', 2, 'y', 0)], {
          sourceScope: 'S',
          seen: seenBelow(mark),
          decide: () => false,
        });
        assert.deepEqual(calls[0]?.map(candidateKey), [2]);
        assert.deepEqual(await itemRows(db), [
          { id: 1, name: 'x', qty: 0 },
          { id: 2, name: 'two', qty: 22 },
        ]);
      });
    });

    it('resolve is called exactly once with no candidates when nothing conflicts', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const { calls, result } = await apply(provider, items, [itemChange('insert', 1, 'a', 1), itemChange('insert', 2, 'b', 2)], {
          seen: null,
 position: null,
        });
        assert.deepEqual(calls, [[]]);
        assert.equal(result.applied, 2);
        assert.equal((await itemRows(db)).length, 2);
      });
    });

    it('changes written with scope = sourceScope are never candidates (but are for another scope)', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await apply(provider, items, [itemChange('insert', 1, 'one', 1), itemChange('insert', 2, 'two', 2)], { sourceScope: 'A' });
        await apply(provider, items, [itemChange('delete', 2)], { sourceScope: 'A' });
        const again = await apply(provider, items, [itemChange('update', 1, 'one-A', 1), itemChange('insert', 2, 'two-A', 2)], {
          sourceScope: 'A',
          seen: null,
 position: null,
          decide: () => false,
        });
        assert.deepEqual(again.calls, [[]], 'no candidates from the scope that wrote them');
        assert.equal(again.result.applied, 2);
        const other = await apply(provider, items, [itemChange('update', 1, 'one-B', 1)], {
          sourceScope: 'B',
          seen: null,
 position: null,
          decide: () => false,
        });
        assert.deepEqual(other.calls[0]?.map(candidateKey), [1], 'a change from A is a candidate for B');
        assert.deepEqual(comparableValues(other.calls[0]?.[0]?.existing.values ?? null), [1, 'one-A', 1]);
      });
    });

    it('resolve throwing rolls back the whole batch', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const local = await destinationWithLocalChanges(db, provider);
        const rowsBefore = await itemRows(db);
        const boom = new Error('resolve refused');
        await assert.rejects(
          provider.applyChanges({
            table: items,
            changes: incomingBatch(),
            sourceScope: 'S',
            seen: null,
 position: null,
            resolve: async () => {
              throw boom;
            },
          }),
          (error: unknown) => {
            const chain: unknown[] = [];
            for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
            assert.ok(
              chain.includes(boom) || chain.some((e) => e instanceof Error && e.message.includes('resolve refused')),
              `the error of resolve surfaces (got ${String(error)})`,
            );
            return true;
          },
        );
        assert.deepEqual(await itemRows(db), rowsBefore, 'no row of the batch applied (key 5 was not a candidate)');
        assert.deepEqual(byKey(items, await readAll(provider, items)), local, 'tracking unchanged');
      });
    });
  });

  describe('change times', () => {
    it('an applied change keeps the time it was made at, for the next hop and for later conflicts (lastWriterWins)', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const madeAt = '2020-01-02T03:04:05.123456Z';
        const deletedAt = '2020-01-02T03:04:06.000001Z';
        const sent: Change[] = [
          { stamp: '7', operation: 'insert', values: [1, 'one', 1], changedAt: madeAt },
          { stamp: '7', operation: 'insert', values: [2, 'two', 2], changedAt: madeAt },
        ];
        await apply(provider, items, sent, { sourceScope: 'A' });
        await apply(provider, items, [{ stamp: '8', operation: 'delete', values: [2, null, null], changedAt: deletedAt }], { sourceScope: 'A' });
        const forwarded = byKey(items, await readAll(provider, items, { excludeScope: 'B' }));
        assert.equal(forwarded.get('[1]')?.changedAt, madeAt, 'changedAt of the applied insert, as read for scope B');
        assert.equal(forwarded.get('[2]')?.changedAt, deletedAt, 'changedAt of the applied delete, as read for scope B');
        const { calls } = await apply(provider, items, [itemChange('update', 1, 'from B', 5)], {
          sourceScope: 'B',
          seen: null,
 position: null,
          decide: () => false,
        });
        assert.equal(calls[0]?.[0]?.existing.changedAt, madeAt, 'existing.changedAt of a conflict candidate');
      });
    });
  });

  describe('synced columns', () => {
    it('values follow TableSchema.columns, not the physical column order of the table', async () => {
      await withDb(harness, async ({ db, provider }) => {
        // Physically (qty, name, id); synced in hub order (id, name, qty).
        await provider.createTable({ ...items, columns: [items.columns[2], items.columns[1], items.columns[0]].filter(isColumn) });
        await insertRows(db, { ...items, name: 'items' }, [[1, 'one', 10]]);
        await provider.provision([items]);
        assert.deepEqual((await readAll(provider, items)).map((c) => c.values), [[1, 'one', 10]]);
        const { result } = await apply(provider, items, [itemChange('insert', 2, 'two', 20), itemChange('update', 1, 'uno', 11)], {
          sourceScope: 'A',
          seen: seenBelow((await provider.watermark()).stamp),
        });
        assert.equal(result.applied, 2);
        assert.deepEqual(await itemRows(db), [
          { id: 1, name: 'uno', qty: 11 },
          { id: 2, name: 'two', qty: 20 },
        ]);
      });
    });

    it('a subset of the columns is read and applied without touching the others', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const synced: TableSchema = { ...items, columns: items.columns.slice(0, 2) };
        await provider.createTable(items);
        await insertRows(db, items, [[1, 'one', 10]]);
        await provider.provision([synced]);
        await insertRows(db, items, [[2, 'two', 20]]);
        assert.deepEqual(
          (await readAll(provider, synced)).map((c) => c.values).sort((a, b) => Number(a[0]) - Number(b[0])),
          [
            [1, 'one'],
            [2, 'two'],
          ],
        );
        const mark = (await provider.watermark()).stamp;
        const { result } = await apply(
          provider,
          synced,
          [change('update', [1, 'uno']), change('insert', [3, 'three']), change('delete', [2, null])],
          { sourceScope: 'A', seen: seenBelow(mark) },
        );
        assert.equal(result.applied, 3);
        assert.deepEqual(await itemRows(db), [
          { id: 1, name: 'uno', qty: 10 },
          { id: 3, name: 'three', qty: null },
        ]);
        assert.deepEqual(
          (await readAll(provider, synced, { excludeScope: 'B', after: cursorBelow(mark) })).map(comparableChange).sort(
            (a, b) => Number(a.values?.[0]) - Number(b.values?.[0]),
          ),
          [
            { operation: 'update', values: [1, 'uno'] },
            { operation: 'delete', values: [2, null] },
            { operation: 'insert', values: [3, 'three'] },
          ],
        );
      });
    });
  });

  describe('unique secondary indexes (invariant 5: one run converges)', () => {
    const codes: TableSchema = {
      name: 'codes',
      columns: [
        { name: 'id', type: { kind: 'int32' }, nullable: false },
        { name: 'code', type: { kind: 'text', maxLength: 10 }, nullable: false },
        { name: 'qty', type: { kind: 'int32' }, nullable: true },
      ],
      primaryKey: ['id'],
      indexes: [{ name: 'codes_code', columns: ['code'], unique: true }],
    };
    /** Changes one source transaction made: one stamp, ordered by key as readChanges returns them. */
    function sameTransaction(changes: readonly [Change['operation'], number, string | null][]): Change[] {
      const at = nowIso();
      return changes.map(([operation, id, code]) => ({
        stamp: '500',
        operation,
        values: operation === 'delete' ? [id, null, null] : [id, code, null],
        changedAt: at,
      }));
    }

    async function applyToCodes(db: TestDatabase, provider: Provider, existing: [number, string][], batch: Change[]): Promise<number> {
      await provider.createTable(codes);
      await provider.provision([codes]);
      await insertRows(
        db,
        codes,
        existing.map(([id, code]) => [id, code, null]),
      );
      const mark = (await provider.watermark()).stamp;
      const { result } = await apply(provider, codes, batch, { sourceScope: 'hub', seen: seenBelow(mark) });
      return result.applied;
    }

    it('applies two rows swapping their unique values', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const applied = await applyToCodes(
          db,
          provider,
          [
            [1, 'x'],
            [2, 'y'],
          ],
          sameTransaction([
            ['update', 1, 'y'],
            ['update', 2, 'x'],
          ]),
        );
        assert.equal(applied, 2);
        assert.deepEqual(await itemRowsOf(db), [
          [1, 'y'],
          [2, 'x'],
        ]);
      });
    });

    it('applies an insert that takes the unique value of a row the same batch deletes later', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const applied = await applyToCodes(
          db,
          provider,
          [[3, 'x']],
          sameTransaction([
            ['insert', 1, 'x'],
            ['delete', 3, null],
          ]),
        );
        assert.equal(applied, 2);
        assert.deepEqual(await itemRowsOf(db), [[1, 'x']]);
      });
    });

    async function itemRowsOf(db: TestDatabase): Promise<[number, string][]> {
      const rows = await db.query('SELECT "id", "code" FROM "codes" ORDER BY "id"');
      return rows.map((r) => [Number(r['id']), String(r['code'])]);
    }
  });

  describe('deletes', () => {
    it('applying a delete removes the row and leaves a tombstone readable by other scopes', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [
          [1, 'one', 1],
          [2, 'two', 2],
        ]);
        const mark = (await provider.watermark()).stamp;
        const { result } = await apply(provider, items, [itemChange('delete', 1)], { sourceScope: 'A', seen: seenBelow(mark) });
        assert.equal(result.applied, 1);
        assert.deepEqual(await itemRows(db), [{ id: 2, name: 'two', qty: 2 }]);
        const toB = byKey(items, await readAll(provider, items, { excludeScope: 'B' }));
        assert.deepEqual(comparableAt(toB, '[1]'), { operation: 'delete', values: [1, null, null] });
        const toA = byKey(items, await readAll(provider, items, { excludeScope: 'A' }));
        assert.equal(toA.has('[1]'), false, 'the tombstone is not echoed to A');
        assert.equal(toA.has('[2]'), true);
      });
    });

    it('with a composite key: deletes carry both key values; candidates and deletes match on the whole key', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(pairs);
        await insertRows(db, pairs, [
          [1, 'k1', 11],
          [1, 'k2', 12],
          [2, 'k1', 21],
        ]);
        await provider.provision([pairs]);
        const mark = (await provider.watermark()).stamp;
        await db.exec('DELETE FROM "pairs" WHERE "a" = 1 AND "b" = ?', ['k1']);
        await db.exec('UPDATE "pairs" SET "v" = 0 WHERE "a" = 2 AND "b" = ?', ['k1']);
        const local = byKey(pairs, await readAll(provider, pairs, { after: cursorBelow(mark) }));
        assert.deepEqual(comparableAt(local, JSON.stringify(['k1', 1])), { operation: 'delete', values: [1, 'k1', null] });
        const { calls, result } = await apply(
          provider,
          pairs,
          [change('update', [1, 'k1', 110]), change('update', [2, 'k1', 210]), change('delete', [1, 'k2', null])],
          { sourceScope: 'S', seen: seenBelow(mark), decide: () => false },
        );
        assert.deepEqual(
          calls[0]?.map((c) => [c.incoming.values[0], c.incoming.values[1], c.existing.operation]).sort(),
          [
            [1, 'k1', 'delete'],
            [2, 'k1', 'update'],
          ],
          'the keys changed locally, matched on both key columns; (1, k2) was not changed',
        );
        assert.equal(result.applied, 1, 'the delete of (1, k2)');
        const rows = await db.query('SELECT "a", "b", "v" FROM "pairs" ORDER BY "a", "b"');
        assert.deepEqual(
          rows.map((r) => [Number(r['a']), String(r['b']), Number(r['v'])]),
          [[2, 'k1', 0]],
        );
      });
    });

    it('applying a delete for a key that does not exist applies nothing and does not fail', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [[1, 'one', 1]]);
        const mark = (await provider.watermark()).stamp;
        const { result, calls } = await apply(provider, items, [itemChange('delete', 99)], { sourceScope: 'A', seen: seenBelow(mark) });
        assert.equal(result.applied, 0);
        assert.deepEqual(calls, [[]]);
        assert.deepEqual(await itemRows(db), [{ id: 1, name: 'one', qty: 1 }]);
      });
    });
  });

  describe('rejected data', () => {
    const strict: TableSchema = {
      name: 'strict_items',
      columns: [
        { name: 'id', type: { kind: 'int32' }, nullable: false },
        { name: 'name', type: { kind: 'text', maxLength: 5 }, nullable: false },
        { name: 'qty', type: { kind: 'int32' }, nullable: true },
      ],
      primaryKey: ['id'],
      indexes: [{ name: 'strict_items_qty', columns: ['qty'], unique: true }],
    };

    async function expectRejected(db: TestDatabase, provider: Provider, batch: Change[], what: string): Promise<void> {
      await provider.createTable(strict);
      await provider.provision([strict]);
      await insertRows(db, strict, [[100, 'keep', 100]]);
      const before = await readAll(provider, strict);
      const mark = (await provider.watermark()).stamp;
      await rejectsWithCode(apply(provider, strict, batch, { sourceScope: 'A', seen: seenBelow(mark) }), ErrorCode.DataRejected, what);
      assert.deepEqual(await itemRows(db, strict.name), [{ id: 100, name: 'keep', qty: 100 }], 'no row of the batch applied');
      assert.deepEqual(await readAll(provider, strict), before, 'no change recorded');
    }

    it('a NULL in a NOT NULL column rejects the whole batch with HS_DATA_REJECTED', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await expectRejected(
          db,
          provider,
          [itemChange('insert', 1, 'ok', 1), itemChange('insert', 2, null, 2), itemChange('insert', 3, 'ok3', 3)],
          'NOT NULL violation',
        );
      });
    });

    it('a duplicate value in a unique index rejects the whole batch with HS_DATA_REJECTED', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await expectRejected(
          db,
          provider,
          [itemChange('insert', 1, 'ok', 1), itemChange('insert', 2, 'ok2', 7), itemChange('insert', 3, 'ok3', 7)],
          'unique violation',
        );
      });
    });

    const enforces = engineExpectations[harness.engine].enforcesTextLength;
    it(
      'a value longer than text(n) rejects the whole batch with HS_DATA_REJECTED',
      { skip: enforces ? false : `${harness.engine} does not enforce text lengths` },
      async () => {
        await withDb(harness, async ({ db, provider }) => {
          await expectRejected(
            db,
            provider,
            [itemChange('insert', 1, 'ok', 1), itemChange('insert', 2, 'toolong', 2), itemChange('insert', 3, 'ok3', 3)],
            'text(5) exceeded',
          );
        });
      },
    );
  });
}
