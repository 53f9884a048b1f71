import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cursorAfter, encodeCursor } from '../../src/engine/cursor.js';
import type { PositionUpdate } from '../../src/engine/provider.js';
import { ErrorCode } from '../../src/errors.js';
import type { ProviderHarness } from '../support/harness.js';
import { apply, insertRows, itemChange, itemRows, items, readAll, rejectsWithCode, withDb } from './fixtures.js';

/** Positions as the engine encodes them; the provider only stores and compares the text. */
const first = encodeCursor({ stamp: '10', key: null });
const second = encodeCursor({ stamp: '20', key: ['7'] });
const from = (after: string | null, through: string): PositionUpdate => ({ after, through });

/**
 * Positions recorded in the destination with every apply (invariant 7), the apply that recognises
 * a batch it already applied (invariant 3), tombstones for deletes of missing rows (invariant 4),
 * and conflict knowledge exact to the (stamp, key).
 */
export function describePositions(harness: ProviderHarness): void {
  describe('positions recorded with the apply', () => {
    it('are empty in a database that was never applied to, provisioned or not', async () => {
      await withDb(harness, async ({ provider }) => {
        assert.deepEqual([...(await provider.readPositions('S'))], []);
        await provider.createTable(items);
        await provider.provision([items]);
        assert.deepEqual([...(await provider.readPositions('S'))], []);
      });
    });

    it('are recorded per source scope and table in the same transaction as the data', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const { result } = await apply(provider, items, [itemChange('insert', 1, 'one', 1)], { sourceScope: 'S', position: from(null, first) });
        assert.deepEqual(result, { applied: 1, alreadyApplied: false });
        assert.deepEqual([...(await provider.readPositions('S'))], [['items', first]]);
        assert.deepEqual([...(await provider.readPositions('T'))], []);
        await apply(provider, items, [itemChange('insert', 2, 'two', 2)], { sourceScope: 'S', position: from(first, second) });
        assert.deepEqual([...(await provider.readPositions('S'))], [['items', second]]);
        assert.equal((await itemRows(db)).length, 2);
      });
    });

    it('a batch whose end is already recorded is skipped whole: nothing written, a newer local edit kept', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const batch = [itemChange('insert', 1, 'one', 1)];
        await apply(provider, items, batch, { sourceScope: 'S', position: from(null, first) });
        await db.exec('UPDATE "items" SET "name" = ? WHERE "id" = ?', ['edited since', 1]);

        const { result, calls } = await apply(provider, items, batch, { sourceScope: 'S', position: from(null, first) });

        assert.deepEqual(result, { applied: 0, alreadyApplied: true });
        assert.deepEqual(calls, [], 'not even offered as a conflict');
        assert.deepEqual(await itemRows(db), [{ id: 1, name: 'edited since', qty: 1 }]);
      });
    });

    it('a batch read from another position than the recorded one is refused and changes nothing', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await apply(provider, items, [itemChange('insert', 1, 'one', 1)], { sourceScope: 'S', position: from(null, first) });
        await rejectsWithCode(
          apply(provider, items, [itemChange('insert', 2, 'two', 2)], { sourceScope: 'S', position: from(null, second) }),
          ErrorCode.PositionMoved,
          'a stale batch',
        );
        assert.deepEqual((await itemRows(db)).map((row) => row.id), [1]);
        assert.deepEqual([...(await provider.readPositions('S'))], [['items', first]]);
      });
    });

    it('a batch of no changes only moves the position, and resolve is still called once', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const { result, calls } = await apply(provider, items, [], { sourceScope: 'S', position: from(null, first) });
        assert.deepEqual(result, { applied: 0, alreadyApplied: false });
        assert.deepEqual(calls, [[]]);
        assert.deepEqual([...(await provider.readPositions('S'))], [['items', first]]);
      });
    });

    it('are gone after deprovision', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await apply(provider, items, [itemChange('insert', 1, 'one', 1)], { sourceScope: 'S', position: from(null, first) });
        await provider.deprovision();
        assert.deepEqual([...(await provider.readPositions('S'))], []);
      });
    });
  });

  describe('deletes and adopted changes', () => {
    it('a delete of a row this database never had leaves a tombstone with the delete\'s time that beats an older insert', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const olderInsert = itemChange('insert', 7, 'stale', 1);
        const deletion = { ...itemChange('delete', 7), changedAt: '2030-01-01T00:00:00.000000Z' };
        await apply(provider, items, [deletion], { sourceScope: 'A' });

        const tombstone = (await readAll(provider, items, { excludeScope: 'B' })).find((change) => change.values[0] === '7' || change.values[0] === 7);
        assert.equal(tombstone?.operation, 'delete', 'the delete is tracked although no row was deleted');
        assert.equal(tombstone?.changedAt, deletion.changedAt);
        assert.deepEqual((await readAll(provider, items, { excludeScope: 'A' })).length, 0, 'and never sent back to its source');

        const { calls } = await apply(provider, items, [olderInsert], { sourceScope: 'B', decide: () => false });
        assert.equal(calls[0]?.length, 1, 'the older insert from another source meets the tombstone');
        assert.equal(calls[0]?.[0]?.existing.operation, 'delete');
        assert.deepEqual(await itemRows(db), []);
      });
    });

    it('a newer delete takes over an existing tombstone: its scope, and the later time', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [[7, 'seven', 7]]);
        await db.exec('DELETE FROM "items" WHERE "id" = ?', [7]);
        const deletion = { ...itemChange('delete', 7), changedAt: '2030-01-01T00:00:00.000000Z' };
        await apply(provider, items, [deletion], { sourceScope: 'A' });
        assert.deepEqual(await readAll(provider, items, { excludeScope: 'A' }), [], 'the tombstone now belongs to A');
        const [tombstone] = await readAll(provider, items, { excludeScope: 'B' });
        assert.equal(tombstone?.changedAt, deletion.changedAt);
      });
    });

    it('a winning change that finds the row already as it says is adopted as the source\'s change', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [[1, 'same', 1]]);
        const { result } = await apply(provider, items, [itemChange('update', 1, 'same', 1)], { sourceScope: 'S' });
        assert.equal(result.applied, 0, 'nothing to write');
        assert.deepEqual(await readAll(provider, items, { excludeScope: 'S' }), [], 'no longer a local change for S to be offered');
        assert.equal((await readAll(provider, items, { excludeScope: 'T' })).length, 1, 'still a change for the others');
      });
    });

    it('the seen cursor tells seen from unseen changes exactly, also inside one stamp', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [
          [1, 'one', 1],
          [2, 'two', 2],
          [3, 'three', 3],
          [4, 'four', 4],
        ]);
        const local = await readAll(provider, items);
        assert.equal(local.length, 4);
        // The source has applied the first two of these local changes, in (stamp, key) order.
        const seen = cursorAfter(items, local.slice(0, 2));
        const incoming = [1, 2, 3, 4].map((id) => itemChange('update', id, `remote ${id}`, id));
        const { calls } = await apply(provider, items, incoming, { sourceScope: 'S', seen, decide: () => false });
        const offered = (calls[0] ?? []).map((candidate) => Number(candidate.incoming.values[0]));
        const unseen = local.slice(2).map((change) => Number(change.values[0]));
        assert.deepEqual(offered.sort(), unseen.sort());
      });
    });
  });
}
