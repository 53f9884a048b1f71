import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { at, conflict, failure, run, type StateStoreFactory, withStore } from './state-fixtures.js';

/** About `megabytes` MB of text whose every piece is multi-byte or a surrogate pair somewhere. */
function bigText(megabytes: number): string {
  const piece = 'ação-😀-漢字-';
  return piece.repeat(Math.ceil((megabytes * 1_000_000) / Buffer.byteLength(piece)));
}

export function describeLargeRecords(factory: StateStoreFactory): void {
  describe('large records', () => {
    it('keeps a conflict with a 3 MB string and a 1 MB binary whole, and replaces it with a small one', async () => {
      await withStore(factory, async (store) => {
        const big = conflict('big', at(1), {
          winning: { node: 'hub', operation: 'update', values: { id: 7, photo: randomBytes(1_000_000).toString('base64') }, changedAt: at(1) },
          losing: { node: 'store1', operation: 'update', values: { id: 7, notes: bigText(3) }, changedAt: at(0) },
        });
        await store.recordConflicts([conflict('small', at(0)), big, conflict('after', at(2))]);
        assert.deepEqual(await store.getConflict('retail', 'big'), big);
        assert.deepEqual((await store.listConflicts('retail')).items, [conflict('small', at(0)), big, conflict('after', at(2))]);

        await store.markConflictReapplied('retail', 'big', at(9));
        assert.deepEqual(await store.getConflict('retail', 'big'), { ...big, reappliedAt: at(9) });

        await store.recordConflicts([conflict('big', at(1))]);
        assert.deepEqual(await store.getConflict('retail', 'big'), { ...conflict('big', at(1)), reappliedAt: at(9) });
        assert.equal((await store.listConflicts('retail')).items.length, 3);
      });
    });

    it('keeps a 2 MB failed record and a run with many members whole', async () => {
      await withStore(factory, async (store) => {
        const rejected = failure('f', at(1), { values: { id: 8, body: bigText(2) } });
        await store.recordFailure(rejected);
        assert.deepEqual((await store.listFailures('retail')).items, [rejected]);

        const members = Array.from({ length: 5000 }, (_, index) => ({
          name: `store-${index}-${'x'.repeat(100)}`,
          uploaded: index,
          downloaded: index,
          conflicts: 0,
          failed: 0,
        }));
        const many = run('r', at(1), { members });
        await store.saveRun(many);
        assert.deepEqual(await store.getRun('retail', 'r'), many);
        assert.deepEqual((await store.listRuns('retail')).items, [many]);
      });
    });
  });
}
