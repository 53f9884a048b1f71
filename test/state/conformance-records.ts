import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailedRecord } from '../../src/engine/state-store.js';
import { ErrorCode } from '../../src/errors.js';
import { at, conflict, failure, rejectsWithCode, run, type StateStoreFactory, withStore } from './state-fixtures.js';

export function describeRecords(factory: StateStoreFactory): void {
  describe('conflicts', () => {
    it('inserts a batch, replaces by id, lists oldest first and gets one', async () => {
      await withStore(factory, async (store) => {
        await store.recordConflicts([conflict('c', at(2)), conflict('a', at(1)), conflict('b', at(2))]);
        await store.recordConflicts([conflict('c', at(2), { winner: 'store1' }), conflict('d', at(0))]);
        await store.recordConflicts([]);
        const { items, continuationToken } = await store.listConflicts('retail');
        assert.deepEqual(
          items.map((entry) => entry.id),
          ['d', 'a', 'c', 'b'],
          'by detectedAt, then by first insertion (a replaced entry keeps its place)',
        );
        assert.equal(continuationToken, null);
        assert.deepEqual(await store.getConflict('retail', 'c'), conflict('c', at(2), { winner: 'store1' }));
        assert.equal(await store.getConflict('retail', 'missing'), null);
      });
    });

    it('marks a conflict re-applied, and a replayed batch keeps the mark', async () => {
      await withStore(factory, async (store) => {
        await store.recordConflicts([conflict('a', at(1)), conflict('b', at(1))]);
        await store.markConflictReapplied('retail', 'a', at(50));
        assert.equal((await store.getConflict('retail', 'a'))?.reappliedAt, at(50));
        assert.equal((await store.getConflict('retail', 'b'))?.reappliedAt, null);

        await store.recordConflicts([conflict('a', at(1), { kind: 'update/delete' }), conflict('b', at(1), { kind: 'update/delete' })]);
        const replayed = await store.getConflict('retail', 'a');
        assert.equal(replayed?.reappliedAt, at(50), 'logging the same conflict again keeps the re-apply mark');
        assert.equal(replayed?.kind, 'update/delete', 'and takes the rest of the new record');
        assert.equal((await store.getConflict('retail', 'b'))?.reappliedAt, null);
      });
    });

    it('refuses to mark a conflict that does not exist (HS_NOT_FOUND)', async () => {
      await withStore(factory, async (store) => {
        await store.recordConflicts([{ ...conflict('a', at(1)), group: 'other' }]);
        await rejectsWithCode(store.markConflictReapplied('retail', 'a', at(2)), ErrorCode.NotFound);
        assert.equal((await store.getConflict('other', 'a'))?.reappliedAt, null);
      });
    });
  });

  describe('failed records', () => {
    it('inserts, replaces by id and lists oldest first', async () => {
      await withStore(factory, async (store) => {
        await store.recordFailure(failure('f2', at(5)));
        await store.recordFailure(failure('f1', at(3)));
        await store.recordFailure(failure('f3', at(5)));
        await store.recordFailure(failure('f2', at(5), { error: 'check constraint' }));
        assert.deepEqual((await store.listFailures('retail')).items, [
          failure('f1', at(3)),
          failure('f2', at(5), { error: 'check constraint' }),
          failure('f3', at(5)),
        ]);
        assert.deepEqual(await store.listFailures('other'), { items: [], continuationToken: null });
      });
    });

    it('updates a stored record through `update` instead of adding another, keeping its place', async () => {
      await withStore(factory, async (store) => {
        const again = (stored: FailedRecord): FailedRecord => ({ ...stored, attempts: stored.attempts + 1, lastError: 'still too long', lastAttemptAt: at(9) });
        await store.recordFailure(failure('f1', at(3)), again);
        await store.recordFailure(failure('f2', at(4)));
        await store.recordFailure(failure('f1', at(8), { error: 'ignored: the record exists' }), again);
        const expected = failure('f1', at(3), { attempts: 2, lastError: 'still too long', lastAttemptAt: at(9) });
        assert.deepEqual((await store.listFailures('retail')).items, [expected, failure('f2', at(4))]);
        assert.deepEqual(await store.getFailure('retail', 'f1'), expected);
        assert.equal(await store.getFailure('retail', 'missing'), null);
        assert.equal(await store.getFailure('other', 'f1'), null);
      });
    });

    it('loses no attempt when several writers update one record at once', async () => {
      await withStore(factory, async (store) => {
        const again = (stored: FailedRecord): FailedRecord => ({ ...stored, attempts: stored.attempts + 1 });
        await store.recordFailure(failure('f', at(1)));
        await Promise.all(Array.from({ length: 5 }, () => store.recordFailure(failure('f', at(1)), again)));
        assert.equal((await store.getFailure('retail', 'f'))?.attempts, 6);
      });
    });

    it('clears a record once, and only in its group', async () => {
      await withStore(factory, async (store) => {
        await store.recordFailure(failure('f1', at(1)));
        await store.recordFailure(failure('f2', at(2)));
        await store.recordFailure({ ...failure('f1', at(1)), group: 'other' });
        assert.equal(await store.clearFailure('retail', 'f1'), true);
        assert.equal(await store.clearFailure('retail', 'f1'), false);
        assert.deepEqual((await store.listFailures('retail')).items, [failure('f2', at(2))]);
        assert.equal((await store.listFailures('other')).items.length, 1);
        await store.recordFailure(failure('f1', at(5)));
        assert.deepEqual((await store.getFailure('retail', 'f1'))?.failedAt, at(5), 'a cleared record can fail again as a new one');
      });
    });
  });

  describe('runs', () => {
    it('saves, replaces by run id, gets one and lists newest first', async () => {
      await withStore(factory, async (store) => {
        await store.saveRun(run('r1', at(1), { status: 'running' }));
        await store.saveRun(run('r3', at(3)));
        await store.saveRun(run('r2', at(2)));
        await store.saveRun(run('r2b', at(2)));
        const finished = run('r1', at(1), { status: 'failed', finishedAt: at(9), error: 'hub went away', notices: ['held back'] });
        await store.saveRun(finished);

        assert.deepEqual(await store.getRun('retail', 'r1'), finished);
        assert.equal(await store.getRun('retail', 'r4'), null);
        assert.equal(await store.getRun('other', 'r1'), null);
        const { items } = await store.listRuns('retail');
        assert.deepEqual(
          items.map((entry) => entry.runId),
          ['r3', 'r2b', 'r2', 'r1'],
          'by startedAt, newest first, then by last insertion',
        );
        assert.deepEqual(items[3], finished);
      });
    });
  });

  describe('isolation between groups', () => {
    it('keeps conflicts, failures, runs and checkpoints of groups apart, whatever their names hold', async () => {
      await withStore(factory, async (store) => {
        const groups = ['retail', 'retail/eu', 'retail#1', 'retail?x', 'retail\\y', 'retail\tz', 'ret'];
        for (const [index, group] of groups.entries()) {
          await store.recordConflicts([{ ...conflict('same', at(index)), group }]);
          await store.recordFailure({ ...failure('same', at(index)), group });
          await store.saveRun({ ...run('same', at(index)), group });
          await store.compareAndSetCheckpoint({ group, member: 'm', table: 't', direction: 'upload' }, null, {
            stamp: String(index),
            key: null,
          });
        }
        for (const [index, group] of groups.entries()) {
          assert.deepEqual((await store.listConflicts(group)).items, [{ ...conflict('same', at(index)), group }], group);
          assert.deepEqual((await store.listFailures(group)).items, [{ ...failure('same', at(index)), group }], group);
          assert.deepEqual((await store.listRuns(group)).items, [{ ...run('same', at(index)), group }], group);
          assert.deepEqual(
            (await store.listCheckpoints(group)).map((entry) => entry.cursor),
            [{ stamp: String(index), key: null }],
            group,
          );
        }
        await store.resetCheckpoints('ret');
        assert.equal((await store.listCheckpoints('retail')).length, 1, 'resetting a group whose name starts another leaves it');
      });
    });
  });
}
