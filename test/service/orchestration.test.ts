import { core } from '../support/record-registrations.js';
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import * as df from 'durable-functions';
import type { RunOutcome } from '../../src/engine/run-steps.js';
import type { TransferStepResult } from '../../src/engine/transfer-step.js';
import { runInstanceId, syncGroupRunOrchestration } from '../../src/service/run-contract.js';
import type { PreparedRun, RetriedStep, TransferActivityInput } from '../../orchestrations/run-activities.js';
import { stepsPerExecution } from '../../orchestrations/member-transfer.js';
import { EventType } from '../support/durable-history.js';
import { DurableTestHost, registeredDurableFunctions } from '../support/durable-host.js';
import type { DurableFunctionLookup, DurableHandler } from '../support/durable-replay.js';
import { Gates } from '../support/gates.js';
import { loadRegisteredApp } from '../support/registered-app.js';

/**
 * The real syncGroupRun and memberTransfer orchestrators, replayed by the real durable-functions
 * SDK through the test host, with their activities replaced by scripts: what the orchestration
 * asks for, in which order, with which history, whatever the databases do.
 */

const uploaders = ['a', 'b', 'up'];
const plan: PreparedRun = {
  tables: ['items', 'orders'],
  warnings: [],
  uploaders,
  downloaders: ['a', 'b', 'down'],
  uploadOnly: ['up'],
  parallelUploads: true,
  hub: 'hub',
  members: ['a', 'b', 'up', 'down'],
};

/** What a transfer step returns for a member and direction, by call number (1-based); throw to fail it. */
type Script = (call: number) => TransferStepResult;
const done: Script = () => ({ moved: 1, conflicts: 0, failed: 0, more: false });
let scripts: Map<string, Script>;
let calls: { name: string; input: unknown }[];
let finished: RunOutcome[];
/** What the retry of failed records returns; throw to fail it. */
let retryScript: () => RetriedStep;
const noRetries = (): RetriedStep => ({ attempted: 0, cleared: 0, stillFailing: 0, notices: [] });
const gates = new Gates();

const fakes: Record<string, DurableHandler> = {
  prepareRun: () => plan,
  startRun: () => null,
  retryFailures: () => retryScript(),
  readWatermark: (input) => ({ stamp: `${(input as { node: string }).node}-mark`, heldBackBy: null }),
  recordHubSeen: () => null,
  finishRun: (input) => {
    finished.push(input as RunOutcome);
    return { status: (input as RunOutcome).errors.length > 0 ? 'failed' : 'succeeded' };
  },
  transferStep: async (input) => {
    const { member, direction } = input as TransferActivityInput;
    const key = `${direction}:${member}`;
    const call = calls.filter((entry) => entry.name === 'transferStep' && key === stepKey(entry.input)).length;
    if (key === 'upload:gated') await gates.get('held').pass();
    return (scripts.get(key) ?? done)(call);
  },
};

function stepKey(input: unknown): string {
  const { member, direction } = input as TransferActivityInput;
  return `${direction}:${member}`;
}

let host: DurableTestHost;
let real: DurableFunctionLookup;
/** Replaces the orchestrator registered under a name, for the determinism test. */
let orchestrationOverride: ((name: string) => DurableHandler | undefined) | null = null;

before(async () => {
  await loadRegisteredApp();
  real = registeredDurableFunctions(core);
  host = await DurableTestHost.start({
    orchestration: (name) => orchestrationOverride?.(name) ?? real.orchestration(name),
    activity: (name) => {
      const fake = fakes[name];
      if (fake === undefined) return undefined;
      return (input, context) => {
        calls.push({ name, input });
        return fake(input, context);
      };
    },
  });
});

beforeEach(() => {
  scripts = new Map();
  calls = [];
  finished = [];
  retryScript = noRetries;
  orchestrationOverride = null;
});

after(async () => {
  gates.openAll();
  await host.close();
});

let runs = 0;
async function run(): Promise<{ instanceId: string; runId: string }> {
  runs += 1;
  const runId = `run-${runs}`;
  const instanceId = runInstanceId(`group${runs}`);
  await host.start(syncGroupRunOrchestration, instanceId, { group: `group${runs}`, runId });
  return { instanceId, runId };
}

