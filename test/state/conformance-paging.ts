import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/errors.js';
import { allPages, at, conflict, failure, rejectsWithCode, run, type StateStoreFactory, withStore } from './state-fixtures.js';

export function describePaging(factory: StateStoreFactory): void {
  describe('paging', () => {
    it('reads 250 runs 7 at a time: each once, newest first, no token after the last page', async () => {
      await withStore(factory, async (store) => {
        // Saved out of order so the order comes from startedAt, not from insertion.
        const order = Array.from({ length: 250 }, (_, index) => (index * 97) % 250);
        for (const index of order) await store.saveRun(run(`run-${index}`, at(index)));
        await store.saveRun({ ...run('elsewhere', at(100)), group: 'other' });

        const pages = await allPages((page) => store.listRuns('retail', page), 7);
        assert.ok(pages.slice(0, -1).every((page) => page.length > 0), 'only the last page may be empty');
        assert.ok(pages.length >= 36, `250 items at most 7 a page take 36 pages or more, got ${pages.length}`);
        assert.deepEqual(
          pages.flat().map((entry) => entry.runId),
          Array.from({ length: 250 }, (_, index) => `run-${249 - index}`),
        );
      });
    });

    it('pages conflicts and failures oldest first, ties in insertion order', async () => {
      await withStore(factory, async (store) => {
        const ids = Array.from({ length: 30 }, (_, index) => `c${index}`);
        // Three to a second, written newest second first: order must come from the times.
        for (let second = 9; second >= 0; second -= 1) {
          await store.recordConflicts(ids.slice(second * 3, second * 3 + 3).map((id) => conflict(id, at(second))));
          for (const id of ids.slice(second * 3, second * 3 + 3)) await store.recordFailure(failure(id, at(second)));
        }
        const conflicts = await allPages((page) => store.listConflicts('retail', page), 4);
        assert.deepEqual(conflicts.flat().map((entry) => entry.id), ids);
        const failures = await allPages((page) => store.listFailures('retail', page), 4);
        assert.deepEqual(failures.flat().map((entry) => entry.id), ids);
      });
    });

    it('returns at most 100 items when no limit is given', async () => {
      await withStore(factory, async (store) => {
        await store.recordConflicts(Array.from({ length: 120 }, (_, index) => conflict(`c${index}`, at(index))));
        const first = await store.listConflicts('retail');
        assert.ok(first.items.length > 0 && first.items.length <= 100, `got ${first.items.length}`);
        assert.notEqual(first.continuationToken, null);
      });
    });

    it('refuses a continuation token it did not hand out', async () => {
      await withStore(factory, async (store) => {
        await rejectsWithCode(store.listRuns('retail', { continuationToken: 'not a token' }), ErrorCode.InvalidContinuationToken);
      });
    });
  });
}
