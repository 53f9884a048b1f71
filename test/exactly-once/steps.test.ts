/**
 * The step API the CLI and the orchestrator share: a run driven one bounded step at a time, each
 * step in a fresh session (new connections, as after a restarted process), some steps dying
 * right after their destination committed, must end exactly where one `sync` ends; and one step
 * run twice at once neither loses nor doubles a change.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { EngineContext } from '../../src/engine/engine-context.js';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { finishRun, prepareRun, readWatermark, recordHubSeen, startRun, emptySummary } from '../../src/engine/run-steps.js';
import { withRunSession, type RunSession } from '../../src/engine/run-session.js';
import type { TransferDirection } from '../../src/engine/state-store.js';
import { transferStep, type TransferStepResult } from '../../src/engine/transfer-step.js';
import { interceptProvider } from '../support/faults.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';
import { createScenario, type Scenario, type ScenarioSpec } from '../support/scenario.js';
import { deleteItem, insertItem, items, updateItemName } from '../scenarios/fixtures.js';
import { createRandom } from './random.js';

const spec: ScenarioSpec = {
  hub: postgresHarness,
  members: [
    { name: 'pg', harness: postgresHarness, direction: 'bidirectional' },
    { name: 'lite', harness: sqliteHarness, direction: 'bidirectional' },
    { name: 'reader', harness: sqliteHarness, direction: 'fromHub' },
    { name: 'writer', harness: postgresHarness, direction: 'toHub' },
  ],
  tables: [items],
  // Two members edit the same rows: by change time the outcome does not depend on which member
  // a run happens to upload first (one sync uploads them in parallel).
  conflictPolicy: 'lastWriterWins',
  batchSize: 7,
};

/** The same history in any scenario built from `spec`: a first sync, then edits everywhere, conflicts included. */
async function writeHistory(scenario: Scenario, sync: () => Promise<unknown>): Promise<void> {
  await provisionGroup(scenario.group, scenario.context);
  for (let id = 1; id <= 60; id += 1) await scenario.hub.exec(insertItem, [id, `hub ${id}`, id, null]);
  for (let id = 100; id < 130; id += 1) await scenario.member('writer').exec(insertItem, [id, `writer ${id}`, id, null]);
  await sync();
  for (let id = 1; id <= 20; id += 1) await scenario.member('pg').exec(updateItemName, [`pg ${id}`, id]);
  for (let id = 15; id <= 35; id += 1) await scenario.member('lite').exec(updateItemName, [`lite ${id}`, id]);
  for (let id = 30; id <= 40; id += 1) await scenario.hub.exec(deleteItem, [id]);
  await scenario.hub.exec(`UPDATE "items" SET "qty" = "qty" + 1000 WHERE "id" > 40`);
  await scenario.member('reader').exec(updateItemName, ['reader edit', 50]);
  for (let id = 200; id < 215; id += 1) await scenario.member('lite').exec(insertItem, [id, `lite new ${id}`, id, null]);
}

async function contentsOf(scenario: Scenario): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = { hub: await scenario.snapshot(scenario.hub, items) };
  for (const name of ['pg', 'lite', 'reader', 'writer']) result[name] = await scenario.snapshot(scenario.member(name), items);
  return result;
}

/**
 * A run as the orchestrator drives it: every step in a session of its own, with at most
 * `maxBatches` batches, and a step that dies is simply called again.
 */
async function stepwiseRun(scenario: Scenario, context: EngineContext, maxBatches: number): Promise<{ steps: number }> {
  const group = scenario.group;
  const inSession = <T>(work: (session: RunSession) => Promise<T>): Promise<T> => withRunSession(group, context, work);
  const retried = async <T>(work: (session: RunSession) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await inSession(work);
      } catch (error) {
        if (attempt >= 20) throw error;
      }
    }
  };
  const plan = await retried((session) => prepareRun(session));
  const runId = 'stepwise';
  await startRun(context.state, { group: group.name, runId, startedAt: new Date().toISOString(), members: group.members.map((m) => m.name) });
  const totals = new Map(group.members.map((member) => [member.name, emptySummary(member.name)]));
  let steps = 0;
  const transferAll = async (member: string, direction: TransferDirection, before: string): Promise<void> => {
    let result: TransferStepResult;
    do {
      result = await retried((session) => transferStep(session, { runId, member, direction, before, maxBatches }));
      steps += 1;
      const summary = totals.get(member) ?? emptySummary(member);
      totals.set(member, {
        ...summary,
        uploaded: summary.uploaded + (direction === 'upload' ? result.moved : 0),
        downloaded: summary.downloaded + (direction === 'download' ? result.moved : 0),
        conflicts: summary.conflicts + result.conflicts,
        failed: summary.failed + result.failed,
      });
    } while (result.more);
  };
  for (const member of plan.uploaders) {
    await transferAll(member, 'upload', (await retried((session) => readWatermark(session, member))).stamp);
  }
  const hubWatermark = (await retried((session) => readWatermark(session, group.hub.name))).stamp;
  for (const member of plan.downloaders) await transferAll(member, 'download', hubWatermark);
  for (const member of plan.uploadOnly) await retried((session) => recordHubSeen(session, { member, hubWatermark }));
  const members = [...totals.values()];
  await finishRun(context.state, { group: group.name, runId, startedAt: new Date().toISOString(), members, errors: [], notices: [] }, new Date().toISOString());
  return { steps };
}

