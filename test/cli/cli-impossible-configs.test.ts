import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { TestDatabase } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { CliFixture } from './cli-fixture.js';
import { runHubsync, singleErrorLine, type CliResult } from './run-hubsync.js';

/**
 * Configs that can never work are refused by `validate` (exit 2, naming the problem) and by
 * `sync` before it creates anything.
 */
function assertRefused(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `${result.stdout}${result.stderr}`);
  const line = singleErrorLine(result);
  assert.match(line, pattern);
  assert.match(line, /\[HS_CONFIG_INVALID\]$/);
}

describe('hubsync command line: configs that can never work', () => {
  let hub: TestDatabase;
  let fixture: CliFixture | undefined;

  before(async () => {
    hub = await postgresHarness.createDatabase();
    await hub.exec('CREATE TABLE "Orders" (id bigint PRIMARY KEY, total numeric(12,2))');
    await hub.exec('CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(12,2))');
    await hub.exec('CREATE TABLE lines (id bigint PRIMARY KEY, "Qty" int, qty int)');
  });
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });
  after(() => hub.dispose());

  /** The hub through env:HUBSYNC_TEST_HUB; `validate` and `sync` with it set. */
  async function run(config: object, ...args: string[]): Promise<CliResult> {
    fixture ??= await CliFixture.create(config);
    return runHubsync([...args, '-c', fixture.configPath], { HUBSYNC_TEST_HUB: hub.connection });
  }

  async function hubsyncObjects(): Promise<number> {
    const rows = await hub.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'hubsync'",
    );
    return Number(rows[0]?.n);
  }

  const pgHub = { name: 'hub', provider: 'postgres', connection: 'env:HUBSYNC_TEST_HUB' };
  const store = { name: 'store1', provider: 'sqlite', connection: 'store1.db', direction: 'bidirectional' };

  for (const [what, tables, pattern] of [
    ['tables', [{ name: 'Orders' }, { name: 'orders' }], /tables "Orders" and "orders" differ only in case and member "store1"/],
    ['columns', [{ name: 'lines' }], /table "lines": columns "Qty" and "qty" differ only in case and member "store1"/],
  ] as const) {
    it(`refuses ${what} whose names differ only in case when a member is SQLite`, async () => {
      const config = { name: 'cases', hub: pgHub, members: [store], tables };
      assertRefused(await run(config, 'validate'), pattern);
      assertRefused(await run(config, 'sync'), pattern);
      assert.equal(existsSync(join(fixture?.folder ?? '', 'store1.db')), false, 'no member file was created');
      assert.equal(await hubsyncObjects(), 0, 'nothing was provisioned in the hub');
    });
  }

  it('syncs the same names to a PostgreSQL member, which tells them apart', async () => {
    const member = await postgresHarness.createDatabase();
    try {
      const config = {
        name: 'cases',
        hub: pgHub,
        members: [{ name: 'pg1', provider: 'postgres', connection: member.connection, direction: 'bidirectional' }],
        tables: [{ name: 'Orders' }, { name: 'orders' }],
      };
      const result = await run(config, 'validate');
      assert.equal(result.code, 0, result.stderr);
    } finally {
      await member.dispose();
    }
  });

  it('refuses two members on one PostgreSQL database, however the connection is spelt, before creating anything', async () => {
    const member = await postgresHarness.createDatabase();
    try {
      const database = /[^/]+$/.exec(member.connection)?.[0] ?? '';
      const config = {
        name: 'twins',
        hub: pgHub,
        members: [
          { name: 'east', provider: 'postgres', connection: member.connection, direction: 'bidirectional' },
          { name: 'west', provider: 'postgres', connection: `host=127.0.0.1 port=5432 user=postgres password=x dbname=${database}`, direction: 'fromHub' },
        ],
        tables: [{ name: 'orders' }],
      };
      assertRefused(await run(config, 'validate'), /members "east" and "west" are on the same database/);
      assertRefused(await run(config, 'sync'), /members "east" and "west" are on the same database/);
      assert.deepEqual(await member.query("SELECT tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"), []);
      assert.equal(await hubsyncObjects(), 0);
    } finally {
      await member.dispose();
    }
  });

  it("refuses a PostgreSQL member on the hub's own database", async () => {
    const database = /[^/]+$/.exec(hub.connection)?.[0] ?? '';
    const config = {
      name: 'self',
      hub: pgHub,
      members: [{ name: 'mirror', provider: 'postgres', connection: `user=postgres dbname=${database} host=127.0.0.1`, direction: 'bidirectional' }],
      tables: [{ name: 'orders' }],
    };
    assertRefused(await run(config, 'validate'), /member "mirror" is on the hub's own database/);
    assertRefused(await run(config, 'sync'), /member "mirror" is on the hub's own database/);
    assert.equal(await hubsyncObjects(), 0);
  });
});

describe('hubsync command line: SQLite members sharing a file', () => {
  let fixture: CliFixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  async function withHubFile(members: readonly object[]): Promise<CliFixture> {
    fixture = await CliFixture.create({ name: 'files', hub: { name: 'hub', provider: 'sqlite', connection: 'hub.db' }, members, tables: [{ name: 'items' }] });
    fixture.exec('hub.db', 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)');
    return fixture;
  }

  it('refuses two members on one file, spelt differently, and creates no file', async () => {
    const current = await withHubFile([
      { name: 'east', provider: 'sqlite', connection: 'store.db', direction: 'bidirectional' },
      { name: 'west', provider: 'sqlite', connection: './sub/../store.db', direction: 'toHub' },
    ]);
    assertRefused(await current.hubsync('validate'), /members "east" and "west" are on the same database/);
    assertRefused(await current.hubsync('sync'), /members "east" and "west" are on the same database/);
    assert.equal(existsSync(join(current.folder, 'store.db')), false, 'no member file was created');
  });

  it("refuses a member on the hub's own file and provisions nothing in it", async () => {
    const current = await withHubFile([{ name: 'mirror', provider: 'sqlite', connection: join('.', 'hub.db'), direction: 'bidirectional' }]);
    assertRefused(await current.hubsync('validate'), /member "mirror" is on the hub's own database/);
    assertRefused(await current.hubsync('sync'), /member "mirror" is on the hub's own database/);
    assert.deepEqual(current.query('hub.db', "SELECT name FROM sqlite_master WHERE name LIKE 'hubsync%'"), []);
  });
});
