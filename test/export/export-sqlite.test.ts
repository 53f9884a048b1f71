import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resyncAll } from '../../src/export/export-resync.js';
import { runExport } from '../../src/export/export-run.js';
import { ExportFixture } from './export-fixture.js';

describe('export profile, SQLite to SQLite: no prefix, no delete log', () => {
  let fixture: ExportFixture;
  const rows = (): Promise<Record<string, unknown>[]> => fixture.destination.query('SELECT * FROM product ORDER BY sku');

  before(async () => {
    fixture = await ExportFixture.create({ source: 'sqlite', destination: 'sqlite' }, { tables: [{ name: 'product' }] });
    await fixture.source.exec('CREATE TABLE product (sku TEXT PRIMARY KEY, title VARCHAR(30) NOT NULL, price DECIMAL(8,2))');
    await fixture.source.exec(`INSERT INTO product VALUES ('A-1', 'Anvil', '12.50'), ('B-2', 'Bolt', '0.10')`);
  });
  after(() => fixture.dispose());

  it('copies, then follows inserts, updates and deletes; nothing is logged', async () => {
    await fixture.with((context) => runExport(context));
    await fixture.source.exec(`UPDATE product SET price = '13.00' WHERE sku = 'A-1'`);
    await fixture.source.exec(`DELETE FROM product WHERE sku = 'B-2'`);
    await fixture.source.exec(`INSERT INTO product VALUES ('C-3', 'Clamp', NULL)`);
    const run = await fixture.with((context) => runExport(context));
    assert.deepEqual(run.tables.map((table) => table.exported), [3]);
    const exported = await rows();
    assert.deepEqual(exported.map((row) => [row.sku, row.title, row.price]), [['A-1', 'Anvil', '13.00'], ['C-3', 'Clamp', null]]);
    assert.ok(exported.every((row) => typeof row.SinkModifiedTime === 'string' && /Z$/.test(String(row.SinkModifiedTime))));
    const tables = await fixture.destination.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`);
    assert.deepEqual(tables.map((table) => table.name), ['hubsync_export_positions', 'product']);
  });

  it('adds a column added at the source', async () => {
    await fixture.source.exec('ALTER TABLE product ADD COLUMN colour TEXT');
    await fixture.source.exec(`INSERT INTO product VALUES ('D-4', 'Drill', '99.00', 'red')`);
    await fixture.with((context) => runExport(context));
    assert.deepEqual((await rows()).map((row) => [row.sku, row.colour]), [['A-1', null], ['C-3', null], ['D-4', 'red']]);
  });

  it('resync all removes a row only the destination has', async () => {
    await fixture.destination.exec(`INSERT INTO product (sku, title) VALUES ('Z-9', 'stray')`);
    await fixture.with((context) => resyncAll(context));
    assert.deepEqual((await rows()).map((row) => row.sku), ['A-1', 'C-3', 'D-4']);
  });
});

describe('export profile, PostgreSQL to SQLite: values keep their canonical form', () => {
  let fixture: ExportFixture;

  before(async () => {
    fixture = await ExportFixture.create({ source: 'postgres', destination: 'sqlite' }, { destination: { prefix: 'pg' }, tables: [{ name: 'event' }], writeDeleteLog: true });
    await fixture.source.exec(
      'CREATE TABLE event (id uuid PRIMARY KEY, at timestamptz, day date, big bigint, ok boolean, payload bytea, doc json)',
    );
    await fixture.source.exec(
      `INSERT INTO event VALUES ('6f1c2a3e-0000-4000-8000-000000000001', '2026-01-02 03:04:05.123456+02', '2026-01-02', 9007199254740993, true, '\\x0102', '{"a": 1}')`,
    );
  });
  after(() => fixture.dispose());

  it('writes every type, and logs a delete with the key as RecordId', async () => {
    await fixture.with((context) => runExport(context));
    const [row] = await fixture.destination.query<Record<string, unknown>>('SELECT id, at, day, CAST(big AS TEXT) AS big, ok, hex(payload) AS payload, doc FROM pg_event');
    assert.deepEqual(row, {
      id: '6f1c2a3e-0000-4000-8000-000000000001',
      at: '2026-01-02 01:04:05.123456+00',
      day: '2026-01-02',
      big: '9007199254740993',
      ok: 1,
      payload: '0102',
      doc: '{"a": 1}',
    });
    await fixture.source.exec('DELETE FROM event');
    await fixture.with((context) => runExport(context));
    assert.deepEqual(await fixture.destination.query('SELECT id FROM pg_event'), []);
    assert.deepEqual(await fixture.destination.query('SELECT "EntityName", "RecordId" FROM "pg_DeleteLog"'), [
      { EntityName: 'event', RecordId: '6f1c2a3e-0000-4000-8000-000000000001' },
    ]);
  });
});

describe('export profile: bounded work per call', () => {
  let fixture: ExportFixture;

  before(async () => {
    fixture = await ExportFixture.create({ source: 'sqlite', destination: 'sqlite' }, { tables: [{ name: 'one' }, { name: 'two' }], batchSize: 2 });
    for (const name of ['one', 'two']) {
      await fixture.source.exec(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, v TEXT)`);
      await fixture.source.exec(`INSERT INTO ${name} VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')`);
    }
  });
  after(() => fixture.dispose());

  it('past its deadline a run stops after one batch and says more; later calls finish the rest', async () => {
    const calls: number[][] = [];
    for (let more = true; more; ) {
      const run = await fixture.with((context) => runExport({ ...context, deadline: Date.now() - 1 }));
      calls.push(run.tables.map((table) => table.exported));
      more = run.more;
      assert.ok(calls.length < 10, 'the calls never finished');
    }
    assert.deepEqual(calls, [[2, 0], [2, 0], [1, 0], [0, 2], [0, 2], [0, 1]]);
    for (const name of ['one', 'two']) assert.deepEqual(await fixture.destination.query(`SELECT id FROM ${name} ORDER BY id`), [1, 2, 3, 4, 5].map((id) => ({ id })));
  });
});
