/**
 * Seeded randomized sync: random inserts, updates, deletes and primary-key changes on the hub and
 * on members of every direction, one sync per round, and after every sync the properties that
 * must hold whatever the policy: convergence in one run, a quiet second run, only real conflicts
 * with the kept version really kept, no lost change, no resurrected delete, no duplicate.
 *
 * Replay a failure with its seed: HUBSYNC_RANDOM_SEEDS=<seed> (comma-separated list) and
 * HUBSYNC_RANDOM_ROUNDS=<n> override the default seeds and rounds (for long soak runs).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import type { ConflictPolicy, Direction } from '../../src/engine/group.js';
import { provisionGroup } from '../../src/engine/provision-group.js';
import type { ConflictRecord, JsonValue } from '../../src/engine/state-store.js';
import type { RunResult } from '../../src/engine/sync-group.js';
import type { ProviderHarness, TestDatabase } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { deleteItem, insertItem, items } from '../scenarios/fixtures.js';
import { type NodeChange, predictHub } from './randomized-oracle.js';
import { createRandom, type Random } from './random.js';

/**
 * Together they cover both hub engines, every policy, and fromHub and toHub members. 6 and 27
 * (a fromHub member and the hub making the same change), 11 (a fromHub member's newer delete)
 * and 10 (an old hub tombstone met by a newer delete) each found an engine bug once.
 */
const defaultSeeds = [1, 5, 6, 10, 11, 20, 26, 27];
const defaultRounds = 10;
/** Keys are drawn from 1..keySpace, so inserts, key changes and conflicts hit the same few rows. */
const keySpace = 36;
const initialRows = 20;

/** HUBSYNC_RANDOM_TRACE=1 prints every write and sync, to turn a failing seed into a reproduction. */
const trace = process.env['HUBSYNC_RANDOM_TRACE'] === '1' ? (line: string): void => console.log(line) : (): void => undefined;
const seeds = listFromEnv('HUBSYNC_RANDOM_SEEDS') ?? defaultSeeds;
const rounds = listFromEnv('HUBSYNC_RANDOM_ROUNDS')?.[0] ?? defaultRounds;

function listFromEnv(name: string): number[] | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 0)) throw new Error(`${name} must be whole numbers, comma-separated`);
  return values;
}

type Role = 'hub' | Direction;

interface NodeSpec {
  readonly name: string;
  readonly engine: 'postgres' | 'sqlite';
  readonly role: Role;
}

interface Topology {
  readonly policy: ConflictPolicy;
  readonly batchSize: number;
  readonly hub: NodeSpec;
  readonly members: readonly NodeSpec[];
}

const harnesses: Record<NodeSpec['engine'], ProviderHarness> = { postgres: postgresHarness, sqlite: sqliteHarness };
const policies: readonly ConflictPolicy[] = ['hubWins', 'memberWins', 'lastWriterWins'];

function topologyFor(random: Random): Topology {
  const engine = (): NodeSpec['engine'] => random.pick(['postgres', 'sqlite'] as const);
  const third: Direction = random.pick(['bidirectional', 'fromHub', 'toHub'] as const);
  return {
    policy: random.pick(policies),
    batchSize: random.integer(3, 7),
    hub: { name: 'hub', engine: engine(), role: 'hub' },
    members: [
      { name: 'm1', engine: engine(), role: 'bidirectional' },
      { name: 'm2', engine: engine(), role: 'bidirectional' },
      { name: 'm3', engine: engine(), role: third },
    ],
  };
}

function describeTopology(topology: Topology): string {
  const members = topology.members.map((member) => `${member.name}=${member.engine}/${member.role}`).join(' ');
  return `${topology.policy}, batch ${topology.batchSize}, hub=${topology.hub.engine}, ${members}`;
}

/** A node's rows by key, each row as the snapshot's canonical JSON text. */
type Rows = Map<string, string>;

function rowsOf(snapshot: readonly string[]): Rows {
  const rows: Rows = new Map();
  for (const text of snapshot) {
    const values = JSON.parse(text) as JsonValue[];
    rows.set(String(values[0]), text);
  }
  return rows;
}

/** A conflict log version in the snapshot's form, so the two compare as text. */
function versionText(values: Readonly<Record<string, JsonValue>> | null): string | null {
  return values === null ? null : JSON.stringify(items.columns.map((column) => values[column.name] ?? null));
}

interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Several statements in one transaction: on PostgreSQL they share one change stamp, so batches split a transaction. */
async function inTransaction(database: TestDatabase, statements: readonly Statement[], pause: () => Promise<void>): Promise<void> {
  if (database.engine === 'postgres') {
    const client = new pg.Client({ connectionString: database.connection });
    await client.connect();
    try {
      await client.query('BEGIN');
      for (const statement of statements) {
        await pause();
        let count = 0;
        await client.query(statement.sql.replace(/\?/g, () => `$${(count += 1)}`), [...statement.params]);
      }
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    return;
  }
  await database.exec('BEGIN');
  try {
    for (const statement of statements) {
      await pause();
      await database.exec(statement.sql, statement.params);
    }
    await database.exec('COMMIT');
  } catch (error) {
    await database.exec('ROLLBACK');
    throw error;
  }
}

/** Everything in the conflict log, read page by page (a small page, so paging itself is exercised). */
async function allConflicts(scenario: Scenario): Promise<ConflictRecord[]> {
  const all: ConflictRecord[] = [];
  let continuationToken: string | null = null;
  do {
    const page = await scenario.state.listConflicts(scenario.group.name, { limit: 7, continuationToken });
    all.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken !== null);
  return all;
}

/** What one round did: per key, per node, the order of the node's last write to it. */
class RoundLog {
  private order = 0;
  readonly changed = new Map<string, Map<string, number>>();

  touch(key: number, node: string): void {
    this.order += 1;
    const nodes = this.changed.get(String(key)) ?? new Map<string, number>();
    nodes.set(node, this.order);
    this.changed.set(String(key), nodes);
  }

  nodesOf(key: string): ReadonlyMap<string, number> {
    return this.changed.get(key) ?? new Map<string, number>();
  }
}

class RandomRun {
  private readonly nodes: NodeSpec[];
  /** The keys each node holds now, kept in step with the writes (refreshed from snapshots after each sync). */
  private readonly keys = new Map<string, Set<number>>();
  /** fromHub members' keys edited locally and not overwritten by the hub since (their edits are never uploaded). */
  private readonly dirty = new Map<string, Set<string>>();
  private readonly seenConflicts = new Set<string>();
  private hubAfterLastSync: Rows = new Map();
  private writes = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly topology: Topology,
    private readonly random: Random,
    private readonly seed: number,
  ) {
    this.nodes = [topology.hub, ...topology.members];
    for (const member of topology.members) if (member.role === 'fromHub') this.dirty.set(member.name, new Set());
  }

  private database(node: NodeSpec): TestDatabase {
    return node.role === 'hub' ? this.scenario.hub : this.scenario.member(node.name);
  }

  private async rowsOn(node: NodeSpec): Promise<Rows> {
    return rowsOf(await this.scenario.snapshot(this.database(node), items));
  }

  async start(): Promise<void> {
    await provisionGroup(this.scenario.group, this.scenario.context);
    for (let id = 1; id <= initialRows; id += 1) await this.scenario.hub.exec(insertItem, [id, `seed ${id}`, id, null]);
    const first = await this.scenario.sync();
    assert.equal(first.status, 'succeeded', `seed ${this.seed}: the first sync: ${first.errors.join('; ')}`);
    await this.refreshKeys();
    this.hubAfterLastSync = await this.rowsOn(this.topology.hub);
  }

  private async refreshKeys(): Promise<void> {
    for (const node of this.nodes) this.keys.set(node.name, new Set([...(await this.rowsOn(node)).keys()].map(Number)));
  }

  /** Random writes on random nodes; returns what was changed where. */
  private async write(round: number): Promise<RoundLog> {
    const log = new RoundLog();
    const operations = this.random.integer(4, 12);
    for (let done = 0; done < operations; ) {
      // The hub is written twice as often as one member, so hub/member conflicts are common.
      const node = this.random.pick([this.topology.hub, ...this.nodes]);
      const size = this.random.chance(0.3) ? this.random.integer(2, 4) : 1;
      const statements: Statement[] = [];
      for (let index = 0; index < size; index += 1) {
        const statement = this.randomStatement(node, round, log);
        if (statement) statements.push(statement);
      }
      done += Math.max(statements.length, 1);
      if (statements.length === 0) continue;
      // A pause before every write, so change times differ (SQLite records milliseconds) and
      // the order this log keeps is the order of the recorded times.
      const pause = (): Promise<void> => sleep(3);
      const database = this.database(node);
      trace(`r${round} ${node.name}${statements.length > 1 ? ' (one transaction)' : ''}: ${statements.map((statement) => `${statement.sql} ${JSON.stringify(statement.params)}`).join(' ; ')}`);
      const [single] = statements;
      if (statements.length === 1 && single) {
        await pause();
        await database.exec(single.sql, single.params);
      } else {
        await inTransaction(database, statements, pause);
      }
    }
    return log;
  }

  private randomStatement(node: NodeSpec, round: number, log: RoundLog): Statement | null {
    const held = this.keys.get(node.name) ?? new Set<number>();
    const free = Array.from({ length: keySpace }, (_, index) => index + 1).filter((id) => !held.has(id));
    // Prefer keys other nodes changed this round: that is where conflicts live.
    const hot = [...log.changed.keys()].map(Number);
    const choose = (candidates: readonly number[]): number => {
      const hotOnes = candidates.filter((id) => hot.includes(id));
      return this.random.pick(hotOnes.length > 0 && this.random.chance(0.5) ? hotOnes : candidates);
    };
    const kinds: Array<'insert' | 'update' | 'delete' | 'rekey'> = [];
    if (free.length > 0) kinds.push('insert', 'insert', 'insert');
    if (held.size > 0) kinds.push('update', 'update', 'update', 'update', 'delete', 'delete');
    if (held.size > 0 && free.length > 0) kinds.push('rekey');
    if (kinds.length === 0) return null;
    this.writes += 1;
    const label = `${node.name} r${round} w${this.writes}`;
    const qty = this.random.integer(0, 999);
    const price = this.random.chance(0.3) ? null : `${this.random.integer(0, 9999)}.${String(this.random.integer(0, 99)).padStart(2, '0')}`;
    const kind = this.random.pick(kinds);
    const mark = (id: number): void => {
      log.touch(id, node.name);
      this.dirty.get(node.name)?.add(String(id));
    };
    switch (kind) {
      case 'insert': {
        const id = choose(free);
        held.add(id);
        mark(id);
        return { sql: insertItem, params: [id, label, qty, price] };
      }
      case 'update': {
        const id = choose([...held]);
        mark(id);
        return { sql: 'UPDATE "items" SET "name" = ?, "qty" = ?, "price" = ? WHERE "id" = ?', params: [label, qty, price, id] };
      }
      case 'delete': {
        const id = choose([...held]);
        held.delete(id);
        mark(id);
        return { sql: deleteItem, params: [id] };
      }
      case 'rekey': {
        // A primary-key change: the old key is deleted and the new one inserted, for the trackers.
        const from = choose([...held]);
        const to = choose(free);
        held.delete(from);
        held.add(to);
        mark(from);
        mark(to);
        return { sql: 'UPDATE "items" SET "id" = ?, "name" = ? WHERE "id" = ?', params: [to, label, from] };
      }
    }
  }

  async round(round: number): Promise<void> {
    const where = `seed ${this.seed} round ${round}`;
    const log = await this.write(round);
    const before = new Map<string, Rows>();
    for (const node of this.nodes) before.set(node.name, await this.rowsOn(node));

    const runs = [await this.scenario.sync()];
    // PostgreSQL's watermark is cluster-wide: a transaction open in another database of the
    // server (another test process) holds changes back, and the run says so in a notice. That
    // run is allowed to leave work for the next one; the properties apply once nothing was held.
    while ((runs[runs.length - 1]?.notices.length ?? 0) > 0 && runs.length < 20) {
      trace(`r${round} held back: ${runs[runs.length - 1]?.notices.join('; ')}`);
      await sleep(100);
      runs.push(await this.scenario.sync());
    }
    for (const run of runs) {
      trace(`r${round} sync: ${JSON.stringify(run.members)}`);
      assert.equal(run.status, 'succeeded', `${where}: the sync failed: ${run.errors.join('; ')}`);
    }
    assert.deepEqual(runs[runs.length - 1]?.notices, [], `${where}: changes stayed held back for 20 runs`);

    const after = new Map<string, Rows>();
    for (const node of this.nodes) after.set(node.name, await this.rowsOn(node));
    const hub = after.get('hub') ?? new Map<string, string>();
    const conflicts = await this.newConflicts(where, runs);

    this.checkConvergence(where, before, after, log);
    this.checkConflicts(where, conflicts, log, before, hub);
    this.checkHubRows(where, before, hub, log);
    await this.checkQuietSecondRun(where);

    // fromHub edits the hub has now overwritten are no longer pending.
    for (const keys of this.dirty.values()) for (const key of keys) if (this.hubSideChanged(key, log)) keys.delete(key);
    this.hubAfterLastSync = hub;
    for (const [name, rows] of after) this.keys.set(name, new Set([...rows.keys()].map(Number)));
  }

  /** Conflicts this sync logged; also checks the whole log has no duplicate and the run counted them all. */
  private async newConflicts(where: string, runs: readonly RunResult[]): Promise<ConflictRecord[]> {
    const all = await allConflicts(this.scenario);
    const ids = all.map((conflict) => conflict.id);
    assert.equal(new Set(ids).size, ids.length, `${where}: the conflict log holds an entry twice`);
    const fresh = all.filter((conflict) => !this.seenConflicts.has(conflict.id));
    for (const conflict of fresh) this.seenConflicts.add(conflict.id);
    for (const conflict of fresh) trace(`  conflict ${JSON.stringify(conflict)}`);
    for (const member of this.topology.members) {
      const counted = runs.reduce((sum, run) => sum + (run.members.find((summary) => summary.name === member.name)?.conflicts ?? 0), 0);
      const logged = fresh.filter((conflict) => conflict.member === member.name).length;
      assert.equal(logged, counted, `${where}: ${member.name} counted ${counted} conflicts but logged ${logged}`);
    }
    return fresh;
  }

  /** The hub's row for a key moved this round: the hub or a member whose changes go up changed it. */
  private hubSideChanged(key: string, log: RoundLog): boolean {
    return [...log.nodesOf(key).keys()].some((name) => this.uploads(name));
  }

  private uploads(name: string): boolean {
    const node = this.nodes.find((candidate) => candidate.name === name);
    return node !== undefined && node.role !== 'fromHub';
  }

  /** Invariant 5: bidirectional and fromHub members equal the hub after one run; toHub members receive nothing. */
  private checkConvergence(where: string, before: ReadonlyMap<string, Rows>, after: ReadonlyMap<string, Rows>, log: RoundLog): void {
    const hub = after.get('hub') ?? new Map<string, string>();
    for (const member of this.topology.members) {
      const rows = after.get(member.name) ?? new Map<string, string>();
      if (member.role === 'toHub') {
        assert.deepEqual(rows, before.get(member.name), `${where}: toHub member ${member.name} received changes`);
        continue;
      }
      const pending = this.dirty.get(member.name) ?? new Set<string>();
      for (const key of new Set([...hub.keys(), ...rows.keys()])) {
        // A fromHub member's own edit of a key the hub did not touch this round: nothing comes
        // down for that key, so the member still holds its edit (reported as a divergence below).
        if (pending.has(key) && !this.hubSideChanged(key, log)) {
          assert.equal(rows.get(key) ?? null, before.get(member.name)?.get(key) ?? null, `${where}: ${member.name} key ${key}`);
          continue;
        }
        assert.equal(rows.get(key) ?? null, hub.get(key) ?? null, `${where}: ${member.name} (${member.role}) differs from the hub on key ${key}`);
      }
    }
  }

  /**
   * Invariant 6 and no false conflict: each conflict is on a key both sides changed since they
   * last synced, under the right policy, logged once per member and key, and the version it
   * says was kept is the one the hub holds (the last conflict of a key, as a later upload may
   * legitimately replace an earlier winner).
   */
  private checkConflicts(where: string, conflicts: readonly ConflictRecord[], log: RoundLog, before: ReadonlyMap<string, Rows>, hub: Rows): void {
    const perMemberKey = new Set<string>();
    const lastOfKey = new Map<string, ConflictRecord>();
    for (const conflict of conflicts) {
      const key = String(conflict.key['id']);
      const member = this.topology.members.find((candidate) => candidate.name === conflict.member);
      assert.ok(member, `${where}: conflict for unknown member ${conflict.member}`);
      const label = `${where}: conflict ${conflict.kind} on key ${key} with ${member.name} (${member.role})`;
      assert.ok(!perMemberKey.has(`${member.name}/${key}`), `${label}: logged twice for the same member and key`);
      perMemberKey.add(`${member.name}/${key}`);
      assert.equal(conflict.policy, member.role === 'fromHub' ? 'fromHub' : this.topology.policy, `${label}: policy`);
      assert.equal(conflict.winner, conflict.winning.node, `${label}: winner`);
      assert.notEqual(conflict.winning.node, conflict.losing.node, `${label}: both sides`);
      assert.notEqual(versionText(conflict.winning.values), versionText(conflict.losing.values), `${label}: equal versions are no conflict`);
      const changers = log.nodesOf(key);
      if (member.role === 'fromHub') {
        assert.ok(this.dirty.get(member.name)?.has(key), `${label}: FALSE conflict, ${member.name} never edited the key`);
        assert.ok(this.hubSideChanged(key, log), `${label}: FALSE conflict, the hub's row did not change`);
        // Downloads come after every upload: the hub's version is final and must be the winner.
        assert.equal(versionText(conflict.winning.values), hub.get(key) ?? null, `${label}: the hub's version must win on a fromHub member`);
      } else {
        assert.ok(changers.has(member.name), `${label}: FALSE conflict, ${member.name} did not change the key this round`);
        const otherSide = [...changers.keys()].some((name) => name !== member.name && this.uploads(name));
        assert.ok(otherSide, `${label}: FALSE conflict, nobody else changed the key on the hub's side`);
        lastOfKey.set(key, conflict);
      }
    }
    for (const [key, conflict] of lastOfKey) {
      assert.equal(
        versionText(conflict.winning.values),
        hub.get(key) ?? null,
        `${where}: the last conflict on key ${key} (${conflict.kind}, ${conflict.member}) says ${conflict.winner} won, but the hub holds another version`,
      );
    }
    // No silent loss: when the hub and a member both changed a key to different versions, the
    // loser must be somewhere in the log.
    for (const [key, nodes] of log.changed) {
      if (!nodes.has('hub')) continue;
      const hubRow = before.get('hub')?.get(key) ?? null;
      for (const name of nodes.keys()) {
        if (name === 'hub' || !this.uploads(name)) continue;
        const memberRow = before.get(name)?.get(key) ?? null;
        if (memberRow === hubRow) continue;
        assert.ok(
          conflicts.some((conflict) => String(conflict.key['id']) === key),
          `${where}: hub and ${name} both changed key ${key} to different versions but no conflict was logged`,
        );
      }
    }
  }

  /** No lost change, no resurrection: the hub's row for every key is what the round predicts. */
  private checkHubRows(where: string, before: ReadonlyMap<string, Rows>, hub: Rows, log: RoundLog): void {
    for (let id = 1; id <= keySpace; id += 1) {
      const key = String(id);
      const changes: NodeChange[] = [...log.nodesOf(key)]
        .filter(([name]) => this.uploads(name))
        .map(([name, order]) => ({ node: name, isHub: name === 'hub', row: before.get(name)?.get(key) ?? null, order }));
      const actual = hub.get(key) ?? null;
      if (changes.length === 0) {
        assert.equal(actual, this.hubAfterLastSync.get(key) ?? null, `${where}: key ${key} was changed by nobody (that uploads) but moved on the hub`);
        continue;
      }
      const who = changes.map((change) => `${change.node}#${change.order}=${change.row ?? 'deleted'}`).join(', ');
      const prediction = predictHub(this.topology.policy, changes);
      if (prediction) {
        assert.equal(actual, prediction.row, `${where}: key ${key} under ${this.topology.policy} after ${who}`);
      } else {
        assert.ok(changes.some((change) => change.row === actual), `${where}: key ${key} holds ${actual ?? 'nothing'}, none of ${who}`);
      }
    }
  }

  /** Invariants 2 and 3: right after a sync, another one moves nothing and finds no conflict. */
  private async checkQuietSecondRun(where: string): Promise<void> {
    const again = await this.scenario.sync();
    assert.equal(again.status, 'succeeded', `${where}: the second sync failed: ${again.errors.join('; ')}`);
    for (const member of again.members) {
      assert.deepEqual(
        [member.uploaded, member.downloaded, member.conflicts],
        [0, 0, 0],
        `${where}: the second sync moved changes for ${member.name} (an echo or a re-apply)`,
      );
    }
    const fresh = (await allConflicts(this.scenario)).filter((conflict) => !this.seenConflicts.has(conflict.id));
    assert.deepEqual(fresh, [], `${where}: the second sync logged conflicts`);
  }
}

describe('randomized sync: convergence and the conflict log after every round', () => {
  for (const seed of seeds) {
    const topology = topologyFor(createRandom(seed));
    it(`seed ${seed}, ${rounds} rounds: ${describeTopology(topology)}`, async (t) => {
      t.diagnostic(`replay: HUBSYNC_RANDOM_SEEDS=${seed} HUBSYNC_RANDOM_ROUNDS=${rounds}`);
      const random = createRandom(seed);
      topologyFor(random); // the same draws as above, so the writes follow from the seed alone
      const scenario = await createScenario({
        hub: harnesses[topology.hub.engine],
        members: topology.members.map((member) => ({
          name: member.name,
          harness: harnesses[member.engine],
          direction: member.role === 'hub' ? 'bidirectional' : member.role,
        })),
        tables: [items],
        conflictPolicy: topology.policy,
        batchSize: topology.batchSize,
      });
      try {
        const run = new RandomRun(scenario, topology, random, seed);
        await run.start();
        for (let round = 1; round <= rounds; round += 1) await run.round(round);
      } finally {
        await scenario.dispose();
      }
    });
  }
});
