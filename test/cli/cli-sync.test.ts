import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliFixture, onlyJson } from './cli-fixture.js';
import type { CliResult } from './run-hubsync.js';

interface Customer {
  readonly id: number;
  readonly name: string;
}

const customersTable = 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)';
const databases = ['hub.db', 'store1.db', 'store2.db'];

/** End to end through the built bin: a SQLite hub and two SQLite members in one temp folder. */
describe('hubsync command line: sync, status, conflicts, deprovision on SQLite', () => {
  let fixture: CliFixture;
  const customers = (file: string): Customer[] => fixture.query(file, 'SELECT id, name FROM customers ORDER BY id') as Customer[];
  const succeeded = (result: CliResult): Record<string, unknown> => {
    assert.equal(result.code, 0, result.stderr);
    return onlyJson(result);
  };

  before(async () => {
    fixture = await CliFixture.create({
      name: 'retail',
      hub: { name: 'hub', provider: 'sqlite', connection: './hub.db' },
      members: [
        { name: 'store1', provider: 'sqlite', connection: './store1.db', direction: 'bidirectional' },
        { name: 'store2', provider: 'sqlite', connection: 'env:HUBSYNC_TEST_STORE2', direction: 'fromHub' },
      ],
      tables: [{ name: 'customers' }],
    });
    fixture.exec('hub.db', `${customersTable}; INSERT INTO customers VALUES (1, 'Ada'), (2, 'Brian'), (3, 'Chen');`);
    fixture.exec('store1.db', `${customersTable}; INSERT INTO customers VALUES (100, 'Store Walk-in');`);
    // An empty file: validate opens members without creating them; sync creates the table.
    fixture.exec('store2.db', 'SELECT 1');
    // Relative, so it must resolve against the config folder, not the working directory.
    process.env.HUBSYNC_TEST_STORE2 = 'store2.db';
  });
  after(async () => {
    delete process.env.HUBSYNC_TEST_STORE2;
    await fixture.dispose();
  });

  it('validate prints the plan and creates no state file', async () => {
    const result = await fixture.hubsync('validate');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /table customers +\(policy hubWins, primary key id\)/);
    assert.match(result.stdout, /name +text +not null/);
    assert.ok(!existsSync(join(fixture.folder, '.hubsync')), 'validate must not create the state file');
  });

  it('sync --json moves every row and prints exactly one JSON object', async () => {
    const run = succeeded(await fixture.hubsync('sync', '--json'));
    assert.deepEqual(Object.keys(run).sort(), ['durationMs', 'group', 'members', 'runId', 'status']);
    assert.equal(run.group, 'retail');
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.members, [
      { name: 'store1', uploaded: 1, downloaded: 3, conflicts: 0, failed: 0 },
      { name: 'store2', uploaded: 0, downloaded: 4, conflicts: 0, failed: 0 },
    ]);
    const expected = [
      { id: 1, name: 'Ada' },
      { id: 2, name: 'Brian' },
      { id: 3, name: 'Chen' },
      { id: 100, name: 'Store Walk-in' },
    ];
    for (const file of databases) assert.deepEqual(customers(file), expected, file);
    assert.ok(existsSync(join(fixture.folder, '.hubsync', 'retail.state.db')));
  });

  it('status --json lists the runs, newest first', async () => {
    const second = succeeded(await fixture.hubsync('sync', '--json'));
    const status = succeeded(await fixture.hubsync('status', '--json'));
    assert.equal(status.group, 'retail');
    const runs = status.runs as { runId: string; status: string }[];
    assert.equal(runs.length, 2);
    assert.equal(runs[0]?.runId, second.runId);
    assert.equal(runs[0]?.status, 'succeeded');
    const limited = succeeded(await fixture.hubsync('status', '--json', '--limit', '1'));
    assert.equal((limited.runs as unknown[]).length, 1);
    const human = await fixture.hubsync('status');
    assert.match(human.stdout, new RegExp(`${String(second.runId)} +succeeded`));
  });

  it('logs a conflict with both versions, and reapply brings the losing version back', async () => {
    fixture.exec('hub.db', "UPDATE customers SET name = 'Ada (hub)' WHERE id = 1");
    fixture.exec('store1.db', "UPDATE customers SET name = 'Ada (store1)' WHERE id = 1");
    const run = succeeded(await fixture.hubsync('sync', '--json'));
    assert.equal((run.members as { conflicts: number }[])[0]?.conflicts, 1);
    assert.deepEqual(customers('store1.db')[0], { id: 1, name: 'Ada (hub)' });

    const conflicts = succeeded(await fixture.hubsync('conflicts', '--json')).conflicts as {
      id: string;
      winner: string;
      losing: { values: { name: string } };
    }[];
    assert.equal(conflicts.length, 1);
    const conflict = conflicts[0];
    assert.ok(conflict);
    assert.equal(conflict.winner, 'hub');
    assert.equal(conflict.losing.values.name, 'Ada (store1)');
    assert.match((await fixture.hubsync('conflicts')).stdout, /lost +store1 +update/);

    const reapplied = await fixture.hubsync('conflicts', 'reapply', conflict.id);
    assert.equal(reapplied.code, 0, reapplied.stderr);
    succeeded(await fixture.hubsync('sync', '--json'));
    for (const file of databases) assert.deepEqual(customers(file)[0], { id: 1, name: 'Ada (store1)' }, file);
  });

  it('compare reports every member equal to the hub, and exits 1 once one differs', async () => {
    const equal = await fixture.hubsync('compare', '--json');
    assert.equal(equal.code, 0, equal.stderr);
    const report = onlyJson(equal) as { equal: boolean; tables: { equal: boolean }[] };
    assert.equal(report.equal, true);
    assert.equal(report.tables.length, 2, 'one comparison per receiving member and table');

    fixture.exec(databases[1] ?? '', "UPDATE customers SET name = 'not synced yet' WHERE id = 1");
    const different = await fixture.hubsync('compare');
    assert.equal(different.code, 1);
    assert.match(different.stdout, /DIFFERENT/);
    succeeded(await fixture.hubsync('sync', '--json'));
  });

  it('conflicts reapply of an unknown id exits 2', async () => {
    const result = await fixture.hubsync('conflicts', 'reapply', 'no-such-conflict');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^hubsync: .*no-such-conflict/);
  });

  it('deprovision removes hubsync objects and leaves the data', async () => {
    const result = await fixture.hubsync('deprovision');
    assert.equal(result.code, 0, result.stderr);
    for (const file of databases) {
      assert.equal(customers(file).length, 4, file);
      assert.deepEqual(fixture.query(file, "SELECT name FROM sqlite_master WHERE name LIKE 'hubsync%'"), [], file);
    }
  });
});
