/**
 * Kill `hubsync sync` (SIGKILL) at random points of large runs, with edits on every side
 * between kills; after each epoch one run goes through and every database must equal what the
 * writers wrote: no lost change, no resurrected delete, no duplicate, no false conflict
 * (invariants 3, 7 and 11). Writers own disjoint keys within an epoch, so no conflict is real and
 * the conflict log must stay empty; ownership moves between epochs, once everything converged.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { TestDatabase } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';
import { runHubsync } from '../cli/run-hubsync.js';
import { createRandom, type Random } from './random.js';

const mainPath = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const seed = Number(process.env.HUBSYNC_KILL_SEED ?? 20261129);
const epochs = Number(process.env.HUBSYNC_KILL_EPOCHS ?? 6);
const killsPerEpoch = 5;
const initialRows = 20_000;

type NodeName = 'hub' | 'pg' | 'lite';
const nodeNames: readonly NodeName[] = ['hub', 'pg', 'lite'];

/** Within an epoch each key has one writer; the hub is nodeNames[0], so the hub owns (key + shift) % 3 = 0. */
function ownerOf(shift: number): (key: number) => NodeName {
  return (key) => nodeNames[(key + shift) % 3] ?? 'hub';
}

/** What the writers wrote: the value every database must hold per key once a run went through. */
type Expected = Map<number, string>;

