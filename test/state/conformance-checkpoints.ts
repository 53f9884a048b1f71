import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cursor } from '../../src/engine/provider.js';
import type { CheckpointEntry, CheckpointKey } from '../../src/engine/state-store.js';
import { type StateStoreFactory, upload, withStore } from './state-fixtures.js';

/** Every kind of value a cursor key holds, including those JSON has no form for. */
const awkwardKey: Cursor['key'] = [
  '9007199254740993',
  new Uint8Array([0, 255, 7, 128]),
  Number.NEGATIVE_INFINITY,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  true,
  null,
  1.5,
  'ação 😀 / # ? \\',
];

function byKey(entries: readonly CheckpointEntry[]): CheckpointEntry[] {
  const text = (key: CheckpointKey): string => [key.member, key.table, key.direction].join('\u0000');
  return [...entries].sort((a, b) => (text(a.key) < text(b.key) ? -1 : 1));
}

export function describeCheckpoints(factory: StateStoreFactory): void {
  describe('checkpoints', () => {
    it('sets a checkpoint only from the value it currently has', async () => {
      await withStore(factory, async (store) => {
        assert.equal(await store.getCheckpoint(upload), null);
        assert.equal(await store.compareAndSetCheckpoint(upload, null, { stamp: '5', key: null }), true, 'set from none');
        assert.equal(
          await store.compareAndSetCheckpoint(upload, null, { stamp: '3', key: null }),
          false,
          'a writer that saw none loses once one is saved',
        );
        assert.equal(await store.compareAndSetCheckpoint(upload, { stamp: '5', key: null }, { stamp: '9', key: [1] }), true);
        assert.equal(
          await store.compareAndSetCheckpoint(upload, { stamp: '5', key: null }, { stamp: '7', key: null }),
          false,
          'a stale expected value loses',
        );
        assert.equal(
          await store.compareAndSetCheckpoint(upload, { stamp: '9', key: [2] }, { stamp: '7', key: null }),
          false,
          'the key is part of the value compared',
        );
        assert.deepEqual(await store.getCheckpoint(upload), { stamp: '9', key: [1] }, 'the losers left it as it was');
      });
    });

    it('keeps binary, int64 and non-finite cursor keys exactly, and compares them exactly', async () => {
      await withStore(factory, async (store) => {
        assert.equal(await store.compareAndSetCheckpoint(upload, null, { stamp: '12', key: awkwardKey }), true);
        const saved = await store.getCheckpoint(upload);
        assert.deepEqual(saved, { stamp: '12', key: awkwardKey });
        assert.ok(saved);

        const otherByte = awkwardKey?.map((value) => (value instanceof Uint8Array ? new Uint8Array([0, 255, 7, 129]) : value)) ?? null;
        assert.equal(await store.compareAndSetCheckpoint(upload, { stamp: '12', key: otherByte }, { stamp: '13', key: null }), false);
        assert.equal(await store.compareAndSetCheckpoint(upload, saved, { stamp: '13', key: null }), true, 'the value read back compares equal');
        assert.deepEqual(await store.getCheckpoint(upload), { stamp: '13', key: null });
      });
    });

    it('lets exactly one of two writers that read the same value win', async () => {
      await withStore(factory, async (store) => {
        const fromNone = await Promise.all([
          store.compareAndSetCheckpoint(upload, null, { stamp: '10', key: null }),
          store.compareAndSetCheckpoint(upload, null, { stamp: '20', key: null }),
        ]);
        assert.deepEqual(fromNone.filter(Boolean).length, 1, `exactly one wins from none: ${fromNone.join()}`);
        const first = fromNone[0] === true ? '10' : '20';
        assert.deepEqual(await store.getCheckpoint(upload), { stamp: first, key: null }, 'the winner is what is stored');

        const expected: Cursor = { stamp: first, key: null };
        const fromSame = await Promise.all(
          ['30', '40', '50'].map((stamp) => store.compareAndSetCheckpoint(upload, expected, { stamp, key: null })),
        );
        assert.equal(fromSame.filter(Boolean).length, 1, `exactly one of three wins: ${fromSame.join()}`);
        const winner = ['30', '40', '50'][fromSame.indexOf(true)];
        assert.deepEqual(await store.getCheckpoint(upload), { stamp: winner, key: null });
      });
    });

    it('keeps each (group, member, table, direction) apart', async () => {
      await withStore(factory, async (store) => {
        const keys: CheckpointKey[] = [
          upload,
          { ...upload, direction: 'download' },
          { ...upload, member: 'store10' },
          { ...upload, table: 'orders/lines' },
          { ...upload, group: 'retail/eu' },
        ];
        for (const [index, key] of keys.entries()) {
          assert.equal(await store.compareAndSetCheckpoint(key, null, { stamp: String(index), key: null }), true);
        }
        for (const [index, key] of keys.entries()) assert.deepEqual(await store.getCheckpoint(key), { stamp: String(index), key: null });
      });
    });

    it('lists the checkpoints of one group with their cursors and times', async () => {
      await withStore(factory, async (store) => {
        const before = Date.now();
        await store.compareAndSetCheckpoint(upload, null, { stamp: '5', key: ['a', 1] });
        await store.compareAndSetCheckpoint({ ...upload, direction: 'download' }, null, { stamp: '6', key: null });
        await store.compareAndSetCheckpoint({ ...upload, group: 'other' }, null, { stamp: '7', key: null });
        const entries = byKey(await store.listCheckpoints('retail'));
        assert.deepEqual(
          entries.map(({ key, cursor }) => ({ key, cursor })),
          [
            { key: { ...upload, direction: 'download' }, cursor: { stamp: '6', key: null } },
            { key: upload, cursor: { stamp: '5', key: ['a', 1] } },
          ],
        );
        for (const entry of entries) {
          assert.ok(Date.parse(entry.updatedAt) >= before - 1000, `updatedAt is the time of the write: ${entry.updatedAt}`);
        }
        assert.deepEqual(await store.listCheckpoints('nobody'), []);
      });
    });

    it('resets a whole group, one member, one table, or one member’s table, leaving the rest', async () => {
      await withStore(factory, async (store) => {
        const members = ['store', 'store1'];
        const tables = ['orders', 'orders_archive'];
        const seed = async (): Promise<void> => {
          for (const group of ['retail', 'retail2']) {
            for (const member of members) {
              for (const table of tables) {
                const key: CheckpointKey = { group, member, table, direction: 'upload' };
                await store.compareAndSetCheckpoint(key, await store.getCheckpoint(key), { stamp: '1', key: null });
              }
            }
          }
        };
        const left = async (group: string): Promise<string[]> =>
          (await store.listCheckpoints(group)).map(({ key }) => `${key.member}.${key.table}`).sort();

        await seed();
        await store.resetCheckpoints('retail', { member: 'store' });
        assert.deepEqual(await left('retail'), ['store1.orders', 'store1.orders_archive'], 'a member whose name starts another stays');
        assert.equal((await left('retail2')).length, 4, 'other groups keep theirs');

        await seed();
        await store.resetCheckpoints('retail', { table: 'orders' });
        assert.deepEqual(await left('retail'), ['store.orders_archive', 'store1.orders_archive']);

        await seed();
        await store.resetCheckpoints('retail', { member: 'store1', table: 'orders_archive' });
        assert.deepEqual(await left('retail'), ['store.orders', 'store.orders_archive', 'store1.orders']);

        await seed();
        await store.resetCheckpoints('retail');
        assert.deepEqual(await left('retail'), []);
        assert.equal((await left('retail2')).length, 4);
        assert.equal(await store.getCheckpoint({ group: 'retail', member: 'store', table: 'orders', direction: 'upload' }), null);
      });
    });
  });
}
