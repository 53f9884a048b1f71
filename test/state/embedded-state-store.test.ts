import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointKey, ConflictRecord, FailedRecord, RunRecord } from '../../src/engine/state-store.js';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import { openEmbeddedStateStore } from '../../src/state/embedded-state-store.js';

const upload: CheckpointKey = { group: 'retail', member: 'store1', table: 'orders', direction: 'upload' };

function conflict(id: string, detectedAt: string, winner = 'hub'): ConflictRecord {
  return {
    id,
    group: 'retail',
    table: 'orders',
    runId: 'run-1',
    member: 'store1',
    key: { id: 7 },
    kind: 'update/update',
    policy: 'hubWins',
    winner,
    winning: { node: 'hub', operation: 'update', values: { id: 7, total: '12.50' }, changedAt: '2026-01-01T00:00:01.000001Z' },
    losing: { node: 'store1', operation: 'update', values: { id: 7, total: '9.99' }, changedAt: '2026-01-01T00:00:00.000001Z' },
    detectedAt,
    reappliedAt: null,
  };
}

function run(runId: string, startedAt: string, status: RunRecord['status'] = 'succeeded'): RunRecord {
  return {
    group: 'retail',
    runId,
    status,
    startedAt,
    finishedAt: null,
    members: [{ name: 'store1', uploaded: 1, downloaded: 2, conflicts: 0, failed: 0 }],
    error: null,
  };
}

describe('embedded state store', () => {
  let folder: string;
  let path: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'hubsync-state-'));
    path = join(folder, 'nested', '.hubsync', 'retail.state.db');
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('creates its folders and file on first use', async () => {
    const store = await openEmbeddedStateStore(path);
    await store.close();
    assert.ok(existsSync(path));
  });

  it('saves, replaces and clears checkpoints, with binary and non-finite keys intact', async () => {
    const store = await openEmbeddedStateStore(path);
    try {
      assert.equal(await store.getCheckpoint(upload), null);
      await store.compareAndSetCheckpoint(upload, await store.getCheckpoint(upload), { stamp: '5', key: null });
      const key = ['9007199254740993', new Uint8Array([0, 255, 7]), Number.NEGATIVE_INFINITY, true, null, 1.5];
      await store.compareAndSetCheckpoint(upload, await store.getCheckpoint(upload), { stamp: '12', key });
      await store.compareAndSetCheckpoint({ ...upload, direction: 'download' }, null, { stamp: '3', key: null });
      await store.compareAndSetCheckpoint({ ...upload, group: 'other' }, null, { stamp: '4', key: null });

      assert.deepEqual(await store.getCheckpoint(upload), { stamp: '12', key });
      assert.deepEqual(await store.getCheckpoint({ ...upload, direction: 'download' }), { stamp: '3', key: null });

      await store.resetCheckpoints('retail');
      assert.equal(await store.getCheckpoint(upload), null);
      assert.equal(await store.getCheckpoint({ ...upload, direction: 'download' }), null);
      assert.deepEqual(await store.getCheckpoint({ ...upload, group: 'other' }), { stamp: '4', key: null });
    } finally {
      await store.close();
    }
  });

  it('records conflicts, replaces them by id, lists, gets and marks them re-applied', async () => {
    const store = await openEmbeddedStateStore(path);
    try {
      await store.recordConflicts([conflict('b', '2026-01-01T00:00:02Z')]);
      await store.recordConflicts([conflict('a', '2026-01-01T00:00:01Z')]);
      await store.recordConflicts([conflict('b', '2026-01-01T00:00:02Z', 'store1')]);
      await store.recordConflicts([{ ...conflict('a', '2026-01-01T00:00:01Z'), group: 'other' }]);

      const listed = (await store.listConflicts('retail')).items;
      assert.deepEqual(listed.map((entry) => entry.id), ['a', 'b']);
      assert.equal(listed[1]?.winner, 'store1');
      assert.deepEqual(await store.getConflict('retail', 'a'), conflict('a', '2026-01-01T00:00:01Z'));
      assert.equal(await store.getConflict('retail', 'missing'), null);

      await store.markConflictReapplied('retail', 'a', '2026-01-02T00:00:00Z');
      assert.equal((await store.getConflict('retail', 'a'))?.reappliedAt, '2026-01-02T00:00:00Z');
      assert.equal((await store.getConflict('other', 'a'))?.reappliedAt, null);
      await store.recordConflicts([conflict('a', '2026-01-03T00:00:00Z')]);
      assert.equal(
        (await store.getConflict('retail', 'a'))?.reappliedAt,
        '2026-01-02T00:00:00Z',
        'logging the same conflict again (a replayed batch) keeps the re-apply mark',
      );
      await assert.rejects(store.markConflictReapplied('retail', 'missing', '2026-01-02T00:00:00Z'), (error: unknown) => {
        assert.ok(error instanceof HubsyncError);
        assert.equal(error.code, ErrorCode.NotFound);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('records failures and replaces them by id', async () => {
    const store = await openEmbeddedStateStore(path);
    const failure: FailedRecord = {
      id: 'f1',
      group: 'retail',
      table: 'orders',
      runId: 'run-1',
      member: 'store1',
      direction: 'download',
      key: { id: 8 },
      operation: 'insert',
      values: { id: 8, total: 'abc' },
      error: 'value too long',
      failedAt: '2026-01-01T00:00:00Z',
    };
    try {
      await store.recordFailure(failure);
      await store.recordFailure({ ...failure, error: 'check constraint' });
      assert.deepEqual((await store.listFailures('retail')).items, [{ ...failure, error: 'check constraint' }]);
      assert.deepEqual((await store.listFailures('other')).items, []);
    } finally {
      await store.close();
    }
  });

  it('lists runs newest first, replaced by run id, up to the limit', async () => {
    const store = await openEmbeddedStateStore(path);
    try {
      await store.saveRun(run('r1', '2026-01-01T00:00:00Z', 'running'));
      await store.saveRun(run('r3', '2026-01-03T00:00:00Z'));
      await store.saveRun(run('r2', '2026-01-02T00:00:00Z'));
      await store.saveRun(run('r1', '2026-01-01T00:00:00Z', 'failed'));
      await store.saveRun({ ...run('r9', '2026-01-09T00:00:00Z'), group: 'other' });

      const all = (await store.listRuns('retail', { limit: 10 })).items;
      assert.deepEqual(all.map((entry) => entry.runId), ['r3', 'r2', 'r1']);
      assert.equal(all[2]?.status, 'failed');
      assert.deepEqual((await store.listRuns('retail', { limit: 2 })).items.map((entry) => entry.runId), ['r3', 'r2']);
    } finally {
      await store.close();
    }
  });

  it('keeps everything across close and reopen', async () => {
    const first = await openEmbeddedStateStore(path);
    await first.compareAndSetCheckpoint(upload, await first.getCheckpoint(upload), { stamp: '77', key: [1, 'x'] });
    await first.close();

    const second = await openEmbeddedStateStore(path);
    try {
      assert.deepEqual(await second.getCheckpoint(upload), { stamp: '77', key: [1, 'x'] });
      assert.equal((await second.listConflicts('retail')).items.length, 2);
      assert.equal((await second.listFailures('retail')).items.length, 1);
      assert.equal((await second.listRuns('retail')).items.length, 3);
    } finally {
      await second.close();
    }
  });

  it('refuses a file that is not a state store', async () => {
    const notADatabase = join(folder, 'config.json');
    await writeFile(notADatabase, '{"name": "retail"} and more text than a SQLite header');
    await assert.rejects(openEmbeddedStateStore(notADatabase), /cannot open state file/);
  });
});
