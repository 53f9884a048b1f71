import { core } from '../support/record-registrations.js';
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { ExportStepResult } from '../../orchestrations/export-profile-run.js';
import { stepsPerExecution } from '../../orchestrations/member-transfer.js';
import { exportInstanceId, exportProfileRunOrchestration, type ExportProfileRunInput } from '../../src/service/export-contract.js';
import { DurableTestHost, registeredDurableFunctions } from '../support/durable-host.js';
import { loadRegisteredApp } from '../support/registered-app.js';

/**
 * The real exportProfileRun orchestrator, replayed by the real durable-functions SDK, with its
 * exportStep activity scripted: the engine's "more to do" loop, bounded history, retries, failure.
 */

/** What the step returns by call number (1-based); throw to fail it. */
let script: (call: number) => ExportStepResult;
let calls: ExportProfileRunInput[];
let host: DurableTestHost;
let runs = 0;

const step = (more: boolean): ExportStepResult => ({ status: 'succeeded', exported: 10, failed: 0, resolved: 0, more });

before(async () => {
  await loadRegisteredApp();
  const real = registeredDurableFunctions(core);
  host = await DurableTestHost.start({
    orchestration: (name) => real.orchestration(name),
    activity: (name) =>
      name !== 'exportStep'
        ? undefined
        : (input) => {
            calls.push(input as ExportProfileRunInput);
            return script(calls.length);
          },
  });
});

beforeEach(() => {
  calls = [];
});

after(() => host.close());

async function run(input: Partial<ExportProfileRunInput> = {}): Promise<{ status: string; output: Record<string, unknown>; continuedAsNew: number; maxHistory: number }> {
  runs += 1;
  const instanceId = exportInstanceId(`profile${runs}`);
  await host.start(exportProfileRunOrchestration, instanceId, { profile: `profile${runs}`, runId: `run-${runs}`, mode: 'run', tables: null, ...input });
  const instance = await host.waitFor(instanceId);
  return { status: instance.status, output: instance.output as Record<string, unknown>, continuedAsNew: instance.stats.continuedAsNew, maxHistory: instance.stats.maxHistoryEvents };
}

test('the step is called again while the engine reports more, and the counts add up', async () => {
  script = (call) => step(call < 3);
  const { status, output } = await run();
  assert.equal(status, 'Completed');
  assert.equal(calls.length, 3);
  assert.deepEqual([output.exported, output.steps, output.status, output.error], [30, 3, 'succeeded', null]);
  assert.deepEqual(calls[0], { profile: `profile${runs}`, runId: `run-${runs}`, mode: 'run', tables: null }, 'names only in the activity input');
});

test('a long initial copy continues as new, keeping the history short, and carries its counts', async () => {
  const total = stepsPerExecution * 2 + 5;
  script = (call) => step(call < total);
  const { status, output, continuedAsNew, maxHistory } = await run();
  assert.equal(status, 'Completed');
  assert.equal(continuedAsNew, 2);
  assert.ok(maxHistory < stepsPerExecution * 6, `${maxHistory} events`);
  assert.deepEqual([output.exported, output.steps], [total * 10, total]);
});

test('a resync is passed through with its tables; failed records make the run succeededWithFailures', async () => {
  script = (call) => ({ ...step(call < 2), failed: call === 1 ? 2 : 0, status: call === 1 ? 'succeededWithFailures' : 'succeeded' });
  const { output } = await run({ mode: 'resyncFailed', tables: ['account'] });
  assert.deepEqual(calls.map((input) => [input.mode, input.tables]), [['resyncFailed', ['account']], ['resyncFailed', ['account']]]);
  assert.deepEqual([output.status, output.failed], ['succeededWithFailures', 2]);
});

test('a step failing once is retried; one that keeps failing ends the run failed with its message', async () => {
  script = (call) => {
    if (call === 1) throw new Error('connection reset');
    return step(false);
  };
  assert.equal((await run()).output.status, 'succeeded');
  assert.equal(calls.length, 2);

  calls = [];
  script = () => {
    throw new Error('HS_CONNECTION_FAILED: cannot reach destination "reporting"');
  };
  const { status, output } = await run();
  assert.equal(status, 'Completed', 'the orchestration itself does not fail');
  assert.equal(calls.length, 3, 'three attempts');
  assert.equal(output.status, 'failed');
  assert.match(String(output.error), /cannot reach destination "reporting"/);
});
