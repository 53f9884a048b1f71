/**
 * Failed records that retry (the Data Export Service's "resync failed records"): a row a member
 * rejected is retried by later runs with what the hub holds for its key now, until it lands, is
 * found deleted, or its retries are used up.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { retryGroupFailures } from '../../src/engine/retry-failures.js';
import type { StateStore } from '../../src/engine/state-store.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';
import { createScenario, type Scenario, type ScenarioSpec } from '../support/scenario.js';
import type { TestDatabase } from '../support/harness.js';
import { deleteItem, insertItem, oneStore, topologies } from './fixtures.js';

/** The member refuses negative quantities until the test drops the constraint (the user's fix). */
const strictMemberTable =
  'CREATE TABLE "items" ("id" BIGINT PRIMARY KEY, "name" VARCHAR(100), "qty" BIGINT NOT NULL CONSTRAINT "items_qty_check" CHECK ("qty" >= 0), "price" DECIMAL(12,2))';
const fixMember = 'ALTER TABLE "items" DROP CONSTRAINT "items_qty_check"';

interface Row {
  readonly id: number;
  readonly name: string | null;
  readonly qty: number;
}

/** The rows of a hub or member (SQLite or PostgreSQL), numbers as numbers. */
async function rowsOf(database: TestDatabase): Promise<Row[]> {
  const rows = await database.query('SELECT "id", "name", "qty" FROM "items" ORDER BY "id"');
  return rows.map((row) => ({ id: Number(row['id']), name: row['name'] as string | null, qty: Number(row['qty']) }));
}

function memberRows(scenario: Scenario): Promise<Row[]> {
  return rowsOf(scenario.member('store'));
}

/** Member and hub hold the same rows. */
async function assertConverged(scenario: Scenario): Promise<void> {
  assert.deepEqual(await memberRows(scenario), await rowsOf(scenario.hub));
}

async function failuresOf(scenario: Scenario) {
  return (await scenario.state.listFailures(scenario.group.name)).items;
}