function names(): string[] {
  return calls.map((entry) => (entry.name === 'transferStep' ? `transferStep ${stepKey(entry.input)}` : entry.name));
}

test('fan-out: one sub-orchestration per member and direction; a run with nothing to do makes O(members) activity calls', async () => {
  const { instanceId } = await run();
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Completed', String(instance.output));
  const children = host.allInstances().filter((candidate) => candidate.parentInstanceId === instanceId);
  assert.deepEqual(children.map((child) => child.instanceId.split(':').slice(2).join(':')).sort(), [
    'download:a', 'download:b', 'download:down', 'upload:a', 'upload:b', 'upload:up',
  ]);
  // The uploads were scheduled together, before any of them completed: a fan-out, not a loop.
  const created = instance.history.map((event) => event.EventType);
  const firstCompleted = created.indexOf(EventType.SubOrchestrationInstanceCompleted);
  assert.equal(created.slice(0, firstCompleted).filter((type) => type === EventType.SubOrchestrationInstanceCreated).length, 3);
  // prepare, start, retry failed records, 3 × (member watermark + step), hub watermark, 3 downloads, recordHubSeen, finish.
  assert.equal(calls.length, 1 + 1 + 1 + 3 * 2 + 1 + 3 + 1 + 1);
  assert.deepEqual(names().slice(0, 3), ['prepareRun', 'startRun', 'retryFailures']);
  assert.equal(names().at(-1), 'finishRun');
  assert.ok(names().indexOf('readWatermark', 2) < names().indexOf('transferStep upload:a'));
  const hubMark = calls.findIndex((entry) => entry.name === 'readWatermark' && (entry.input as { node: string }).node === 'hub');
  assert.ok(calls.slice(0, hubMark).every((entry) => entry.name !== 'transferStep' || stepKey(entry.input).startsWith('upload')), 'every upload before the hub watermark');
  assert.ok(calls.slice(hubMark).every((entry) => entry.name !== 'transferStep' || stepKey(entry.input).startsWith('download')), 'every download after it');
  const downloadInputs = calls.filter((entry) => entry.name === 'transferStep' && stepKey(entry.input).startsWith('download'));
  assert.ok(downloadInputs.every((entry) => (entry.input as TransferActivityInput).before === 'hub-mark'), 'one hub watermark for every download');
  assert.deepEqual(finished[0]?.members, [
    { name: 'a', uploaded: 1, downloaded: 1, conflicts: 0, failed: 0 },
    { name: 'b', uploaded: 1, downloaded: 1, conflicts: 0, failed: 0 },
    { name: 'up', uploaded: 1, downloaded: 0, conflicts: 0, failed: 0 },
    { name: 'down', uploaded: 0, downloaded: 1, conflicts: 0, failed: 0 },
  ]);
  assert.deepEqual(instance.output, { runId: `run-${runs}`, status: 'succeeded' });
});

test('failed records are retried before the uploads; their counts reach the run record, and a failing retry fails no member', async () => {
  retryScript = () => ({ attempted: 3, cleared: 2, stillFailing: 1, notices: ['failed records of member "b" (upload) not retried: unreachable'] });
  const first = await run();
  assert.equal((await host.waitFor(first.instanceId)).status, 'Completed');
  assert.ok(names().indexOf('retryFailures') < names().findIndex((name) => name.startsWith('transferStep')));
  assert.deepEqual(finished[0]?.retried, { attempted: 3, cleared: 2, stillFailing: 1 });
  assert.deepEqual(finished[0]?.notices, ['failed records of member "b" (upload) not retried: unreachable']);

  retryScript = () => {
    throw new Error('state store unavailable');
  };
  const second = await run();
  assert.deepEqual((await host.waitFor(second.instanceId)).output, { runId: second.runId, status: 'succeeded' });
  assert.equal(finished[1]?.retried, undefined);
  assert.match(finished[1]?.notices.join('\n') ?? '', /failed records not retried: .*state store unavailable/);
});

