import { core } from '../support/record-registrations.js';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import * as df from 'durable-functions';
import { ActionType, EventType } from '../support/durable-history.js';
import { DurableTestHost, registeredDurableFunctions } from '../support/durable-host.js';
import { Gates } from '../support/gates.js';

const flakyCalls = { count: 0 };
const gates = new Gates();
df.app.activity('gate', { handler: (name: unknown) => gates.get(String(name)).pass() });
const greet = df.app.activity('greet', { handler: (name: unknown) => `hello ${String(name)}` });
df.app.activity('flaky', {
  handler: () => {
    flakyCalls.count += 1;
    if (flakyCalls.count < 3) throw new Error(`transient failure ${flakyCalls.count}`);
    return `worked on attempt ${flakyCalls.count}`;
  },
});

df.app.orchestration('fanOutWithRetry', function* (context) {
  const names = context.df.getInput() as string[];
  const greetings: unknown = yield context.df.Task.all(names.map((name) => greet(name)));
  const flaky: unknown = yield context.df.callActivityWithRetry('flaky', new df.RetryOptions(1000, 3), 'x');
  return { greetings, flaky };
});

df.app.orchestration('alwaysFailing', function* (context) {
  yield context.df.callActivityWithRetry('flaky', new df.RetryOptions(1000, 2), 'x');
  return 'unreachable';
});

df.app.orchestration('waitsAtGate', function* (context) {
  yield context.df.callActivity('gate', context.df.getInput());
  yield context.df.callActivity('greet', 'after the gate');
  return 'finished';
});

df.app.orchestration('countsDown', function* (context) {
  const left = context.df.getInput() as number;
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  if (left > 0) {
    context.df.continueAsNew(left - 1);
    return undefined;
  }
  return 'done counting';
});

df.app.orchestration('parent', function* (context) {
  const child: unknown = yield context.df.callSubOrchestrator('countsDown', 2, `${context.df.instanceId}-child`);
  return `child said ${String(child)}`;
});

// Not deterministic on purpose: the first two replays ask for "greet" as the second action, the
// third (after it is in history) for another activity.
let replays = 0;
df.app.orchestration('changesItsMind', function* (context) {
  replays += 1;
  yield context.df.callActivity('greet', 'first');
  yield context.df.callActivity(replays <= 2 ? 'greet' : 'flaky', 'second');
  return 'should not finish';
});

let host: DurableTestHost;
before(async () => {
  host = await DurableTestHost.start(registeredDurableFunctions(core));
});
after(async () => {
  await host.close();
});

function client(): ReturnType<typeof df.getClient> {
  return df.getClient(host.invocationContext('testClient', df.input.durableClient()));
}

test('the host speaks the history event and action numbers of the pinned durable-functions', () => {
  const require = createRequire(import.meta.url);
  const sdkEvents = (require('durable-functions/lib/src/history/HistoryEventType.js') as { HistoryEventType: Record<string, number> }).HistoryEventType;
  const sdkActions = (require('durable-functions/lib/src/actions/ActionType.js') as { ActionType: Record<string, number> }).ActionType;
  for (const [name, value] of Object.entries(EventType)) assert.equal(sdkEvents[name], value, name);
  for (const [name, value] of Object.entries(ActionType)) assert.equal(sdkActions[name], value, name);
});

test('an orchestration fans out to two activities, retries a failing activity until it succeeds, through the real replay', async () => {
  flakyCalls.count = 0;
  const instanceId = await client().startNew('fanOutWithRetry', { instanceId: 'fan-out-1', input: ['ann', 'bob'] });
  assert.equal(instanceId, 'fan-out-1');
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Completed', String(instance.output));
  assert.deepEqual(instance.output, { greetings: ['hello ann', 'hello bob'], flaky: 'worked on attempt 3' });
  assert.equal(instance.stats.activityCalls, 5);
  const status = await client().getStatus(instanceId);
  assert.equal(status.runtimeStatus, df.OrchestrationRuntimeStatus.Completed);
  assert.deepEqual(status.output, instance.output);
  const failures = instance.history.filter((event) => event.EventType === EventType.TaskFailed);
  assert.equal(failures.length, 2);
});

test('a retry policy gives up after its attempts and the orchestration fails with the activity error', async () => {
  flakyCalls.count = -10;
  const instanceId = await client().startNew('alwaysFailing', { instanceId: 'always-failing' });
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Failed');
  assert.match(String(instance.output), /transient failure/);
  assert.equal(instance.stats.activityCalls, 2);
});

test('terminate stops a running orchestration: it ends Terminated and schedules nothing more', async () => {
  const c = client();
  const instanceId = await c.startNew('waitsAtGate', { instanceId: 'gated', input: 'terminate' });
  await gates.get('terminate').reached;
  assert.equal((await c.getStatus(instanceId)).runtimeStatus, df.OrchestrationRuntimeStatus.Running);
  await c.terminate(instanceId, 'stop');
  gates.get('terminate').open();
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Terminated');
  assert.equal(instance.stats.activityCalls, 1);
  assert.equal((await c.getStatus(instanceId)).runtimeStatus, df.OrchestrationRuntimeStatus.Terminated);
});

test('a start with the id of an active instance is refused; once it ended, the id can start again', async () => {
  const c = client();
  await c.startNew('waitsAtGate', { instanceId: 'reused', input: 'reuse' });
  await gates.get('reuse').reached;
  await assert.rejects(c.startNew('waitsAtGate', { instanceId: 'reused', input: 'reuse' }), /409/);
  gates.get('reuse').open();
  assert.equal((await host.waitFor('reused')).status, 'Completed');
  await c.startNew('countsDown', { instanceId: 'reused', input: 0 });
  const again = await host.waitFor('reused');
  assert.equal(again.status, 'Completed');
  assert.equal(again.output, 'done counting');
});

test('sub-orchestrations, timers and continue-as-new run to the end', async () => {
  const instanceId = await client().startNew('parent', { instanceId: 'parent-1' });
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Completed', String(instance.output));
  assert.equal(instance.output, 'child said done counting');
  const child = host.instance('parent-1-child');
  assert.equal(child?.stats.continuedAsNew, 2);
  assert.equal(child?.parentInstanceId, 'parent-1');
});

test('an orchestrator whose actions change between replays is reported non-deterministic', async () => {
  replays = 0;
  const instanceId = await client().startNew('changesItsMind', { instanceId: 'fickle' });
  const instance = await host.waitFor(instanceId);
  assert.equal(instance.status, 'Failed');
  assert.match(String(instance.output), /Non-Deterministic workflow detected: history has activity greet as action 1, the orchestrator now asks for activity flaky/);
});

test('an unknown instance is a 404 to the client; an unknown orchestration cannot start', async () => {
  await assert.rejects(client().getStatus('nobody'), /404/);
  await assert.rejects(client().startNew('noSuchOrchestration'), /400/);
});
