import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Provider } from '../../src/engine/provider.js';
import type { ProviderHarness } from '../support/harness.js';
import { apply, byKey, cursorBelow, insertRows, itemChange, itemRows, items, readAll, seenBelow, tableNamed, withDb } from './fixtures.js';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether the engine lets other writers work while an apply is in flight (read from a provider). */
async function concurrentApply(harness: ProviderHarness): Promise<boolean> {
  const db = await harness.createDatabase();
  try {
    const provider = await db.open();
    try {
      return provider.capabilities.concurrentApply;
    } finally {
      await provider.close();
    }
  } finally {
    await db.dispose();
  }
}

export function describeConcurrency(harness: ProviderHarness): void {
  describe('concurrency', () => {
    it('a sync that reads while an apply is in flight gets the applied rows from its next read (invariant 1)', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [[1, 'local', 1]]);
        const reader: Provider = await db.open();
        try {
          let mark: string | undefined;
          let firstRead: readonly { values: readonly unknown[] }[] = [];
          const applying = apply(provider, items, [itemChange('insert', 2, 'applied', 2), itemChange('insert', 3, 'applied', 3)], {
            sourceScope: 'A',
            seen: seenBelow((await provider.watermark()).stamp),
            decide: () => true,
          });
          // Meanwhile, with the apply's transaction open, another connection reads.
          await sleep(50);
          mark = (await reader.watermark()).stamp;
          firstRead = await readAll(reader, items, { before: mark, excludeScope: 'B' });
          await applying;
          const secondRead = await readAll(reader, items, { after: cursorBelow(mark), excludeScope: 'B' });
          const delivered = [...firstRead, ...secondRead].map((c) => c.values[0]).sort();
          assert.deepEqual([...new Set(delivered)], [1, 2, 3], 'every row reaches scope B across the two reads');
        } finally {
          await reader.close();
        }
      });
    });

    for (const sameTable of [false, true]) {
      const title = sameTable
        ? 'two applies to different keys of one table both commit (capabilities.concurrentApply)'
        : 'applies to two tables run at once and both commit (capabilities.concurrentApply)';
      it(title, async (t) => {
        if (!(await concurrentApply(harness))) {
          t.skip('the engine has one writer');
          return;
        }
        await withDb(harness, async ({ db, provider }) => {
          const other = sameTable ? items : tableNamed('items_too');
          await provider.createTable(items);
          if (!sameTable) await provider.createTable(other);
          await provider.provision(sameTable ? [items] : [items, other]);
          const second = await db.open();
          try {
            let inFlight = 0;
            let overlapped = false;
            const resolve = async (candidates: readonly unknown[]): Promise<boolean[]> => {
              inFlight += 1;
              if (inFlight === 2) overlapped = true;
              await sleep(300);
              inFlight -= 1;
              return candidates.map(() => true);
            };
            const [r1, r2] = await Promise.all([
              provider.applyChanges({ table: items, changes: [itemChange('insert', 1, 'one', 1)], sourceScope: 'A', seen: null,
 position: null, resolve }),
              second.applyChanges({ table: other, changes: [itemChange('insert', 2, 'two', 2)], sourceScope: 'B', seen: null,
 position: null, resolve }),
            ]);
            assert.equal(r1.applied + r2.applied, 2);
            // One table may serialise its applies (a table lock); different tables must not.
            if (!sameTable) assert.ok(overlapped, 'the two applies were in flight at the same time');
            const rows = sameTable ? await itemRows(db) : [...(await itemRows(db)), ...(await itemRows(db, other.name))];
            assert.deepEqual(rows, [
              { id: 1, name: 'one', qty: 1 },
              { id: 2, name: 'two', qty: 2 },
            ]);
          } finally {
            await second.close();
          }
        });
      });
    }

    it('a local write committed while an apply is deciding conflicts is never silently overwritten (invariant 6)', async (t) => {
      if (!(await concurrentApply(harness))) {
        t.skip('the engine has one writer: no local write can interleave with an apply');
        return;
      }
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [[1, 'original', 1]]);
        const mark = (await provider.watermark()).stamp;
        let localWrite: Promise<void> | undefined;
        let applyFailed = false;
        try {
          await provider.applyChanges({
            table: items,
            changes: [itemChange('update', 1, 'incoming', 2)],
            sourceScope: 'A',
            seen: seenBelow(mark),
            position: null,
            resolve: async (candidates) => {
              // The destination's user updates the same row now, from another connection.
              localWrite = db.exec('UPDATE "items" SET "name" = ?, "qty" = ? WHERE "id" = ?', ['local', 3, 1]);
              await Promise.race([localWrite, sleep(500)]);
              return candidates.map(() => true);
            },
          });
        } catch {
          applyFailed = true;
        }
        assert.ok(localWrite !== undefined, 'resolve was called');
        await localWrite;
        const rows = await itemRows(db);
        const toA = byKey(items, await readAll(provider, items, { excludeScope: 'A' }));
        // Either the local write came last (and is tracked for A), or the apply noticed it: a
        // conflict candidate would have needed a second resolve, so the apply must have failed.
        assert.deepEqual(rows, [{ id: 1, name: 'local', qty: 3 }], `the local write survives (apply failed: ${applyFailed})`);
        assert.deepEqual(toA.get('[1]')?.values, [1, 'local', 3], 'and is sent to A');
      });
    });
  });
}
