import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDatabase } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { CliFixture } from './cli-fixture.js';
import { runHubsync, singleErrorLine, type CliResult } from './run-hubsync.js';

const password = "Cli pw\\'7d1c";
const quoted = `'${password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A PostgreSQL hub read through env:HUBSYNC_TEST_HUB, a SQLite member. */
describe('hubsync command line: connection strings stay secret', () => {
  let fixture: CliFixture;
  let hub: TestDatabase;

  before(async () => {
    hub = await postgresHarness.createDatabase();
    await hub.exec('CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(12,2))');
    fixture = await CliFixture.create({
      name: 'secrets',
      hub: { name: 'hub', provider: 'postgres', connection: 'env:HUBSYNC_TEST_HUB' },
      members: [{ name: 'store1', provider: 'sqlite', connection: 'store1.db', direction: 'bidirectional' }],
      tables: [{ name: 'orders' }],
    });
    // validate changes nothing, so the member file must exist.
    fixture.exec('store1.db', 'SELECT 1');
  });
  after(async () => {
    await fixture.dispose();
    await hub.dispose();
  });

  function validate(connection: string): Promise<CliResult> {
    return runHubsync(['validate', '-c', fixture.configPath], { HUBSYNC_TEST_HUB: connection });
  }

  function assertNoPassword(result: CliResult): void {
    const output = `${result.stdout}${result.stderr}`;
    for (const secret of [password, 'Cli pw', '7d1c']) assert.ok(!output.includes(secret), output);
  }

  it('validates a group whose hub is a libpq key=value string', async () => {
    const database = /[^/]+$/.exec(hub.connection)?.[0] ?? '';
    const result = await validate(`host=127.0.0.1 port=5432 user=postgres password=${quoted} dbname=${database}`);
    assert.equal(result.code, 0, result.stderr);
    assertNoPassword(result);
  });

  for (const [problem, connection, where] of [
    ['a missing database', `host=127.0.0.1 port=5432 password=${quoted} dbname=hubsync_no_such_db user=postgres`, '"hubsync_no_such_db" at 127.0.0.1:5432'],
    ['an unreachable port', `host=127.0.0.1 port=1 password=${quoted} dbname=postgres user=postgres`, '"postgres" at 127.0.0.1:1'],
    ['a malformed string', `host=127.0.0.1 password=${quoted} dbname`, 'key=value pairs'],
  ] as const) {
    it(`prints host, port and database but never the password of a key=value string with ${problem}`, async () => {
      const result = await validate(connection);
      assert.equal(result.code, 2, result.stderr);
      const line = singleErrorLine(result);
      assert.match(line, /\[HS_CONNECTION_FAILED\]$/);
      assert.ok(line.includes(where), line);
      assertNoPassword(result);
    });
  }

  it('reports sslmode=require against a server without TLS on one line, as a connection failure', async () => {
    const result = await validate(`postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:5432/postgres?sslmode=require`);
    assert.equal(result.code, 2, result.stderr);
    const line = singleErrorLine(result);
    assert.match(line, /does not support SSL.*\[HS_CONNECTION_FAILED\]$/);
    assertNoPassword(result);
  });
});

describe('hubsync command line: a SQLite column without a declared type', () => {
  let fixture: CliFixture;
  before(async () => {
    fixture = await CliFixture.create({
      name: 'untyped',
      hub: { name: 'hub', provider: 'sqlite', connection: 'hub.db' },
      members: [{ name: 'store1', provider: 'sqlite', connection: 'store1.db', direction: 'bidirectional' }],
      tables: [{ name: 'notes' }],
    });
    fixture.exec('hub.db', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, anything)');
    fixture.exec('store1.db', 'SELECT 1');
  });
  after(() => fixture.dispose());

  it('is skipped with a warning that says it has no declared type', async () => {
    const result = await fixture.hubsync('validate');
    assert.equal(result.code, 0, result.stderr);
    const output = `${result.stdout}${result.stderr}`;
    assert.match(output, /column "anything" has no declared type and cannot be synced; it is skipped/);
    assert.doesNotMatch(output, /type {2}/);
  });
});