// PostgreSQL members: a CHECK constraint the user drops later, as in the issue.
for (const topology of topologies.filter((candidate) => candidate.member === postgresHarness)) {
  describe(`failed records retry: ${topology.name}`, () => {
    let scenario: Scenario | undefined;
    afterEach(async () => {
      await scenario?.dispose();
      scenario = undefined;
    });

    /** Row 1 lands, row 2 (qty -1) is rejected by the member and kept as a failed record. */
    async function rejectedRow(options: Partial<ScenarioSpec> = {}): Promise<Scenario> {
      const created = await createScenario(oneStore(topology, options));
      await created.member('store').exec(strictMemberTable);
      await created.hub.exec(insertItem, [1, 'fine', 1, null]);
      await created.hub.exec(insertItem, [2, 'first', -1, null]);
      const result = await created.sync();
      assert.equal(result.status, 'succeededWithFailures');
      const [failure, ...others] = await failuresOf(created);
      assert.equal(others.length, 0);
      assert.equal(failure?.attempts, 1);
      assert.equal(failure?.status, options.retryCount === 0 ? 'failed' : 'pending');
      assert.match(failure?.lastError ?? '', /check/i);
      return created;
    }

    it('applies the row once the user fixed the cause, clears the record and counts it', async () => {
      scenario = await rejectedRow();
      await scenario.member('store').exec(fixMember);
      const result = await scenario.sync();
      assert.equal(result.status, 'succeeded', result.errors.join('; '));
      assert.deepEqual(result.retried, { attempted: 1, cleared: 1, stillFailing: 0 });
      assert.deepEqual(await failuresOf(scenario), []);
      assert.deepEqual(await memberRows(scenario), [
        { id: 1, name: 'fine', qty: 1 },
        { id: 2, name: 'first', qty: -1 },
      ]);
      assert.deepEqual((await scenario.state.listRuns(scenario.group.name, { limit: 1 })).items[0]?.retried, { attempted: 1, cleared: 1, stillFailing: 0 });
      const quiet = await scenario.sync();
      assert.deepEqual(quiet.retried, { attempted: 0, cleared: 0, stillFailing: 0 });
      assert.deepEqual(quiet.members[0], { name: 'store', uploaded: 0, downloaded: 0, conflicts: 0, failed: 0 }, 'the retried row is not echoed back');
    });

    it('delivers the version the hub holds now, not the one that was rejected', async () => {
      scenario = await rejectedRow();
      await scenario.hub.exec('UPDATE "items" SET "name" = ?, "qty" = ? WHERE "id" = ?', ['second', -2, 2]);
      await scenario.member('store').exec(fixMember);
      const result = await scenario.sync();
      assert.deepEqual(result.retried, { attempted: 1, cleared: 1, stillFailing: 0 });
      assert.deepEqual(await failuresOf(scenario), []);
      assert.deepEqual((await memberRows(scenario))[1], { id: 2, name: 'second', qty: -2 });
      await assertConverged(scenario);
    });

    it('never brings back a row the hub deleted since', async () => {
      scenario = await rejectedRow();
      await scenario.hub.exec(deleteItem, [2]);
      await scenario.member('store').exec(fixMember);
      const result = await scenario.sync();
      assert.deepEqual(result.retried, { attempted: 1, cleared: 1, stillFailing: 0 });
      assert.deepEqual(await failuresOf(scenario), []);
      assert.deepEqual(await memberRows(scenario), [{ id: 1, name: 'fine', qty: 1 }]);
      await scenario.sync();
      assert.deepEqual(await memberRows(scenario), [{ id: 1, name: 'fine', qty: 1 }], 'nor does a later run');
      assert.deepEqual(await scenario.hub.query('SELECT "id" FROM "items" WHERE "id" = 2'), [], 'nor does the hub get it back');
    });

    it('never brings it back through `failures retry --all` either', async () => {
      scenario = await rejectedRow({ retryCount: 0 });
      assert.equal((await failuresOf(scenario))[0]?.status, 'failed', 'retryCount 0: no automatic retry at all');
      await scenario.hub.exec(deleteItem, [2]);
      await scenario.member('store').exec(fixMember);
      const retried = await retryGroupFailures(scenario.group, scenario.context, { all: true });
      assert.deepEqual([retried.attempted, retried.cleared, retried.stillFailing], [1, 1, 0]);
      assert.deepEqual(await memberRows(scenario), [{ id: 1, name: 'fine', qty: 1 }]);
    });

    it('stops retrying after retryCount retries, and `--all` still retries the record', async () => {
      scenario = await rejectedRow({ retryCount: 2 });
      for (const [attempts, status] of [
        [2, 'pending'],
        [3, 'failed'],
      ] as const) {
        const result = await scenario.sync();
        assert.deepEqual(result.retried, { attempted: 1, cleared: 0, stillFailing: 1 });
        const [failure] = await failuresOf(scenario);
        assert.equal(failure?.attempts, attempts);
        assert.equal(failure?.status, status);
        assert.equal(failure?.nextAttemptAt === null, status === 'failed');
        assert.equal(failure?.error.match(/check/i) !== null && failure.failedAt !== failure.lastAttemptAt, true, 'first reason and time kept');
      }
      await scenario.member('store').exec(fixMember);
      const exhausted = await scenario.sync();
      assert.deepEqual(exhausted.retried, { attempted: 0, cleared: 0, stillFailing: 0 }, 'used up: not retried automatically');
      assert.equal((await memberRows(scenario)).length, 1);

      const due = await retryGroupFailures(scenario.group, scenario.context, { all: false });
      assert.equal(due.attempted, 0, 'without --all only due pending records');
      const all = await retryGroupFailures(scenario.group, scenario.context, { all: true });
      assert.deepEqual(all.outcomes.map((outcome) => [outcome.key, outcome.result]), [[{ id: '2' }, 'cleared']]);
      assert.deepEqual(await failuresOf(scenario), []);
      assert.equal((await memberRows(scenario)).length, 2);
    });

    it('waits retryIntervalSeconds before retrying', async () => {
      scenario = await rejectedRow({ retryIntervalSeconds: 3600 });
      await scenario.member('store').exec(fixMember);
      assert.deepEqual((await scenario.sync()).retried, { attempted: 0, cleared: 0, stillFailing: 0 });
      assert.equal((await retryGroupFailures(scenario.group, scenario.context, { all: true })).cleared, 1);
    });

    it('does not overwrite a newer edit the member made meanwhile: the conflict rules decide', async () => {
      scenario = await rejectedRow({ conflictPolicy: 'lastWriterWins' });
      await scenario.member('store').exec(insertItem, [2, 'local', 3, null]);
      const result = await scenario.sync();
      assert.equal(result.status, 'succeeded', result.errors.join('; '));
      assert.deepEqual(result.retried, { attempted: 1, cleared: 1, stillFailing: 0 });
      assert.deepEqual((await memberRows(scenario))[1], { id: 2, name: 'local', qty: 3 });
      await assertConverged(scenario);
      const [conflict] = (await scenario.state.listConflicts(scenario.group.name)).items;
      assert.equal(conflict?.winner, 'store', 'the hub version lost to the newer member edit, and is logged (invariant 6)');
      assert.equal(conflict?.losing.values?.['name'], 'first');
    });

    it('converges with no duplicate when a retry dies between its apply and clearing the record', async () => {
      scenario = await rejectedRow();
      await scenario.member('store').exec(fixMember);
      const dying = dyingOnClear(scenario.state);
      const interrupted = await scenario.sync(scenario.withContext({ state: dying }));
      assert.equal(interrupted.retried.cleared, 0);
      assert.equal((await failuresOf(scenario)).length, 1, 'the record outlived the kill');
      assert.equal((await memberRows(scenario)).length, 2, 'the apply had committed');

      const next = await scenario.sync();
      assert.deepEqual(next.retried, { attempted: 1, cleared: 1, stillFailing: 0 });
      assert.deepEqual(await failuresOf(scenario), []);
      await assertConverged(scenario);
      assert.deepEqual((await scenario.state.listConflicts(scenario.group.name)).items, [], 'no false conflict');
      assert.deepEqual(next.members[0], { name: 'store', uploaded: 0, downloaded: 0, conflicts: 0, failed: 0 });
    });
  });
}

