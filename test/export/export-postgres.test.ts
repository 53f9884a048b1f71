import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runExport } from '../../src/export/export-run.js';
import type { TestDatabase } from '../support/harness.js';
import { ExportFixture } from './export-fixture.js';

type AccountRow = {
  readonly accountid: number;
  readonly name: string | null;
  readonly VersionNumber: string;
};

describe('export profile, PostgreSQL to PostgreSQL: initial copy, then deltas', () => {
  let fixture: ExportFixture;
  const accounts = (): Promise<AccountRow[]> =>
    fixture.destination.query<AccountRow>('SELECT accountid, name, "VersionNumber" FROM dbo.crm_account ORDER BY accountid');

  before(async () => {
    fixture = await ExportFixture.create(
      { source: 'postgres', destination: 'postgres' },
      { destination: { schema: 'dbo', prefix: 'crm' }, tables: [{ name: 'account' }], writeDeleteLog: true },
    );
    await fixture.source.exec('CREATE TABLE account (accountid integer PRIMARY KEY, name varchar(40), revenue numeric(12,2))');
    await fixture.source.exec(`INSERT INTO account VALUES (1, 'Contoso', 10.50), (2, 'Fabrikam', NULL), (3, 'Northwind', 7)`);
  });
  after(() => fixture.dispose());

  it('copies every row of a selected table into schema.prefix_table with the sink columns', async () => {
    const run = await fixture.with((context) => runExport(context));
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.tables.map((table) => [table.table, table.exported]), [['account', 3]]);
    const rows = await fixture.destination.query<Record<string, unknown>>('SELECT * FROM dbo.crm_account ORDER BY accountid');
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['accountid', 'name', 'revenue', 'SinkCreatedTime', 'SinkModifiedTime', 'VersionNumber']);
    assert.deepEqual(rows.map((row) => [row.accountid, row.name, row.revenue]), [[1, 'Contoso', '10.50'], [2, 'Fabrikam', null], [3, 'Northwind', '7.00']]);
    assert.ok(rows.every((row) => row.SinkCreatedTime instanceof Date && row.VersionNumber !== null));
  });

  it('then moves only what changed, applies deletes and logs them', async () => {
    await fixture.source.exec(`UPDATE account SET name = 'Contoso Ltd' WHERE accountid = 1`);
    await fixture.source.exec('DELETE FROM account WHERE accountid = 2');
    await fixture.source.exec(`INSERT INTO account VALUES (4, 'Litware', 1)`);
    const run = await fixture.with((context) => runExport(context));
    assert.deepEqual(run.tables.map((table) => table.exported), [3]);
    assert.deepEqual((await accounts()).map((row) => [row.accountid, row.name]), [[1, 'Contoso Ltd'], [3, 'Northwind'], [4, 'Litware']]);
    const log = await fixture.destination.query<{ EntityName: string; RecordId: string }>('SELECT "EntityName", "RecordId" FROM dbo."crm_DeleteLog"');
    assert.deepEqual(log, [{ EntityName: 'account', RecordId: '2' }]);
    const again = await fixture.with((context) => runExport(context));
    assert.deepEqual(again.tables.map((table) => table.exported), [0]);
  });

  it('keeps no trigger and no tracking table in the destination, only its position table', async () => {
    const triggers = await fixture.destination.query('SELECT tgname FROM pg_trigger WHERE NOT tgisinternal');
    assert.deepEqual(triggers, []);
    const tables = await fixture.destination.query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    assert.deepEqual(tables.map((table) => table.name), ['dbo.crm_DeleteLog', 'dbo.crm_account', 'dbo.hubsync_export_positions']);
  });
});

