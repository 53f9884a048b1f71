import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { completedCursor, encodeCursor, streamStart } from '../../src/engine/cursor.js';
import type { Change, TableSnapshot } from '../../src/engine/provider.js';
import type { ProviderHarness } from '../support/harness.js';
import { apply, byKey, compareStamps, comparableValues, insertRows, itemChange, itemRows, items, keyString, readAll, readerScope, tableNamed, withDb, withTwoDbs } from './fixtures.js';

/** The snapshot as a destination of another engine sees it: pages only. */
function pagesOnly(snapshot: TableSnapshot): TableSnapshot {
  return { engine: snapshot.engine, request: snapshot.request, pages: (pageSize) => snapshot.pages(pageSize) };
}

/** Changes with each stamp replaced by its rank: stamps of two databases differ, their order must not. */
function stampsAsRanks(changes: readonly Change[]): unknown[] {
  const ranks = [...new Set(changes.map((change) => change.stamp))].sort(compareStamps);
  return changes.map((change) => ({ ...change, stamp: ranks.indexOf(change.stamp), values: comparableValues(change.values) }));
}

/** changedTables (the no-op path) and bulkLoad (a table's first transfer into an empty table). */
export function describeBulk(harness: ProviderHarness): void {
  describe('changed tables and bulk load', () => {
    it('changedTables names exactly the tables readChanges would return a change for', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const other = tableNamed('other');
        for (const table of [items, other]) await provider.createTable(table);
        await provider.provision([items, other]);
        const before = (await provider.watermark()).stamp;
        await insertRows(db, items, [[1, 'local', 1]]);
        await apply(provider, other, [itemChange('insert', 2, 'applied', 2)], { sourceScope: 'S', position: null });
        const now = (await provider.watermark()).stamp;
        const fromStart = [items, other].map((table) => ({ table, after: streamStart }));

        const changed = async (request: { before: string; excludeScope: string; after?: string }) =>
          [...(await provider.changedTables({
            tables: request.after === undefined ? fromStart : fromStart.map((entry) => ({ ...entry, after: completedCursor(request.after as string) })),
            before: request.before,
            excludeScope: request.excludeScope,
          }))].sort();

        assert.deepEqual(await changed({ before: now, excludeScope: readerScope }), ['items', 'other']);
        assert.deepEqual(await changed({ before: now, excludeScope: 'S' }), ['items'], "the destination's own changes are not offered back");
        assert.deepEqual(await changed({ before, excludeScope: readerScope }), [], 'nothing below the earlier watermark');
        assert.deepEqual(await changed({ before: now, excludeScope: readerScope, after: now }), [], 'nothing after a cursor that covers all');
        assert.deepEqual([...(await provider.changedTables({ tables: [], before: now, excludeScope: readerScope }))], []);
      });
    });

    for (const form of ['as the engine offers it', 'as pages'] as const) {
      it(`bulkLoad fills an empty table with rows, tombstones and tracking rows of the source, and the position, in one go (${form})`, async () => {
        await withTwoDbs(harness, async (source, destination) => {
          for (const side of [source, destination]) {
            await side.provider.createTable(items);
            await side.provider.provision([items]);
          }
          await insertRows(source.db, items, [[1, 'one', 1], [2, 'two', 2], [3, 'three', 3], [4, 'four', 4], [5, 'five', 5]]);
          await source.db.exec('DELETE FROM "items" WHERE "id" = ?', [5]);
          const before = (await source.provider.watermark()).stamp;
          const sent = byKey(items, await readAll(source.provider, items, { before }));
          const offered = await source.provider.openSnapshot({ table: items, before, excludeScope: 'D' });
          const snapshot = form === 'as pages' ? pagesOnly(offered) : offered;
          const through = encodeCursor(completedCursor(before));

          const result = await destination.provider.bulkLoad({ table: items, snapshot, sourceScope: 'S', through, pageSize: 2 });

          assert.deepEqual(result, { applied: 4, alreadyApplied: false });
          assert.deepEqual((await itemRows(destination.db)).map((row) => Number(row.id)), [1, 2, 3, 4]);
          assert.deepEqual([...(await destination.provider.readPositions('S'))], [['items', through]]);
          assert.deepEqual(await readAll(destination.provider, items, { excludeScope: 'S' }), [], 'every loaded row carries the source scope');
          const tracked = byKey(items, await readAll(destination.provider, items));
          assert.deepEqual([...tracked.keys()].sort(), [...sent.keys()].sort(), 'a tracking row per change, the delete as a tombstone');
          for (const [key, change] of sent) {
            assert.equal(tracked.get(key)?.operation === 'delete', change.operation === 'delete', key);
            assert.equal(tracked.get(key)?.changedAt, change.changedAt, `the change time of ${key} is the source's`);
          }
          // The insert trigger is on again after the load: a local write is tracked under no scope.
          await insertRows(destination.db, items, [[6, 'local', 6]]);
          const local = await readAll(destination.provider, items, { excludeScope: 'S' });
          assert.deepEqual(local.map((change) => keyString(items, change.values)), [keyString(items, [6, null, null])]);
        });
      });
    }

    it('bulkLoad leaves the same rows and tracking rows whether the snapshot is read natively or as pages', async () => {
      await withDb(harness, async (source) => {
        await source.provider.createTable(items);
        await source.provider.provision([items]);
        await insertRows(source.db, items, [[1, 'one', 1], [2, 'two', 2], [3, 'three', 3], [4, 'four', null]]);
        await source.db.exec('UPDATE "items" SET "name" = ? WHERE "id" = ?', ['two, edited', 2]);
        await source.db.exec('DELETE FROM "items" WHERE "id" = ?', [3]);
        await apply(source.provider, items, [itemChange('insert', 5, 'from X', 5)], { sourceScope: 'X', position: null });
        // The destination's own change, which the stream leaves out (invariant 2).
        await apply(source.provider, items, [itemChange('insert', 6, 'from D', 6)], { sourceScope: 'D', position: null });
        const before = (await source.provider.watermark()).stamp;
        const through = encodeCursor(completedCursor(before));

        const loaded = async (form: (snapshot: TableSnapshot) => TableSnapshot) =>
          withDb(harness, async (destination) => {
            await destination.provider.createTable(items);
            await destination.provider.provision([items]);
            const snapshot = form(await source.provider.openSnapshot({ table: items, before, excludeScope: 'D' }));
            const result = await destination.provider.bulkLoad({ table: items, snapshot, sourceScope: 'S', through, pageSize: 2 });
            return { result, rows: await itemRows(destination.db), changes: stampsAsRanks(await readAll(destination.provider, items)) };
          });
        const native = await loaded((snapshot) => snapshot);
        const paged = await loaded(pagesOnly);

        assert.deepEqual(native, paged);
        assert.deepEqual(native.rows.map((row) => Number(row.id)), [1, 2, 4, 5]);
      });
    });

    it('bulkLoad changes nothing and returns null for a table that holds a row', async () => {
      await withTwoDbs(harness, async (source, destination) => {
        for (const side of [source, destination]) {
          await side.provider.createTable(items);
          await side.provider.provision([items]);
        }
        await insertRows(source.db, items, [[1, 'one', 1]]);
        await insertRows(destination.db, items, [[9, 'mine', 9]]);
        const before = (await source.provider.watermark()).stamp;
        const snapshot = await source.provider.openSnapshot({ table: items, before, excludeScope: 'D' });

        const result = await destination.provider.bulkLoad({ table: items, snapshot, sourceScope: 'S', through: encodeCursor(completedCursor(before)), pageSize: 10 });

        assert.equal(result, null);
        assert.deepEqual((await itemRows(destination.db)).map((row) => Number(row.id)), [9]);
        assert.deepEqual([...(await destination.provider.readPositions('S'))], []);
      });
    });
  });
}