describe('failed records retry: an upload the hub rejected', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  it('is retried into the hub with the member\'s current row once the hub accepts it, and reaches the other members', async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [
        { name: 'store', harness: sqliteHarness, direction: 'bidirectional' },
        { name: 'reader', harness: postgresHarness, direction: 'fromHub' },
      ],
      tables: [],
      selections: [{ name: 'items' }],
    });
    // Stricter than the member tables hubsync creates from it: CHECK constraints are not copied.
    await scenario.hub.exec(strictMemberTable);
    assert.equal((await scenario.sync()).status, 'succeeded');
    await scenario.member('store').exec(insertItem, [1, 'fine', 1, null]);
    await scenario.member('store').exec(insertItem, [2, 'refused', -1, null]);
    const first = await scenario.sync();
    assert.equal(first.status, 'succeededWithFailures');
    const [failure] = await failuresOf(scenario);
    assert.deepEqual([failure?.direction, failure?.member, failure?.key], ['upload', 'store', { id: '2' }]);

    await scenario.member('store').exec('UPDATE "items" SET "name" = ? WHERE "id" = ?', ['changed', 2]);
    await scenario.hub.exec(fixMember);
    const result = await scenario.sync();
    assert.deepEqual(result.retried, { attempted: 1, cleared: 1, stillFailing: 0 });
    assert.deepEqual(await failuresOf(scenario), []);
    const expected = [
      { id: 1, name: 'fine', qty: 1 },
      { id: 2, name: 'changed', qty: -1 },
    ];
    assert.deepEqual(await rowsOf(scenario.hub), expected);
    assert.deepEqual(await rowsOf(scenario.member('store')), expected);
    assert.deepEqual(await rowsOf(scenario.member('reader')), expected, 'the retried row reached the other members in the same run');
  });
});

/** The state store as a process killed right before it removes a failed record. */
function dyingOnClear(state: StateStore): StateStore {
  return new Proxy(state, {
    get(target, property, receiver) {
      if (property === 'clearFailure') {
        return async () => {
          throw new Error('killed before the failed record was cleared');
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
