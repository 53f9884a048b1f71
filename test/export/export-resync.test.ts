import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resyncAll } from '../../src/export/export-resync.js';
import { runExport } from '../../src/export/export-run.js';
import { ExportFixture } from './export-fixture.js';

describe('export profile: resync all re-exports without dropping', () => {
  let fixture: ExportFixture;
  const rows = (): Promise<Record<string, unknown>[]> =>
    fixture.destination.query('SELECT orderid, lineno, amount FROM rep.orderline ORDER BY orderid, lineno');

  before(async () => {
    fixture = await ExportFixture.create(
      { source: 'postgres', destination: 'postgres' },
      { destination: { schema: 'rep' }, tables: [{ name: 'orderline', columns: ['orderid', 'lineno', 'amount'] }], writeDeleteLog: true, batchSize: 3 },
    );
    await fixture.source.exec('CREATE TABLE orderline (orderid integer, lineno integer, amount numeric(10,2), note text, PRIMARY KEY (orderid, lineno))');
    await fixture.source.exec(`INSERT INTO orderline SELECT o, l, o * 10 + l, 'n' FROM generate_series(1, 4) o, generate_series(1, 2) l`);
    await fixture.with((context) => runExport(context));
  });
  after(() => fixture.dispose());

  it('exports only the selected columns of a composite-key table', async () => {
    assert.equal((await rows()).length, 8);
    const columns = await fixture.destination.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'rep' AND table_name = 'orderline' ORDER BY ordinal_position`,
    );
    assert.deepEqual(columns.map((column) => column.column_name), ['orderid', 'lineno', 'amount', 'SinkCreatedTime', 'SinkModifiedTime', 'VersionNumber']);
  });

  it('puts back rows changed or removed at the destination and removes rows the source does not have', async () => {
    const expected = await rows();
    await fixture.destination.exec('DELETE FROM rep.orderline WHERE orderid = 2');
    await fixture.destination.exec('UPDATE rep.orderline SET amount = 0 WHERE orderid = 3');
    await fixture.destination.exec('INSERT INTO rep.orderline (orderid, lineno, amount) VALUES (99, 1, 1), (99, 2, 2)');
    const run = await fixture.with((context) => resyncAll(context));
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(await rows(), expected);
    const log = await fixture.destination.query<{ RecordId: string }>('SELECT "RecordId" FROM rep."DeleteLog" ORDER BY "RecordId"');
    assert.deepEqual(log.map((entry) => JSON.parse(entry.RecordId) as unknown), [{ orderid: 99, lineno: 1 }, { orderid: 99, lineno: 2 }]);
  });

  it('keeps the stream position: the next run moves only new changes', async () => {
    await fixture.source.exec('UPDATE orderline SET amount = 1000 WHERE orderid = 1 AND lineno = 1');
    const run = await fixture.with((context) => runExport(context));
    assert.deepEqual(run.tables.map((table) => table.exported), [1]);
  });
});