describe(`kill anywhere (seed ${seed})`, () => {
  let folder: string;
  let config: string;
  const databases = new Map<NodeName, TestDatabase>();
  const expected: Expected = new Map();
  let nextKey = initialRows + 1;
  let random: Random;

  before(async () => {
    random = createRandom(seed);
    folder = await mkdtemp(join(tmpdir(), 'hubsync-kill-'));
    databases.set('hub', await postgresHarness.createDatabase());
    databases.set('pg', await postgresHarness.createDatabase());
    databases.set('lite', await sqliteHarness.createDatabase());
    const hub = node('hub');
    await hub.exec('CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)');
    await hub.exec(`INSERT INTO items SELECT g, 'initial ' || g, g FROM generate_series(1, ${initialRows}) g`);
    for (let id = 1; id <= initialRows; id += 1) expected.set(id, `initial ${id}`);
    config = join(folder, 'group.json');
    await writeFile(
      config,
      JSON.stringify({
        name: 'killed',
        hub: { name: 'hub', provider: 'postgres', connection: 'env:HUBSYNC_KILL_HUB' },
        members: [
          { name: 'pg', provider: 'postgres', connection: 'env:HUBSYNC_KILL_PG', direction: 'bidirectional' },
          { name: 'lite', provider: 'sqlite', connection: node('lite').connection, direction: 'bidirectional' },
        ],
        conflictPolicy: 'hubWins',
        tables: [{ name: 'items' }],
        batchSize: 500,
      }),
    );
    // The members' tables exist from here on, so writers can write to them between kills.
    const provisioned = await runHubsync(['provision', '-c', config], environment());
    assert.equal(provisioned.code, 0, provisioned.stderr);
  });
  after(async () => {
    await Promise.allSettled([...databases.values()].map((database) => database.dispose()));
    await rm(folder, { recursive: true, force: true });
  });

  function node(name: NodeName): TestDatabase {
    const database = databases.get(name);
    if (!database) throw new Error(`no database ${name}`);
    return database;
  }

  function environment(): Record<string, string> {
    return {
    HUBSYNC_KILL_HUB: node('hub').connection,
      HUBSYNC_KILL_PG: node('pg').connection,
    };
  }

  /** Start a sync and SIGKILL it after `delayMs`; resolves with whether it was killed before it ended. */
  function syncKilledAfter(delayMs: number): Promise<{ killed: boolean; code: number | null }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [mainPath, 'sync', '-c', config], {
        env: { ...process.env, ...environment() },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (signal === null && code !== 0) reject(new Error(`sync failed on its own (exit ${code}): ${stderr}`));
        else resolve({ killed: signal === 'SIGKILL', code });
      });
    });
  }

  /** Random writes by each node to the keys it owns this epoch, and new keys of its own. */
  async function write(shift: number, round: string): Promise<void> {
    const owner = ownerOf(shift);
    const keys = [...expected.keys()];
    for (const name of nodeNames) {
      const database = node(name);
      // A member may not have received every row yet: it can only change the rows it holds.
      const held = await contents(name);
      const owned = keys.filter((key) => owner(key) === name && held.has(key));
      if (name === 'hub' && random.chance(0.5)) {
        // One large transaction: every row of it carries one stamp on PostgreSQL.
        const remainder = random.integer(0, 9);
        const rewritten = owned.filter((key) => key % 10 === remainder);
        await database.exec(`UPDATE items SET name = 'bulk ${round} ' || id WHERE id % 10 = ${remainder} AND (id + ${shift}) % 3 = 0`);
        for (const key of rewritten) expected.set(key, `bulk ${round} ${key}`);
      }
      for (let edit = 0; edit < 40 && owned.length > 0; edit += 1) {
        const key = random.pick(owned);
        if (!expected.has(key)) continue;
        if (random.chance(0.2)) {
          await database.exec('DELETE FROM items WHERE id = ?', [key]);
          expected.delete(key);
        } else {
          const name_ = `${name} ${round} ${key}`;
          await database.exec('UPDATE items SET name = ? WHERE id = ?', [name_, key]);
          expected.set(key, name_);
        }
      }
      for (let insert = 0; insert < 10; insert += 1) {
        // New keys belong to their writer too, or two nodes could write one key within an epoch.
        while (owner(nextKey) !== name) nextKey += 1;
        const key = nextKey;
        nextKey += 1;
        const name_ = `${name} ${round} new ${key}`;
        await database.exec('INSERT INTO items (id, name, qty) VALUES (?, ?, ?)', [key, name_, 1]);
        expected.set(key, name_);
      }
    }
  }

  async function contents(name: NodeName): Promise<Map<number, string>> {
    const rows = await node(name).query<{ id: unknown; name: string }>('SELECT id, name FROM items');
    return new Map(rows.map((row) => [Number(row.id), row.name]));
  }

  it(`converges after ${epochs * killsPerEpoch} kills with edits everywhere in between`, async () => {
    let killed = 0;
    for (let epoch = 1; epoch <= epochs; epoch += 1) {
      // Keys move to a new owner each epoch: the hub's bulk rows of epoch 1 are members' next.
      const shift = epoch % 3;
      // Rounds go on until this epoch's runs were killed often enough: a run that finished before
      // its kill came counts as a round, not as a kill.
      for (let round = 1, killedNow = 0; killedNow < killsPerEpoch && round <= 4 * killsPerEpoch; round += 1) {
        if (epoch > 1 || round > 1) await write(shift, `e${epoch}r${round}`);
        const outcome = await syncKilledAfter(random.integer(100, 1500));
        if (outcome.killed) killedNow += 1;
        if (outcome.killed) killed += 1;
      }
      const finished = await runHubsync(['sync', '--json', '-c', config], environment());
      assert.equal(finished.code, 0, finished.stderr);
      for (const name of nodeNames) {
        const actual = await contents(name);
        const missing = [...expected].filter(([key, value]) => actual.get(key) !== value).slice(0, 5);
        const extra = [...actual.keys()].filter((key) => !expected.has(key)).slice(0, 5);
        assert.deepEqual({ node: name, epoch, missing, extra }, { node: name, epoch, missing: [], extra: [] });
        assert.equal(actual.size, expected.size, `${name} holds exactly the expected rows`);
      }
      const conflicts = await runHubsync(['conflicts', '--json', '-c', config], environment());
      assert.deepEqual(JSON.parse(conflicts.stdout).conflicts, [], `no false conflict by epoch ${epoch}`);
    }
    const status = await runHubsync(['status', '--json', '--limit', '100', '-c', config], environment());
    const runs = JSON.parse(status.stdout).runs as { status: string }[];
    assert.ok(!runs.some((run) => run.status === 'running'), 'no run is left marked running');
    assert.ok(killed >= 25, `${killed} runs were killed while working (at least 25 wanted)`);
    assert.ok(runs.filter((run) => run.status === 'abandoned').length > 0);
  });
});
