import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Change } from '../../src/engine/provider.js';
import type { ProviderHarness } from '../support/harness.js';
import { apply, byKey, comparableChange, insertRows, itemChange, items, keyString, pairs, q, readAll, readerScope, withDb } from './fixtures.js';

/** readRows: the current version of rows by primary key, what a retried failed record is delivered with. */
export function describeReadRows(harness: ProviderHarness): void {
  describe('reading rows by primary key', () => {
    it('returns the current version of each asked key exactly as readChanges does, and nothing for other keys', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [
          [1, 'one', 10],
          [2, 'two', 20],
          [3, 'three', 30],
        ]);
        await db.exec(`UPDATE ${q('items')} SET ${q('name')} = 'two again' WHERE ${q('id')} = 2`);
        await db.exec(`DELETE FROM ${q('items')} WHERE ${q('id')} = 3`);
        const streamed = byKey(items, await readAll(provider, items));
        const rows = await provider.readRows({ table: items, keys: [[2], [3], [99]], excludeScope: readerScope });
        assert.deepEqual(
          new Map(rows.map((row) => [keyString(items, row.values), row])),
          new Map([2, 3].map((id) => [keyString(items, [id, null, null]), streamed.get(keyString(items, [id, null, null]))])),
          'the updated row with its new values, the deleted one as a delete, no row for a key never written',
        );
        assert.deepEqual(rows.map(comparableChange).sort(byFirstValue), [
          { operation: 'update', values: [2, 'two again', 20] },
          { operation: 'delete', values: [3, null, null] },
        ]);
        assert.deepEqual(await provider.readRows({ table: items, keys: [], excludeScope: readerScope }), []);
      });
    });

    it('leaves out a version last written by the excluded scope: the destination has it', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await apply(provider, items, [itemChange('insert', 5, 'from A', 1)], { sourceScope: 'A' });
        assert.deepEqual(await provider.readRows({ table: items, keys: [[5]], excludeScope: 'A' }), []);
        const [row] = await provider.readRows({ table: items, keys: [[5]], excludeScope: readerScope });
        assert.deepEqual(row && comparableChange(row), { operation: 'insert', values: [5, 'from A', 1] });
      });
    });

    it('matches composite keys given in key order, column by column', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(pairs);
        await provider.provision([pairs]);
        await insertRows(db, pairs, [
          [1, 'x', 10],
          [2, 'x', 20],
          [1, 'y', 30],
        ]);
        // Key order is (b, a): ['x', 2] is a = 2, b = 'x'; ['y', 2] matches nothing.
        const rows: Change[] = await provider.readRows({ table: pairs, keys: [['x', 2], ['y', 2], ['y', 1]], excludeScope: readerScope });
        assert.deepEqual(rows.map(comparableChange).sort(byFirstValue).map((row) => row.values), [
          [1, 'y', 30],
          [2, 'x', 20],
        ]);
      });
    });
  });
}

function byFirstValue(left: { values: unknown }, right: { values: unknown }): number {
  return JSON.stringify(left.values).localeCompare(JSON.stringify(right.values));
}