/** Every `nth` apply on any node commits, then the step dies before it can return. */
function dyingAfterCommit(scenario: Scenario, nth: number): EngineContext {
  let applies = 0;
  let context = scenario.context;
  for (const node of [scenario.group.hub.name, ...scenario.group.members.map((member) => member.name)]) {
    context = interceptProvider(context, node, (provider) => ({
      applyChanges: async (request) => {
        const result = await provider.applyChanges(request);
        applies += 1;
        if (applies % nth === 0) throw new Error('killed after the commit, before the step returned');
        return result;
      },
    }));
  }
  return context;
}

describe('the bounded step API', () => {
  const scenarios: Scenario[] = [];
  afterEach(async () => {
    await Promise.all(scenarios.splice(0).map((scenario) => scenario.dispose()));
  });

  it('a run driven with maxBatches 1, steps dying after their commits, ends exactly where one sync ends', async () => {
    const whole = await createScenario(spec);
    const stepwise = await createScenario(spec);
    scenarios.push(whole, stepwise);
    await writeHistory(whole, () => whole.sync());
    await writeHistory(stepwise, () => stepwise.sync());

    await whole.sync();
    const driven = await stepwiseRun(stepwise, dyingAfterCommit(stepwise, 3), 1);

    // Counts are not compared: a step killed after its commit cannot report what it moved.
    assert.deepEqual(await contentsOf(stepwise), await contentsOf(whole));
    assert.ok(driven.steps > 20, `${driven.steps} steps`);
    const conflicts = async (scenario: Scenario) =>
      (await scenario.state.listConflicts(scenario.group.name, { limit: 1000 })).items.map((c) => JSON.stringify([c.table, c.key, c.kind, c.winning.values]));
    assert.deepEqual((await conflicts(stepwise)).sort(), (await conflicts(whole)).sort());
  });

  it('two calls of one step at once neither lose nor duplicate a change', async () => {
    const scenario = await createScenario({ ...spec, members: [{ name: 'lite', harness: sqliteHarness, direction: 'bidirectional' }], batchSize: 50 });
    scenarios.push(scenario);
    await provisionGroup(scenario.group, scenario.context);
    const random = createRandom(7);
    for (let id = 1; id <= 1500; id += 1) await scenario.member('lite').exec(insertItem, [id, `lite ${id}`, random.integer(1, 9), null]);
    const before = await withRunSession(scenario.group, scenario.context, (session) => readWatermark(session, 'lite'));
    const input = { runId: 'twice', member: 'lite', direction: 'upload' as const, before: before.stamp };

    const [first, second] = await Promise.all([
      withRunSession(scenario.group, scenario.context, (session) => transferStep(session, input)),
      withRunSession(scenario.group, scenario.context, (session) => transferStep(session, input)),
    ]);

    assert.equal(first.moved + second.moved, 1500, `moved ${first.moved} + ${second.moved}`);
    assert.equal(first.more || second.more, false);
    assert.deepEqual(await scenario.snapshot(scenario.hub, items), await scenario.snapshot(scenario.member('lite'), items));
    assert.deepEqual((await scenario.state.listConflicts(scenario.group.name)).items, []);
    const again = await withRunSession(scenario.group, scenario.context, (session) => transferStep(session, input));
    assert.deepEqual(again, { moved: 0, conflicts: 0, failed: 0, more: false }, 'a third call finds nothing left');
  });

  it('isolating rejected rows stops at the deadline and the next call goes on from there, losing nothing', async () => {
    const scenario = await createScenario({ ...spec, members: [{ name: 'lite', harness: sqliteHarness, direction: 'bidirectional' }], batchSize: 64 });
    scenarios.push(scenario);
    // The member's table refuses negative quantities; the hub's does not.
    await scenario.member('lite').exec(
      'CREATE TABLE "items" ("id" BIGINT PRIMARY KEY, "name" VARCHAR(100), "qty" INT NOT NULL CHECK ("qty" >= 0), "price" DECIMAL(12,2))',
    );
    await provisionGroup(scenario.group, scenario.context);
    for (let id = 1; id <= 256; id += 1) await scenario.hub.exec(insertItem, [id, `row ${id}`, id % 50 === 0 ? -1 : id, null]);
    const before = await withRunSession(scenario.group, scenario.context, (session) => readWatermark(session, scenario.group.hub.name));
    // A deadline already past: every call does the least it can, one batch or part of one.
    const input = { runId: 'deadline', member: 'lite', direction: 'download' as const, before: before.stamp, deadline: 0 };

    let calls = 0;
    const totals = { moved: 0, failed: 0 };
    for (let more = true; more; calls += 1) {
      assert.ok(calls < 100, 'the steps make progress');
      const result = await withRunSession(scenario.group, scenario.context, (session) => transferStep(session, input));
      totals.moved += result.moved;
      totals.failed += result.failed;
      more = result.more;
    }

    assert.deepEqual(totals, { moved: 251, failed: 5 });
    assert.ok(calls > 4, `${calls} calls: the split stopped at the deadline instead of finishing in one call`);
    assert.equal((await scenario.state.listFailures(scenario.group.name)).items.length, 5);
    assert.equal((await scenario.snapshot(scenario.member('lite'), items)).length, 251);
  });
});
