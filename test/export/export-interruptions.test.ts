import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { ExportContext } from '../../src/export/export-context.js';
import { runExport } from '../../src/export/export-run.js';
import type { ExportStateStore } from '../../src/export/export-state.js';
import type { ExportTarget, ReplicaBatch } from '../../src/export/export-target.js';
import { ExportFixture } from './export-fixture.js';

type Item = {
  readonly id: number;
  readonly label: string;
};

/** A target whose apply commits, then loses its reply on call number `failing` (counted from 1). */
function losingReply(target: ExportTarget, failing: number): ExportTarget {
  let calls = 0;
  const wrapped = Object.create(target) as ExportTarget;
  wrapped.apply = async (batch: ReplicaBatch) => {
    const result = await target.apply(batch);
    calls += 1;
    if (calls === failing) throw new Error('connection reset after commit');
    return result;
  };
  return wrapped;
}

/** A state store that fails on saving table state number `failing`: the crash between the destination's commit and the copy. */
function failingCheckpoint(state: ExportStateStore, failing: number): ExportStateStore {
  let calls = 0;
  const wrapped = Object.create(state) as ExportStateStore;
  wrapped.saveTable = async (entry) => {
    calls += 1;
    if (calls === failing) throw new Error('killed before the checkpoint copy');
    return state.saveTable(entry);
  };
  return wrapped;
}

describe('export profile: interruptions never resurrect a delete nor duplicate one', () => {
  let fixture: ExportFixture;
  const items = (): Promise<Item[]> => fixture.destination.query<Item>('SELECT id, label FROM item ORDER BY id');
  const sourceItems = (): Promise<Item[]> => fixture.source.query<Item>('SELECT id, label FROM item ORDER BY id');

  before(async () => {
    fixture = await ExportFixture.create(
      { source: 'postgres', destination: 'postgres' },
      { tables: [{ name: 'item' }], writeDeleteLog: true, batchSize: 2 },
    );
    await fixture.source.exec('CREATE TABLE item (id integer PRIMARY KEY, label text)');
    await fixture.source.exec(`INSERT INTO item SELECT i, 'v' || i FROM generate_series(1, 6) i`);
    await fixture.with((context) => runExport(context));
  });
  after(() => fixture.dispose());

  it('a delete committed in the destination whose reply was lost is not undone or logged twice by the retry', async () => {
    await fixture.source.exec('DELETE FROM item WHERE id IN (2, 5)');
    await fixture.source.exec(`UPDATE item SET label = 'changed' WHERE id = 3`);
    await assert.rejects(
      fixture.with((context) => runExport({ ...context, target: losingReply(context.target, 1) })),
      /connection reset after commit/,
    );
    await fixture.with((context) => runExport(context));
    assert.deepEqual(await items(), await sourceItems());
    const log = await fixture.destination.query<{ RecordId: string }>('SELECT "RecordId" FROM "DeleteLog" ORDER BY "RecordId"');
    assert.deepEqual(log.map((entry) => entry.RecordId), ['2', '5']);
  });

  it('a run killed between the apply and the checkpoint copy resumes from the destination record', async () => {
    await fixture.source.exec('DELETE FROM item WHERE id = 1');
    await fixture.source.exec(`INSERT INTO item VALUES (7, 'new')`);
    const state = fixture.state;
    // Save number 1 is the copy synced at the start of the table, number 2 the copy after the first batch.
    await assert.rejects(
      fixture.with((context: ExportContext) => runExport({ ...context, state: failingCheckpoint(state, 2) })),
      /killed before the checkpoint copy/,
    );
    const run = await fixture.with((context) => runExport(context));
    assert.deepEqual(run.tables.map((table) => table.exported), [0], 'the batch was applied once, by the killed run');
    assert.deepEqual(await items(), await sourceItems());
    const [copy] = await state.listTables(fixture.profile.name);
    const recorded = await fixture.destination.query<{ position: string }>('SELECT position FROM hubsync_export_positions');
    assert.deepEqual(copy?.checkpoint, JSON.parse(recorded[0]?.position ?? 'null'));
  });
});

describe('export profile: concurrent writes at the source during runs lose nothing', () => {
  let fixture: ExportFixture;

  before(async () => {
    fixture = await ExportFixture.create({ source: 'postgres', destination: 'postgres' }, { tables: [{ name: 'counter' }], batchSize: 7 });
    await fixture.source.exec('CREATE TABLE counter (id integer PRIMARY KEY, value integer NOT NULL)');
  });
  after(() => fixture.dispose());

  it('every insert, update and delete committed while runs go on arrives, also from transactions open across a watermark', async () => {
    let writing = true;
    const writer = async (): Promise<void> => {
      const client = new pg.Client({ connectionString: fixture.source.connection });
      await client.connect();
      try {
        while (writing) {
          const id = randomInt(1, 60);
          await client.query('BEGIN');
          await client.query(
            randomInt(0, 4) === 0
              ? 'DELETE FROM counter WHERE id = $1'
              : 'INSERT INTO counter VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET value = counter.value + 1',
            [id],
          );
          // Some transactions stay open while a run reads its watermark and commit after it.
          await sleep(randomInt(0, 3) === 0 ? 40 : 1);
          await client.query('COMMIT');
        }
      } finally {
        await client.end();
      }
    };
    const writers = [writer(), writer(), writer()];
    const deadline = Date.now() + 2500;
    let runs = 0;
    while (Date.now() < deadline) {
      await fixture.with((context) => runExport(context));
      runs += 1;
    }
    writing = false;
    await Promise.all(writers);
    await fixture.with((context) => runExport(context));
    const source = await fixture.source.query('SELECT id, value FROM counter ORDER BY id');
    const destination = await fixture.destination.query('SELECT id, value FROM counter ORDER BY id');
    assert.ok(runs >= 3, `only ${runs} runs happened during the writes`);
    assert.ok(source.length > 0);
    assert.deepEqual(destination, source);
  });
});