test('the step loop: a step that reports more is called again with the same input until it has no more', async () => {
  scripts.set('upload:a', (call) => ({ moved: 10, conflicts: call === 1 ? 1 : 0, failed: 0, more: call < 3 }));
  const { instanceId } = await run();
  assert.equal((await host.waitFor(instanceId)).status, 'Completed');
  const steps = calls.filter((entry) => entry.name === 'transferStep' && stepKey(entry.input) === 'upload:a');
  assert.equal(steps.length, 3);
  assert.equal(new Set(steps.map((entry) => JSON.stringify(entry.input))).size, 1, 'where to go on is read from the destination, not the input');
  assert.deepEqual(finished[0]?.members[0], { name: 'a', uploaded: 30, downloaded: 1, conflicts: 1, failed: 0 });
});

test('a long transfer continues as new every stepsPerExecution steps: history stays bounded', async () => {
  const total = stepsPerExecution * 2 + 5;
  scripts.set('download:b', (call) => ({ moved: 1, conflicts: 0, failed: 0, more: call < total }));
  const { instanceId } = await run();
  assert.equal((await host.waitFor(instanceId)).status, 'Completed');
  const child = host.allInstances().find((candidate) => candidate.instanceId === `${instanceId}:run-${runs}:download:b`);
  assert.equal(child?.stats.continuedAsNew, 2);
  assert.ok((child?.stats.maxHistoryEvents ?? Infinity) <= stepsPerExecution * 4 + 10, `${child?.stats.maxHistoryEvents} events`);
  assert.equal(finished[0]?.members[1]?.downloaded, total, 'counts carried across executions');
});

test('retries: a step failing once is retried by the policy and the run succeeds', async () => {
  scripts.set('upload:b', (call) => {
    if (call === 1) throw new Error('connection reset');
    return { moved: 5, conflicts: 0, failed: 0, more: false };
  });
  const { instanceId } = await run();
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Completed');
  assert.equal(calls.filter((entry) => entry.name === 'transferStep' && stepKey(entry.input) === 'upload:b').length, 2);
  assert.deepEqual(finished[0]?.errors, []);
  assert.equal(finished[0]?.members[1]?.uploaded, 5);
  const child = host.allInstances().find((candidate) => candidate.instanceId === `${instanceId}:run-${runs}:upload:b`);
  assert.ok(child?.history.some((event) => event.EventType === EventType.TimerCreated), 'the retry waited on a durable timer');
});

test('a member that keeps failing is recorded failed; the others still upload and download', async () => {
  scripts.set('upload:b', () => {
    throw new Error('HS_CONNECTION_FAILED: cannot reach member "b"');
  });
  const { instanceId } = await run();
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Completed');
  assert.equal(calls.filter((entry) => entry.name === 'transferStep' && stepKey(entry.input) === 'upload:b').length, 3, 'three attempts');
  assert.ok(!names().includes('transferStep download:b'), 'a failed member takes no further step');
  assert.ok(names().includes('transferStep download:a') && names().includes('transferStep download:down'));
  assert.deepEqual(finished[0]?.errors, ['member "b": HS_CONNECTION_FAILED: cannot reach member "b"']);
  assert.deepEqual(instance.output, { runId: `run-${runs}`, status: 'failed' });
});

test('cancel: a terminated run stops at its next step and never records its end', async () => {
  uploaders.push('gated');
  try {
    const { instanceId } = await run();
    await gates.get('held').reached;
    const client = df.getClient(host.invocationContext('cancel', df.input.durableClient()));
    await client.terminate(instanceId, 'cancelled through the API');
    gates.get('held').open();
    const instance = await host.waitFor(instanceId);
    await host.idle();
    assert.equal(instance.status, 'Terminated');
    assert.ok(!names().includes('finishRun'), 'the cancel handler records the run cancelled, not the orchestration');
    assert.ok(!names().some((name) => name.startsWith('transferStep download')), 'no download after the cancel');
  } finally {
    uploaders.pop();
  }
});

test('non-determinism: a replay that asks for other actions than history recorded fails the instance', async () => {
  // As if a different orchestrator were deployed under the same name while a run was going.
  let episodes = 0;
  orchestrationOverride = (name) => {
    if (name !== syncGroupRunOrchestration) return undefined;
    episodes += 1;
    return episodes <= 2 ? real.orchestration(name) : real.orchestration('memberTransfer');
  };
  const { instanceId } = await run();
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Failed');
  assert.match(String(instance.output), /Non-Deterministic workflow detected: history has activity prepareRun as action 0/);
});
