import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ErrorCode, isHubsyncError } from '../../src/errors.js';
import { openEmbeddedStateStore } from '../../src/state/embedded-state-store.js';
import { runHubsync, singleErrorLine } from '../cli/run-hubsync.js';
import { describeStateStoreConformance } from './state-store-conformance.js';
import { failure, groupDefinition, rejectsWithCode, run, upload } from './state-fixtures.js';

describeStateStoreConformance('embedded', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'hubsync-state-'));
  return {
    store: await openEmbeddedStateStore(join(folder, 'state.db')),
    dispose: () => rm(folder, { recursive: true, force: true }),
  };
});

/** What hubsync 0.1 created in a state file, and the rows it kept there. */
const version01File = `
CREATE TABLE checkpoints (
  group_name TEXT NOT NULL, member TEXT NOT NULL, table_name TEXT NOT NULL, direction TEXT NOT NULL,
  stamp TEXT NOT NULL, cursor_key TEXT,
  PRIMARY KEY (group_name, member, table_name, direction)
) WITHOUT ROWID;
CREATE TABLE conflicts (group_name TEXT NOT NULL, id TEXT NOT NULL, detected_at TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (group_name, id));
CREATE TABLE runs (group_name TEXT NOT NULL, run_id TEXT NOT NULL, started_at TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (group_name, run_id));
CREATE INDEX runs_by_start ON runs (group_name, started_at);
INSERT INTO checkpoints VALUES ('retail', 'store1', 'orders', 'upload', '41', '[7,{"base64":"AP8="}]');
INSERT INTO runs VALUES ('retail', 'r1', '2026-01-01T00:00:00Z', '${JSON.stringify(run('r1', '2026-01-01T00:00:00Z'))}');
CREATE TABLE failures (group_name TEXT NOT NULL, id TEXT NOT NULL, failed_at TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (group_name, id));
INSERT INTO failures VALUES ('retail', 'old', '2025-12-01T00:00:00.000Z', '${JSON.stringify(oldFailure())}');
`;

/** A failed record as hubsync 0.1 wrote it: no attempts, no status. */
function oldFailure(): object {
  const { attempts, lastError, lastAttemptAt, nextAttemptAt, status, ...old } = failure('old', '2025-12-01T00:00:00.000Z');
  return old;
}

/**
 * Make a file unwritable for this process, and return how to undo it. Root writes files whatever
 * their mode, so as root the file is made immutable (ext4 and most Linux file systems) instead.
 */
async function makeReadOnly(path: string): Promise<() => Promise<void>> {
  if (process.getuid?.() === 0) {
    execFileSync('chattr', ['+i', path]);
    return async () => void execFileSync('chattr', ['-i', path]);
  }
  await chmod(path, 0o444);
  return () => chmod(path, 0o644);
}

/** A group config in `folder`, whose state file is then `.hubsync/retail.state.db` there. */
async function writeConfig(folder: string): Promise<string> {
  const config = join(folder, 'group.json');
  await writeFile(
    config,
    JSON.stringify({
      name: 'retail',
      hub: { name: 'hub', provider: 'sqlite', connection: './hub.db' },
      members: [{ name: 'store', provider: 'sqlite', connection: './store.db', direction: 'bidirectional' }],
      tables: [{ name: 'items' }],
    }),
  );
  return config;
}

