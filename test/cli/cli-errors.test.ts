import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHubsync, singleErrorLine } from './run-hubsync.js';

const secret = 'postgres://admin:hunter2@127.0.0.1:1/retail';

describe('hubsync command line: usage and input errors', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'hubsync-cli-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function config(name: string, content: string | object): Promise<string> {
    const path = join(folder, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  const valid = {
    name: 'retail',
    hub: { name: 'hub', provider: 'sqlite', connection: './hub.db' },
    members: [{ name: 'store1', provider: 'sqlite', connection: './store1.db', direction: 'bidirectional' }],
    tables: [{ name: 'customers' }],
  };

  it('prints help and the version and exits 0', async () => {
    const result = await runHubsync(['--help']);
    assert.equal(result.code, 0);
    for (const command of ['validate', 'provision', 'sync', 'conflicts', 'status', 'deprovision']) {
      assert.match(result.stdout, new RegExp(`\\b${command}\\b`));
    }
    const version = await runHubsync(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
    const syncHelp = await runHubsync(['sync', '--help']);
    assert.equal(syncHelp.code, 0);
    assert.match(syncHelp.stdout, /--config <file>/);
    assert.match(syncHelp.stdout, /--json/);
  });

  it('exits 2 with one line for a config that is not JSON, quoting none of it', async () => {
    const path = await config('broken.json', `{ "name": "retail", "hub": { "connection": "${secret}" ,, } }`);
    const result = await runHubsync(['validate', '-c', path]);
    assert.equal(result.code, 2);
    const line = singleErrorLine(result);
    assert.match(line, /broken\.json: not valid JSON at line 1, column \d+/);
    assert.ok(!line.includes('hunter2'), line);
    assert.equal(result.stdout, '');
  });

  it('exits 2 naming the bad field of a config', async () => {
    const path = await config('direction.json', { ...valid, members: [{ ...valid.members[0], direction: 'up' }] });
    const result = await runHubsync(['sync', '--json', '-c', path]);
    assert.equal(result.code, 2);
    assert.match(singleErrorLine(result), /members\[0\]\.direction: expected one of bidirectional, toHub, fromHub/);
    assert.equal(result.stdout, '');
  });

  it('exits 2 for a missing config file', async () => {
    const result = await runHubsync(['status', '-c', join(folder, 'nowhere.json')]);
    assert.equal(result.code, 2);
    assert.match(singleErrorLine(result), /nowhere\.json: file not found/);
  });

  it('exits 2 with one line for usage errors', async () => {
    for (const args of [['sync'], ['synk', '-c', 'x.json'], ['status', '-c', 'x.json', '--limit', '0'], ['sync', '-c', 'x.json', '--bogus']]) {
      const result = await runHubsync(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(singleErrorLine(result), /^hubsync: /);
    }
  });

  it('exits 2 naming a missing environment variable and printing no value', async () => {
    const path = await config('env.json', { ...valid, hub: { ...valid.hub, connection: 'env:HUBSYNC_TEST_UNSET' } });
    const result = await runHubsync(['validate', '-c', path], { HUBSYNC_TEST_OTHER: secret });
    assert.equal(result.code, 2);
    const line = singleErrorLine(result);
    assert.match(line, /environment variable HUBSYNC_TEST_UNSET is not set \(referenced by hub "hub"\)/);
    assert.ok(!line.includes('hunter2'), line);
  });

  it('never prints the connection string of an unreachable database', async () => {
    const path = await config('unreachable.json', { ...valid, hub: { name: 'hub', provider: 'postgres', connection: 'env:HUBSYNC_TEST_HUB' } });
    const result = await runHubsync(['validate', '-c', path], { HUBSYNC_TEST_HUB: secret });
    assert.equal(result.code, 2);
    const line = singleErrorLine(result);
    assert.ok(!line.includes('hunter2') && !line.includes(secret), line);
  });

  it('exits 2 when a synced table does not exist in the hub', async () => {
    const hub = new Database(join(folder, 'tables-hub.db'));
    hub.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY)');
    hub.close();
    const path = await config('tables.json', {
      ...valid,
      hub: { ...valid.hub, connection: './tables-hub.db' },
      members: [{ ...valid.members[0], connection: './tables-store.db' }],
      tables: [{ name: 'Customers' }],
    });
    const result = await runHubsync(['provision', '-c', path]);
    assert.equal(result.code, 2);
    assert.match(singleErrorLine(result), /table "Customers" does not exist in hub "hub"/);
  });

  it('exits 2 for a table without a primary key, provisioning nothing and creating no member', async () => {
    const hub = new Database(join(folder, 'nokey-hub.db'));
    hub.exec('CREATE TABLE customers (id INTEGER, name TEXT)');
    hub.close();
    const path = await config('nokey.json', {
      ...valid,
      hub: { ...valid.hub, connection: './nokey-hub.db' },
      members: [{ ...valid.members[0], connection: './nokey-store.db' }],
    });
    const result = await runHubsync(['sync', '-c', path]);
    assert.equal(result.code, 2);
    assert.match(singleErrorLine(result), /table "customers" has no primary key.*\[HS_NO_PRIMARY_KEY\]/);
    const after = new Database(join(folder, 'nokey-hub.db'), { readonly: true });
    const objects = after.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'hubsync%'").all();
    after.close();
    assert.deepEqual(objects, [], 'the hub was not provisioned');
    assert.ok(!existsSync(join(folder, 'nokey-store.db')), 'no member database was created');
  });

  it('exits 2 when a SQLite hub file does not exist, creating nothing', async () => {
    const path = await config('nohub.json', { ...valid, hub: { ...valid.hub, connection: './absent-hub.db' } });
    const result = await runHubsync(['sync', '-c', path]);
    assert.equal(result.code, 2);
    assert.match(singleErrorLine(result), /absent-hub\.db/);
    assert.ok(!existsSync(join(folder, 'absent-hub.db')));
  });
});
