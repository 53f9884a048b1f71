import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExportFailure, ExportRunRecord, ExportStateStore } from '../../src/export/export-state.js';

/** One suite for every ExportStateStore: the embedded file the CLI uses and Table storage. */
export function exportStateConformance(name: string, open: () => Promise<ExportStateStore>): void {
  describe(`export state store conformance: ${name}`, () => {
    const failure = (id: string, failedAt: string, table = 'account'): ExportFailure => ({
      id,
      profile: 'p',
      table,
      key: { id: Number(id.replace(/\D/g, '')) },
      operation: 'update',
      stamp: '10',
      error: 'rejected',
      status: 'retrying',
      attempts: 1,
      nextAttemptAt: failedAt,
      firstFailedAt: failedAt,
      failedAt,
    });
    const run = (runId: string, startedAt: string): ExportRunRecord => ({
      profile: 'p',
      runId,
      kind: 'run',
      status: 'succeeded',
      startedAt,
      finishedAt: startedAt,
      tables: [],
      error: null,
    });

    it('keeps one state per table, replaced by the next save, listed by table name', async () => {
      const store = await open();
      await store.saveTable({ profile: 'p', table: 'b', rowsExported: 1, checkpoint: null, lastSuccessAt: null, stoppedReason: null });
      await store.saveTable({ profile: 'p', table: 'a', rowsExported: 2, checkpoint: { stamp: '5', key: [1, 'x'] }, lastSuccessAt: null, stoppedReason: null });
      await store.saveTable({ profile: 'p', table: 'b', rowsExported: 3, checkpoint: { stamp: '7', key: null }, lastSuccessAt: '2026-01-01T00:00:00.000Z', stoppedReason: null });
      await store.saveTable({ profile: 'other', table: 'z', rowsExported: 9, checkpoint: null, lastSuccessAt: null, stoppedReason: null });
      const tables = await store.listTables('p');
      assert.deepEqual(tables.map((entry) => [entry.table, entry.rowsExported]), [['a', 2], ['b', 3]]);
      assert.deepEqual(tables[0]?.checkpoint, { stamp: '5', key: [1, 'x'] });
      await store.close();
    });

    it('keeps failed records by id, lists them oldest first within a time range and by table, removes and purges', async () => {
      const store = await open();
      await store.saveFailure(failure('f2', '2026-01-02T00:00:00.000Z'));
      await store.saveFailure(failure('f1', '2026-01-01T00:00:00.000Z', 'contact'));
      await store.saveFailure(failure('f3', '2026-01-03T00:00:00.000Z'));
      await store.saveFailure({ ...failure('f2', '2026-01-04T00:00:00.000Z'), status: 'failed', attempts: 2 });
      assert.deepEqual((await store.listFailures('p')).map((entry) => [entry.id, entry.attempts]), [['f1', 1], ['f3', 1], ['f2', 2]]);
      assert.deepEqual((await store.listFailures('p', { from: '2026-01-02T00:00:00.000Z', to: '2026-01-04T00:00:00.000Z' })).map((entry) => entry.id), ['f3']);
      assert.deepEqual((await store.listFailures('p', { tables: ['contact'] })).map((entry) => entry.id), ['f1']);
      await store.removeFailure('p', 'f3');
      assert.equal(await store.purgeFailures('p', '2026-01-02T00:00:00.000Z'), 1);
      assert.deepEqual((await store.listFailures('p')).map((entry) => entry.id), ['f2']);
      await store.close();
    });

    it('lists runs newest first, at most as many as asked', async () => {
      const store = await open();
      await store.saveRun(run('r1', '2026-01-01T00:00:00.000Z'));
      await store.saveRun(run('r3', '2026-01-03T00:00:00.000Z'));
      await store.saveRun(run('r2', '2026-01-02T00:00:00.000Z'));
      await store.saveRun({ ...run('r1', '2026-01-01T00:00:00.000Z'), status: 'failed', error: 'down' });
      assert.deepEqual((await store.listRuns('p', 2)).map((entry) => entry.runId), ['r3', 'r2']);
      assert.equal((await store.listRuns('p', 5)).find((entry) => entry.runId === 'r1')?.status, 'failed');
      await store.close();
    });

    it('returns latency samples of one table since a time, and prunes old ones', async () => {
      const store = await open();
      await store.addLatency('p', [
        { table: 'a', at: '2026-01-01T00:00:00.000Z', ms: 100 },
        { table: 'b', at: '2026-01-01T00:00:00.000Z', ms: 999 },
      ]);
      await store.addLatency('p', [
        { table: 'a', at: '2026-01-01T01:00:00.000Z', ms: 200 },
        { table: 'a', at: '2026-01-01T01:00:00.000Z', ms: 300 },
      ]);
      assert.deepEqual((await store.listLatency('p', 'a', '2026-01-01T00:30:00.000Z')).sort(), [200, 300]);
      await store.pruneLatency('p', '2026-01-01T00:30:00.000Z');
      assert.deepEqual((await store.listLatency('p', 'a', '')).sort(), [200, 300]);
      assert.deepEqual(await store.listLatency('p', 'b', ''), []);
      await store.close();
    });
  });
}