describe('embedded state store: its file', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'hubsync-state-file-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('creates its folders and file on first use, and keeps everything across reopening', async () => {
    const path = join(folder, 'nested', '.hubsync', 'retail.state.db');
    const first = await openEmbeddedStateStore(path);
    await first.compareAndSetCheckpoint(upload, null, { stamp: '77', key: [1, 'x'] });
    await first.saveRun(run('r1', '2026-01-01T00:00:00Z'));
    await first.close();
    assert.ok(existsSync(path));

    const second = await openEmbeddedStateStore(path);
    try {
      assert.deepEqual(await second.getCheckpoint(upload), { stamp: '77', key: [1, 'x'] });
      assert.deepEqual((await second.listRuns('retail')).items, [run('r1', '2026-01-01T00:00:00Z')]);
    } finally {
      await second.close();
    }
  });

  it('opens a file written by hubsync 0.1 in place and keeps its contents', async () => {
    const path = join(folder, 'old.state.db');
    const old = new Database(path);
    old.exec(version01File);
    old.close();

    const store = await openEmbeddedStateStore(path);
    try {
      const saved = { stamp: '41', key: [7, new Uint8Array([0, 255])] };
      assert.deepEqual(await store.getCheckpoint(upload), saved);
      const [entry] = await store.listCheckpoints('retail');
      assert.ok(entry && !Number.isNaN(Date.parse(entry.updatedAt)), 'an old checkpoint gets a time');
      assert.equal(await store.compareAndSetCheckpoint(upload, saved, { stamp: '42', key: null }), true);
      assert.deepEqual(await store.getRun('retail', 'r1'), run('r1', '2026-01-01T00:00:00Z'));
      await store.putGroup(groupDefinition('retail'), null);
      assert.deepEqual((await store.getGroup('retail'))?.definition, groupDefinition('retail'), 'tables added by the migration work');
      assert.deepEqual(
        await store.getFailure('retail', 'old'),
        failure('old', '2025-12-01T00:00:00.000Z'),
        'an old failed record gets one attempt and is due: the next run retries it',
      );
      await store.recordFailure(failure('f', '2026-01-01T00:00:00Z'));
      assert.deepEqual((await store.listFailures('retail')).items, [failure('old', '2025-12-01T00:00:00.000Z'), failure('f', '2026-01-01T00:00:00Z')]);
    } finally {
      await store.close();
    }
    const reopened = await openEmbeddedStateStore(path);
    assert.deepEqual(await reopened.getCheckpoint(upload), { stamp: '42', key: null }, 'migrating twice is harmless');
    await reopened.close();
  });

  it('refuses a file that is not a state file as an input error naming the file', async () => {
    const notADatabase = join(folder, 'config.json');
    await writeFile(notADatabase, '{"name": "retail"} and more text than a SQLite header');
    await rejectsWithCode(openEmbeddedStateStore(notADatabase), ErrorCode.StateUnavailable);
    await assert.rejects(openEmbeddedStateStore(notADatabase), (error: Error) => error.message.includes(notADatabase) && !error.message.includes('\n'));

    const result = await runHubsync(['status', '-c', await writeConfig(folder), '--state', notADatabase]);
    assert.equal(result.code, 2, 'an input error');
    assert.match(singleErrorLine(result), /^hubsync: cannot open state file .*config\.json: .* \[HS_STATE_UNAVAILABLE\]$/);
  });

  it('reads a file it may not write, and fails a write with one line naming the file', async () => {
    const shared = join(folder, 'read-only');
    const path = join(shared, '.hubsync', 'retail.state.db');
    const store = await openEmbeddedStateStore(path);
    await store.saveRun(run('r1', '2026-01-01T00:00:00Z'));
    await store.close();
    const restore = await makeReadOnly(path);
    try {
      const readOnly = await openEmbeddedStateStore(path);
      try {
        assert.deepEqual((await readOnly.listRuns('retail')).items, [run('r1', '2026-01-01T00:00:00Z')]);
        await assert.rejects(readOnly.saveRun(run('r2', '2026-01-02T00:00:00Z')), (error: unknown) => {
          assert.ok(isHubsyncError(error) && error.code === ErrorCode.StateUnavailable && error.isInputError, String(error));
          assert.equal(error.message, `state file ${path} is read-only: cannot record runs`);
          return true;
        });
      } finally {
        await readOnly.close();
      }

      const status = await runHubsync(['status', '--json', '-c', await writeConfig(shared)]);
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual((JSON.parse(status.stdout) as { runs: { runId: string }[] }).runs.map((entry) => entry.runId), ['r1']);
    } finally {
      await restore();
    }
  });
});