describe('export profile: the schema follows the source mid-stream', () => {
  let fixture: ExportFixture;
  const columnTypes = (table: string): Promise<{ column_name: string; data_type: string; character_maximum_length: number | null }[]> =>
    fixture.destination.query(
      `SELECT column_name, data_type, character_maximum_length FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position`,
      [table],
    );

  before(async () => {
    fixture = await ExportFixture.create(
      { source: 'postgres', destination: 'postgres' },
      { tables: [{ name: 'contact' }, { name: 'lead' }] },
    );
    await fixture.source.exec('CREATE TABLE contact (contactid integer PRIMARY KEY, fullname varchar(10), visits integer)');
    await fixture.source.exec('CREATE TABLE lead (leadid integer PRIMARY KEY, topic varchar(20))');
    await fixture.source.exec(`INSERT INTO contact VALUES (1, 'Ada', 1)`);
    await fixture.source.exec(`INSERT INTO lead VALUES (1, 'first')`);
    await fixture.with((context) => runExport(context));
  });
  after(() => fixture.dispose());

  it('adds a column added at the source and widens a widened one, then writes values only the new schema holds', async () => {
    await fixture.source.exec('ALTER TABLE contact ADD COLUMN city text');
    await fixture.source.exec('ALTER TABLE contact ALTER COLUMN fullname TYPE varchar(40)');
    await fixture.source.exec('ALTER TABLE contact ALTER COLUMN visits TYPE bigint');
    await fixture.source.exec(`INSERT INTO contact VALUES (2, 'Bartholomew Montgomery', 9000000000, 'Oslo')`);
    const run = await fixture.with((context) => runExport(context));
    assert.equal(run.status, 'succeeded');
    const types = await columnTypes('contact');
    assert.deepEqual(
      types.filter((column) => ['fullname', 'visits', 'city'].includes(column.column_name)).map((column) => [column.column_name, column.data_type, column.character_maximum_length]),
      [['fullname', 'character varying', 40], ['visits', 'bigint', null], ['city', 'text', null]],
    );
    const rows = await fixture.destination.query('SELECT contactid, fullname, visits, city FROM contact ORDER BY contactid');
    assert.deepEqual(rows, [
      { contactid: 1, fullname: 'Ada', visits: '1', city: null },
      { contactid: 2, fullname: 'Bartholomew Montgomery', visits: '9000000000', city: 'Oslo' },
    ]);
  });

  it('stops a table whose column was narrowed, with the reason, while the other tables go on', async () => {
    await fixture.source.exec('ALTER TABLE lead ALTER COLUMN topic TYPE varchar(5)');
    await fixture.source.exec(`INSERT INTO lead VALUES (2, 'small')`);
    await fixture.source.exec(`INSERT INTO contact VALUES (3, 'Chen', 3, 'Rome')`);
    const run = await fixture.with((context) => runExport(context));
    assert.equal(run.status, 'succeededWithFailures');
    const lead = run.tables.find((table) => table.table === 'lead');
    assert.match(lead?.stopped ?? '', /column "topic" changed from text\(20\) to text\(5\) at the source: a narrowed column/);
    assert.deepEqual(run.tables.find((table) => table.table === 'contact')?.exported, 1);
    assert.deepEqual(await fixture.destination.query('SELECT leadid FROM lead'), [{ leadid: 1 }]);
  });
});

describe('export profile: a table taken out of the profile', () => {
  let fixture: ExportFixture;
  const tables = async (): Promise<string[]> =>
    (await fixture.destination.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).map(
      (row) => row.table_name,
    );

  before(async () => {
    fixture = await ExportFixture.create({ source: 'postgres', destination: 'postgres' }, { tables: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    for (const name of ['a', 'b', 'c']) await fixture.source.exec(`CREATE TABLE ${name} (id integer PRIMARY KEY)`);
    await fixture.with((context) => runExport(context));
  });
  after(() => fixture.dispose());

  it('keeps its destination table, unless the profile asks for dropDestination', async () => {
    fixture.profile = { ...fixture.profile, tables: [{ name: 'a' }, { name: 'b' }] };
    await fixture.with((context) => runExport(context));
    assert.deepEqual(await tables(), ['a', 'b', 'c', 'hubsync_export_positions']);
    fixture.profile = { ...fixture.profile, tables: [{ name: 'a' }], dropDestination: true };
    await fixture.with((context) => runExport(context));
    assert.deepEqual(await tables(), ['a', 'hubsync_export_positions']);
    assert.deepEqual(await fixture.destination.query('SELECT table_name FROM hubsync_export_positions'), [{ table_name: 'a' }]);
  });
});

describe('export profile, PostgreSQL to PostgreSQL: every type through the array-bound batch', () => {
  let fixture: ExportFixture;
  const columns = 'id, at, local, day, big, amount, ratio, small, ok, payload, doc, docb, code, note';
  const text = (database: TestDatabase): Promise<Record<string, unknown>[]> =>
    database.query(`SELECT ${columns.split(', ').map((name) => `${name}::text AS ${name}`).join(', ')} FROM event ORDER BY id`);

  before(async () => {
    fixture = await ExportFixture.create({ source: 'postgres', destination: 'postgres' }, { tables: [{ name: 'event' }] });
    await fixture.source.exec(
      `CREATE TABLE event (id uuid PRIMARY KEY, at timestamptz, local timestamp, day date, big bigint, amount numeric(20,6),
         ratio double precision, small real, ok boolean, payload bytea, doc json, docb jsonb, code char(4), note text)`,
    );
    await fixture.source.exec(
      `INSERT INTO event VALUES
        ('00000000-0000-4000-8000-000000000001', '2026-01-02 03:04:05.123456+02', '2026-01-02 03:04:05.5', '2026-01-02', 9223372036854775807,
         12345678901234.123456, 'NaN', '-Infinity', true, '\\x00ff22', '{"a": [1, "x\\"y"]}', '{"b": {"c": null}}', 'ab', E'quote '' comma , brace { } back \\\\ "dq"'),
        ('00000000-0000-4000-8000-000000000002', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        ('00000000-0000-4000-8000-000000000003', '1999-12-31 23:59:59+00', '0001-01-01 00:00:00', '9999-12-31', -1, -0.000001, 1e308, 0.1, false, '\\x', '[]', '[]', '    ', '')`,
    );
  });
  after(() => fixture.dispose());

  it('writes every value exactly as the source holds it', async () => {
    await fixture.with((context) => runExport(context));
    assert.deepEqual(await text(fixture.destination), await text(fixture.source));
    await fixture.source.exec(`UPDATE event SET note = 'NULL', doc = 'null' WHERE id = '00000000-0000-4000-8000-000000000002'`);
    await fixture.with((context) => runExport(context));
    assert.deepEqual(await text(fixture.destination), await text(fixture.source));
  });
});
