import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { onlyJson } from './cli-fixture.js';
import { runHubsync, singleErrorLine, type CliResult } from './run-hubsync.js';

/** `hubsync export ...` through the built bin: a SQLite source and a SQLite destination in one temp folder. */
describe('hubsync export on the command line', () => {
  let folder: string;
  const profilePath = (): string => join(folder, 'profile.json');
  const hubsync = (...args: string[]): Promise<CliResult> => runHubsync(['export', ...args, '-p', profilePath()]);
  const sql = (file: string, statement: string): unknown[] => {
    const db = new Database(join(folder, file));
    try {
      const prepared = db.prepare(statement);
      return prepared.reader ? prepared.all() : [prepared.run()];
    } finally {
      db.close();
    }
  };
  const writeProfile = (extra: object = {}): Promise<void> =>
    writeFile(
      profilePath(),
      JSON.stringify({
        name: 'crm-reporting',
        source: { name: 'crm', provider: 'sqlite', connection: './crm.db' },
        destination: { name: 'reporting', provider: 'sqlite', connection: './reporting.db', prefix: 'crm' },
        tables: [{ name: 'account' }],
        writeDeleteLog: true,
        ...extra,
      }),
    );

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'hubsync-cli-export-'));
    sql('crm.db', 'CREATE TABLE account (accountid INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    sql('crm.db', `INSERT INTO account VALUES (1, 'Contoso'), (2, 'Fabrikam')`);
    await writeProfile();
  });
  after(() => rm(folder, { recursive: true, force: true }));

  it('validate prints where each table goes and creates nothing', async () => {
    const result = await hubsync('validate');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /table account -> main\.crm_account +\(primary key accountid\)/);
    assert.ok(!existsSync(join(folder, 'reporting.db')) && !existsSync(join(folder, '.hubsync')));
  });

  it('run --json copies the table, then moves deletes into the delete log', async () => {
    const first = onlyJson(await hubsync('run', '--json'));
    assert.equal(first.status, 'succeeded');
    assert.deepEqual(first.tables, [{ table: 'account', exported: 2, failed: 0, resolved: 0, stopped: null, more: false }]);
    sql('crm.db', 'DELETE FROM account WHERE accountid = 2');
    const second = await hubsync('run');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /account +1 +0 +0/);
    assert.deepEqual(sql('reporting.db', 'SELECT accountid, name FROM crm_account'), [{ accountid: 1, name: 'Contoso' }]);
    assert.deepEqual(sql('reporting.db', 'SELECT RecordId FROM crm_DeleteLog'), [{ RecordId: '2' }]);
  });

  it('status --json reports rows exported, failed records and the last success per table', async () => {
    const status = onlyJson(await hubsync('status', '--json'));
    const [table] = status.tables as Record<string, unknown>[];
    assert.equal(table?.rowsExported, 3);
    assert.equal(table?.failedRecords, 0);
    assert.equal(typeof table?.lastSuccessAt, 'string');
    assert.deepEqual(onlyJson(await hubsync('failures', '--json')), { profile: 'crm-reporting', failures: [] });
  });

  it('resync needs exactly one of --failed and --all; --all re-exports', async () => {
    const neither = await hubsync('resync');
    assert.equal(neither.code, 2);
    assert.match(singleErrorLine(neither), /exactly one of --failed and --all/);
    sql('reporting.db', `UPDATE crm_account SET name = 'tampered'`);
    const all = await hubsync('resync', '--all', '--json');
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(sql('reporting.db', 'SELECT name FROM crm_account'), [{ name: 'Contoso' }]);
  });

  it('a profile out of range is refused with exit 2 and one clear line', async () => {
    await writeProfile({ retryCount: 21, destination: { name: 'reporting', provider: 'sqlite', connection: './reporting.db', prefix: 'much_too_long_prefix' } });
    const result = await hubsync('run');
    assert.equal(result.code, 2);
    const line = singleErrorLine(result);
    assert.match(line, /^hubsync: invalid profile file \S+profile\.json: /);
    assert.match(line, /destination\.prefix: must be 1-14 letters and digits/);
    assert.match(line, /retryCount: must be at most 20/);
    await writeProfile();
  });

  it('deprovision of a profile that never ran changes nothing and succeeds', async () => {
    await writeProfile({ name: 'never-ran' });
    const result = await hubsync('deprovision');
    assert.equal(result.code, 0, result.stderr);
    await writeProfile();
  });

  it('deprovision --drop-destination removes the exported tables', async () => {
    const result = await hubsync('deprovision', '--drop-destination');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(sql('reporting.db', `SELECT name FROM sqlite_master WHERE type = 'table'`), []);
  });
});
