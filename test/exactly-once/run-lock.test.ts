import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { CliFixture, onlyJson } from '../cli/cli-fixture.js';
import { singleErrorLine } from '../cli/run-hubsync.js';

const mainPath = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('one run per group', () => {
  let fixture: CliFixture;
  before(async () => {
    fixture = await CliFixture.create({
      name: 'locked',
      hub: { name: 'hub', provider: 'sqlite', connection: 'hub.db' },
      members: [
        { name: 'one', provider: 'sqlite', connection: 'one.db', direction: 'bidirectional' },
        { name: 'two', provider: 'sqlite', connection: 'two.db', direction: 'bidirectional' },
      ],
      tables: [{ name: 'items' }],
      batchSize: 1000,
    });
    fixture.exec(
      'hub.db',
      `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000) INSERT INTO items SELECT i, 'row ' || i FROM n;`,
    );
  });
  after(() => fixture.dispose());

  const lockPath = (): string => join(fixture.folder, '.hubsync', 'locked.state.db.lock');

  it('a second command exits 2 naming the running one; with --wait it runs once the first is done', async () => {
    // Another hubsync process holding the group's lock, as a running sync does.
    mkdirSync(dirname(lockPath()), { recursive: true });
    const holder = new Database(lockPath(), { timeout: 0 });
    holder.exec('BEGIN EXCLUSIVE');
    let released = false;
    try {
      const refused = await fixture.hubsync('sync');
      assert.equal(refused.code, 2);
      assert.match(singleErrorLine(refused), /another hubsync command is working on group locked .*--wait \[HS_RUN_IN_PROGRESS\]$/);
      assert.equal(existsSync(join(fixture.folder, 'one.db')), false, 'the refused run changed nothing');

      const waiting = fixture.hubsync('sync', '--wait');
      await sleep(700);
      released = true;
      holder.exec('COMMIT');
      const waited = await waiting;
      assert.equal(waited.code, 0, waited.stderr);
    } finally {
      if (!released) holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('two syncs started together on one group: both finish with --wait, the data exactly once', async () => {
    fixture.exec('one.db', "UPDATE items SET name = 'from one' WHERE id <= 500");
    const [first, second] = await Promise.all([fixture.hubsync('sync', '--wait', '--json'), fixture.hubsync('sync', '--wait', '--json')]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(fixture.query('two.db', "SELECT count(*) AS n FROM items WHERE name = 'from one'"), [{ n: 500 }]);
    const uploaded = [first, second].map((result) => (onlyJson(result).members as { uploaded: number }[])[0]?.uploaded);
    assert.deepEqual(uploaded.sort(), [0, 500], 'the second run found nothing left to move');
  });

  it('a run killed with SIGKILL is marked abandoned by the next one, and leaves no lock behind', async () => {
    fixture.exec('hub.db', "UPDATE items SET name = 'bulk ' || id");
    const child = spawn(process.execPath, [mainPath, 'sync', '-c', fixture.configPath], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    // Killed once it has recorded itself as running.
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const status = await fixture.hubsync('status', '--json');
      const runs = status.code === 0 ? (onlyJson(status).runs as { status: string }[]) : [];
      if (runs[0]?.status === 'running') break;
      await sleep(25);
    }
    child.kill('SIGKILL');
    await exited;
    const killedRun = (onlyJson(await fixture.hubsync('status', '--json')).runs as { runId: string; status: string }[])[0];
    assert.equal(killedRun?.status, 'running', 'killed mid-run: nothing could record how it ended');

    const next = await fixture.hubsync('sync');
    assert.equal(next.code, 0, next.stderr);

    const runs = onlyJson(await fixture.hubsync('status', '--json')).runs as { runId: string; status: string }[];
    assert.equal(runs.find((run) => run.runId === killedRun?.runId)?.status, 'abandoned');
    assert.equal(runs[0]?.status, 'succeeded');
    const compare = await fixture.hubsync('compare');
    assert.equal(compare.code, 0, compare.stdout);
  });
});
