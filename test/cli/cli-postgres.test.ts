import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { postgresHarness } from '../support/postgres-harness.js';
import type { TestDatabase } from '../support/harness.js';
import { CliFixture, onlyJson } from './cli-fixture.js';

/** A PostgreSQL hub reached through env:NAME and a SQLite member, through the built bin. */
describe('hubsync command line: PostgreSQL hub, SQLite member', () => {
  let hub: TestDatabase;
  let fixture: CliFixture;

  before(async () => {
    hub = await postgresHarness.createDatabase();
    await hub.exec('CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(12,2) NOT NULL, placed timestamptz)');
    await hub.exec("INSERT INTO orders VALUES (1, 10.50, '2026-01-01 10:00:00+00'), (2, 3.00, NULL)");
    process.env.HUBSYNC_TEST_HUB_URL = hub.connection;
    fixture = await CliFixture.create({
      name: 'orders-pg',
      hub: { name: 'hub', provider: 'postgres', connection: 'env:HUBSYNC_TEST_HUB_URL' },
      members: [{ name: 'store1', provider: 'sqlite', connection: 'store1.db', direction: 'bidirectional' }],
      tables: [{ name: 'orders' }],
    });
  });
  after(async () => {
    delete process.env.HUBSYNC_TEST_HUB_URL;
    await fixture.dispose();
    await hub.dispose();
  });

  it('creates the member table, syncs both ways and never prints the connection string', async () => {
    const result = await fixture.hubsync('sync', '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(onlyJson(result).status, 'succeeded');
    assert.deepEqual(fixture.query('store1.db', 'SELECT id, total FROM orders ORDER BY id'), [
      { id: 1, total: '10.50' },
      { id: 2, total: '3.00' },
    ]);

    fixture.exec('store1.db', "INSERT INTO orders (id, total) VALUES (3, '7.25')");
    const second = await fixture.hubsync('sync');
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await hub.query('SELECT id, total::text AS total FROM orders WHERE id = 3'), [{ id: '3', total: '7.25' }]);

    const validate = await fixture.hubsync('validate');
    assert.match(validate.stdout, /total +decimal\(12,2\) +not null/);
    for (const output of [result, second, validate]) {
      assert.ok(!`${output.stdout}${output.stderr}`.includes(hub.connection));
    }
  });
});

/** Tables named "schema.table" in the config file, one kept on the SQLite member under another name. */
describe('hubsync command line: tables in schemas', () => {
  let hub: TestDatabase;
  let fixture: CliFixture;

  before(async () => {
    hub = await postgresHarness.createDatabase();
    await hub.exec('CREATE SCHEMA sales');
    await hub.exec('CREATE TABLE sales.orders (id bigint PRIMARY KEY, note text)');
    await hub.exec('CREATE TABLE public.orders (id bigint PRIMARY KEY, note text)');
    await hub.exec("INSERT INTO sales.orders VALUES (1, 'sales'), (2, 'sales two')");
    await hub.exec("INSERT INTO public.orders VALUES (1, 'public')");
    process.env.HUBSYNC_TEST_SCHEMA_HUB_URL = hub.connection;
    fixture = await CliFixture.create({
      name: 'orders-schemas',
      hub: { name: 'hub', provider: 'postgres', connection: 'env:HUBSYNC_TEST_SCHEMA_HUB_URL' },
      members: [{ name: 'store1', provider: 'sqlite', connection: 'store1.db', direction: 'bidirectional' }],
      tables: ['orders', { schema: 'sales', name: 'orders', memberNames: { store1: 'sales_orders' } }],
    });
  });
  after(async () => {
    delete process.env.HUBSYNC_TEST_SCHEMA_HUB_URL;
    await fixture.dispose();
    await hub.dispose();
  });

  it('syncs each schema\'s table into its own member table and names them schema.table in outputs', async () => {
    const result = await fixture.hubsync('sync', '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(onlyJson(result).status, 'succeeded');
    assert.deepEqual(fixture.query('store1.db', 'SELECT id, note FROM orders ORDER BY id'), [{ id: 1, note: 'public' }]);
    assert.deepEqual(fixture.query('store1.db', 'SELECT id, note FROM sales_orders ORDER BY id'), [
      { id: 1, note: 'sales' },
      { id: 2, note: 'sales two' },
    ]);
    const validate = await fixture.hubsync('validate');
    assert.equal(validate.code, 0, validate.stderr);
    assert.match(validate.stdout, /^table orders /m);
    assert.match(validate.stdout, /^table sales\.orders /m);
    const compare = await fixture.hubsync('compare', '--json');
    assert.equal(compare.code, 0, compare.stderr);
    assert.match(compare.stdout, /"sales\.orders"/);
  });
});
