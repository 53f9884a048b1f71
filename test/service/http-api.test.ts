import { core } from '../support/record-registrations.js';
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type { StateStore } from '../../src/engine/state-store.js';
import { durableClientInput } from '../../src/service/orchestration-client.js';
import { runInstanceId } from '../../src/service/run-contract.js';
import { useServiceStateStore } from '../../src/service/service-context.js';
import { readServiceSettings } from '../../src/service/settings.js';
import { openServiceExportState, openServiceStateStore } from '../../src/service/open-state-store.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { DurableTestHost, registeredDurableFunctions } from '../support/durable-host.js';
import { holdingActivity } from '../support/held-activity.js';
import { registeredHandler } from '../support/functions-core-stub.js';
import { Gates } from '../support/gates.js';
import { httpRequest, type RequestOptions } from '../support/http-request.js';
import { loadRegisteredApp } from '../support/registered-app.js';

/**
 * The real sync orchestration runs; its first activity waits at a gate named by the run id until
 * the test opens it, so a run can be caught in progress. These groups' databases do not exist, so
 * an opened run fails at provisioning (the end-to-end test runs against real databases).
 */
const gates = new Gates();

const literalConnection = 'postgres://sync_user:S3cret-Passw0rd@db.example.net:5432/sales';

let host: DurableTestHost;
let store: StateStore;
let azurite: Azurite;
const logs: string[] = [];

before(async () => {
  await loadRegisteredApp();
  host = await DurableTestHost.start(holdingActivity(registeredDurableFunctions(core), 'prepareRun', (input) => gates.get((input as { runId: string }).runId).pass()));
});

// A fresh in-memory Azurite per test, opened the way the app opens its state from its settings.
beforeEach(async () => {
  await host.idle();
  if (store !== undefined) await store.close();
  if (azurite !== undefined) await azurite.stop();
  azurite = await startAzurite();
  store = await openServiceStateStore(readServiceSettings({ AzureWebJobsStorage: azurite.connectionString }));
  useServiceStateStore(store, await openServiceExportState(readServiceSettings({ AzureWebJobsStorage: azurite.connectionString })));
});

after(async () => {
  gates.openAll();
  await host.close();
  await store.close();
  await azurite.stop();
});

interface Response {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly text: string;
}

async function call(name: string, method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const handler = registeredHandler(core, name) as (request: unknown, context: InvocationContext) => Promise<HttpResponseInit>;
  const context = host.invocationContext(name, durableClientInput, (line) => logs.push(line));
  const response = await handler(httpRequest(method, path, options), context);
  const text = response.jsonBody === undefined ? '' : JSON.stringify(response.jsonBody);
  return {
    status: response.status ?? 200,
    body: (response.jsonBody ?? {}) as Record<string, unknown>,
    headers: (response.headers ?? {}) as Record<string, string>,
    text,
  };
}

function groupBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hub: { name: 'hub', provider: 'postgres', connection: 'keyvault:hub-db' },
    members: [
      { name: 'store1', provider: 'postgres', connection: 'keyvault:store1-db', direction: 'bidirectional' },
      { name: 'store2', provider: 'sqlite', connection: 'env:STORE2_DB', direction: 'toHub' },
    ],
    tables: [{ name: 'customers' }],
    schedule: null,
    ...overrides,
  };
}

async function createGroup(group: string, overrides: Record<string, unknown> = {}): Promise<Response> {
  return call('putSyncGroup', 'PUT', `syncgroups/${group}`, { params: { group }, body: groupBody(overrides) });
}

function errorCode(response: Response): unknown {
  return (response.body.error as { code?: unknown } | undefined)?.code;
}

async function startSync(group: string): Promise<Response> {
  return call('startSyncGroupRun', 'POST', `syncgroups/${group}/sync`, { params: { group } });
}

test('PUT creates (201) then replaces (200) a group, GET returns it with lastRun and an ETag', async () => {
  const created = await createGroup('sales', { name: 'sales', schedule: { intervalSeconds: 300 } });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.name, 'sales');
  assert.equal(created.body.conflictPolicy, 'hubWins');
  assert.deepEqual(created.body.schedule, { intervalSeconds: 300 });
  assert.match(created.headers.ETag ?? '', /^".+"$/);

  const replaced = await createGroup('sales', { conflictPolicy: 'memberWins' });
  assert.equal(replaced.status, 200, replaced.text);
  assert.notEqual(replaced.headers.ETag, created.headers.ETag);

  const read = await call('getSyncGroup', 'GET', 'syncgroups/sales', { params: { group: 'sales' } });
  assert.equal(read.status, 200);
  assert.equal(read.body.conflictPolicy, 'memberWins');
  assert.equal(read.body.schedule, null);
  assert.equal(read.body.lastRun, null);
  assert.equal(read.headers.ETag, replaced.headers.ETag);
});

test('If-Match guards a replace: a stale ETag is 412 and changes nothing', async () => {
  const created = await createGroup('guarded');
  await createGroup('guarded', { conflictPolicy: 'memberWins' });
  const stale = await call('putSyncGroup', 'PUT', 'syncgroups/guarded', {
    params: { group: 'guarded' },
    headers: { 'if-match': created.headers.ETag ?? '' },
    body: groupBody({ conflictPolicy: 'lastWriterWins' }),
  });
  assert.equal(stale.status, 412);
  assert.equal(errorCode(stale), 'HS_PRECONDITION_FAILED');
  assert.equal((await store.getGroup('guarded'))?.definition.config.conflictPolicy, 'memberWins');
});

test('GET /syncgroups pages with maxpagesize and an absolute nextLink, absent on the last page', async () => {
  for (const group of ['g1', 'g2', 'g3']) assert.equal((await createGroup(group)).status, 201);
  const names: unknown[] = [];
  let query: Record<string, string> = { maxpagesize: '2' };
  let pages = 0;
  for (;;) {
    const page = await call('listSyncGroups', 'GET', 'syncgroups', { query });
    assert.equal(page.status, 200, page.text);
    pages += 1;
    const value = page.body.value as Record<string, unknown>[];
    names.push(...value.map((group) => group.name));
    assert.ok(value.every((group) => 'lastRun' in group));
    if (page.body.nextLink === undefined) break;
    const next = new URL(String(page.body.nextLink));
    assert.equal(next.origin, 'https://hubsync.example.net');
    assert.equal(next.searchParams.get('code'), 'function-key');
    query = Object.fromEntries([...next.searchParams].filter(([key]) => key !== 'code'));
  }
  assert.deepEqual(names, ['g1', 'g2', 'g3']);
  assert.equal(pages, 2);
});

test('invalid bodies are 400 with a code and details, and nothing is stored', async () => {
  const unknownKey = await createGroup('bad1', { colour: 'blue' });
  assert.equal(unknownKey.status, 400);
  assert.equal(errorCode(unknownKey), 'HS_CONFIG_INVALID');
  assert.ok(unknownKey.text.includes('colour'));

  const otherName = await createGroup('bad2', { name: 'other' });
  assert.equal(otherName.status, 400);

  const shortInterval = await createGroup('bad3', { schedule: { intervalSeconds: 30 } });
  assert.equal(shortInterval.status, 400);
  assert.ok((shortInterval.body.error as { details: { target: string }[] }).details.some((detail) => detail.target === 'schedule.intervalSeconds'));

  const notJson = await call('putSyncGroup', 'PUT', 'syncgroups/bad4', { params: { group: 'bad4' }, body: '{"hub": ' });
  assert.equal(notJson.status, 400);
  assert.equal(errorCode(notJson), 'HS_REQUEST_INVALID');

  for (const group of ['bad1', 'bad2', 'bad3', 'bad4']) assert.equal(await store.getGroup(group), null);
});

test('a literal connection string is refused with 400, never echoed, logged or stored', async () => {
  const members = [{ name: 'store1', provider: 'postgres', connection: literalConnection, direction: 'bidirectional' }];
  const refused = await createGroup('leaky', { members });
  assert.equal(refused.status, 400);
  assert.equal(errorCode(refused), 'HS_CONNECTION_REFERENCE_INVALID');
  assert.deepEqual((refused.body.error as { details: { target: string }[] }).details.map((detail) => detail.target), ['members[0].connection']);
  assert.ok(!refused.text.includes('S3cret'));
  assert.equal(await store.getGroup('leaky'), null);

  await createGroup('leaky2');
  const member = await call('putSyncGroupMember', 'PUT', 'syncgroups/leaky2/members/store9', {
    params: { group: 'leaky2', member: 'store9' },
    body: { provider: 'postgres', connection: literalConnection, direction: 'fromHub' },
  });
  assert.equal(member.status, 400);
  assert.ok(!member.text.includes('S3cret'));
  assert.ok(!JSON.stringify((await store.getGroup('leaky2'))?.definition).includes('S3cret'));
  assert.ok(!logs.join('\n').includes('S3cret'));
});

test('names with quotes or semicolons are 400 HS_REQUEST_INVALID and change nothing', async () => {
  for (const group of ["sales'", 'sales;drop', 'a b', 'x'.repeat(65)]) {
    const response = await call('putSyncGroup', 'PUT', 'syncgroups/x', { params: { group }, body: groupBody() });
    assert.equal(response.status, 400, group);
    assert.equal(errorCode(response), 'HS_REQUEST_INVALID');
  }
  await createGroup('named');
  const member = await call('deleteSyncGroupMember', 'DELETE', 'x', { params: { group: 'named', member: "store1'--" } });
  assert.equal(member.status, 400);
  assert.equal((await store.listGroups()).items.length, 1);
  assert.equal((await store.getGroup('named'))?.definition.config.members instanceof Array, true);
});

test('unknown groups, members and runs are 404', async () => {
  const params = { group: 'ghost' };
  assert.equal((await call('getSyncGroup', 'GET', 'syncgroups/ghost', { params })).status, 404);
  assert.equal((await call('deleteSyncGroup', 'DELETE', 'syncgroups/ghost', { params })).status, 404);
  assert.equal((await call('listSyncGroupRuns', 'GET', 'syncgroups/ghost/runs', { params })).status, 404);
  assert.equal((await call('listSyncGroupConflicts', 'GET', 'syncgroups/ghost/conflicts', { params })).status, 404);
  assert.equal((await startSync('ghost')).status, 404);
  await createGroup('real');
  const noMember = await call('deleteSyncGroupMember', 'DELETE', 'x', { params: { group: 'real', member: 'nobody' } });
  assert.equal(noMember.status, 404);
  assert.equal(errorCode(noMember), 'HS_NOT_FOUND');
  const noRun = await call('getSyncGroupRun', 'GET', 'x', { params: { group: 'real', runId: 'no-such-run' } });
  assert.equal(noRun.status, 404);
  const noCancel = await call('cancelSyncGroupRun', 'POST', 'x', { params: { group: 'real', runId: 'no-such-run' } });
  assert.equal(noCancel.status, 404);
});

test('members: PUT adds (201) and replaces (200); DELETE removes one and resets only its checkpoints', async () => {
  await createGroup('crew');
  const params = { group: 'crew', member: 'store3' };
  const body = { provider: 'sqlite', connection: 'env:STORE3_DB', direction: 'fromHub' };
  const added = await call('putSyncGroupMember', 'PUT', 'x', { params, body });
  assert.equal(added.status, 201, added.text);
  assert.deepEqual((added.body.members as { name: string }[]).map((member) => member.name), ['store1', 'store2', 'store3']);
  const replaced = await call('putSyncGroupMember', 'PUT', 'x', { params, body: { ...body, direction: 'bidirectional' } });
  assert.equal(replaced.status, 200);
  const unknownKey = await call('putSyncGroupMember', 'PUT', 'x', { params, body: { ...body, weight: 3 } });
  assert.equal(unknownKey.status, 400);

  const cursor = { stamp: '42', key: null };
  for (const member of ['store1', 'store3']) {
    assert.ok(await store.compareAndSetCheckpoint({ group: 'crew', member, table: 'customers', direction: 'upload' }, null, cursor));
  }
  // Its database cannot be reached (no vault here): refused before the member or a checkpoint is removed.
  const unreachable = await call('deleteSyncGroupMember', 'DELETE', 'x', { params, query: { deprovision: 'true' } });
  assert.equal(unreachable.status, 400, unreachable.text);
  assert.equal((await store.listCheckpoints('crew')).length, 2);
  assert.equal(((await store.getGroup('crew'))?.definition.config.members as unknown[]).length, 3);
  assert.equal((await call('deleteSyncGroupMember', 'DELETE', 'x', { params, query: { deprovision: 'maybe' } })).status, 400);

  const removed = await call('deleteSyncGroupMember', 'DELETE', 'x', { params });
  assert.equal(removed.status, 204);
  assert.deepEqual((await store.listCheckpoints('crew')).map((entry) => entry.key.member), ['store1']);
  const members = (await store.getGroup('crew'))?.definition.config.members as { name: string }[];
  assert.deepEqual(members.map((member) => member.name), ['store1', 'store2']);
});

test('PUT /schema replaces the tables; unknown keys and bad tables are 400', async () => {
  await createGroup('shaped');
  const params = { group: 'shaped' };
  const tables = [{ name: 'orders', columns: ['id', 'total'], conflictPolicy: 'lastWriterWins' }, { name: 'customers' }];
  const replaced = await call('putSyncGroupSchema', 'PUT', 'x', { params, body: { tables } });
  assert.equal(replaced.status, 200, replaced.text);
  assert.deepEqual(replaced.body.tables, tables);
  assert.equal((await call('putSyncGroupSchema', 'PUT', 'x', { params, body: { tables, extra: 1 } })).status, 400);
  assert.equal((await call('putSyncGroupSchema', 'PUT', 'x', { params, body: { tables: [] } })).status, 400);
  assert.deepEqual((await store.getGroup('shaped'))?.definition.config.tables, tables);
});

test('POST /sync starts a run (202, Location, status URLs); a second one while it runs is 409; cancel ends it cancelled', async () => {
  await createGroup('busy');
  const started = await startSync('busy');
  assert.equal(started.status, 202, started.text);
  const runId = String(started.body.runId);
  assert.match(runId, /^[A-Za-z0-9_-]{1,64}$/);
  assert.equal(started.headers.Location, `https://hubsync.example.net/api/syncgroups/busy/runs/${runId}`);
  assert.match(String(started.body.statusQueryGetUri), /^https:\/\/hubsync\.example\.net\/runtime\/webhooks\/durabletask\/instances\/syncgroup-busy\?/);
  await gates.get(runId).reached;

  const second = await startSync('busy');
  assert.equal(second.status, 409);
  assert.equal(errorCode(second), 'HS_RUN_IN_PROGRESS');
  const deleting = await call('deleteSyncGroup', 'DELETE', 'x', { params: { group: 'busy' } });
  assert.equal(deleting.status, 409);
  assert.equal(errorCode(deleting), 'HS_RUN_IN_PROGRESS');

  const running = await call('getSyncGroupRun', 'GET', 'x', { params: { group: 'busy', runId } });
  assert.equal(running.status, 200);
  assert.deepEqual(Object.keys(running.body).sort(), ['error', 'finishedAt', 'members', 'runId', 'startedAt', 'status']);
  assert.equal(running.body.status, 'running');
  const group = await call('getSyncGroup', 'GET', 'x', { params: { group: 'busy' } });
  assert.equal((group.body.lastRun as { runId: string }).runId, runId);

  const cancelled = await call('cancelSyncGroupRun', 'POST', 'x', { params: { group: 'busy', runId } });
  assert.equal(cancelled.status, 202, cancelled.text);
  assert.equal(cancelled.body.status, 'cancelled');
  gates.get(runId).open();
  assert.equal((await host.waitFor(runInstanceId('busy'))).status, 'Terminated');
  const again = await call('cancelSyncGroupRun', 'POST', 'x', { params: { group: 'busy', runId } });
  assert.equal(again.status, 409);
  assert.equal(errorCode(again), 'HS_RUN_NOT_ACTIVE');
  const runs = await call('listSyncGroupRuns', 'GET', 'x', { params: { group: 'busy' } });
  assert.deepEqual((runs.body.value as { runId: string; status: string }[]).map((run) => [run.runId, run.status]), [[runId, 'cancelled']]);

  const next = await startSync('busy');
  assert.equal(next.status, 202, 'a finished instance id can start the next run');
  gates.get(String(next.body.runId)).open();
  await host.waitFor(runInstanceId('busy'));
  assert.equal((await call('deleteSyncGroup', 'DELETE', 'x', { params: { group: 'busy' } })).status, 204);
});

test('two concurrent POST /sync: exactly one run starts, the other gets 409', async () => {
  await createGroup('racy');
  const responses = await Promise.all([startSync('racy'), startSync('racy'), startSync('racy')]);
  const statuses = responses.map((response) => response.status).sort();
  assert.deepEqual(statuses, [202, 409, 409]);
  const winner = responses.find((response) => response.status === 202);
  gates.get(String(winner?.body.runId)).open();
  const instance = await host.waitFor(runInstanceId('racy'));
  assert.equal(instance.status, 'Completed');
  assert.deepEqual(instance.output, { runId: winner?.body.runId, status: 'failed' }, 'its databases do not exist');
  assert.equal(host.allInstances().filter((candidate) => candidate.instanceId === runInstanceId('racy')).length, 1);
});

test('runs (newest first, exact shape), conflicts and failures come from the state store with paging', async () => {
  await createGroup('history');
  const run = (runId: string, startedAt: string, status: 'succeeded' | 'abandoned') => ({
    group: 'history', runId, status, startedAt, finishedAt: startedAt, error: null, notices: ['held back'],
    members: [{ name: 'store1', uploaded: 3, downloaded: 2, conflicts: 1, failed: 0 }],
  });
  await store.saveRun(run('r-old', '2026-11-01T00:00:00.000Z', 'succeeded'));
  await store.saveRun(run('r-new', '2026-11-02T00:00:00.000Z', 'abandoned'));
  const runs = await call('listSyncGroupRuns', 'GET', 'x', { params: { group: 'history' }, query: { maxpagesize: '1' } });
  const first = (runs.body.value as Record<string, unknown>[])[0];
  assert.equal(first?.runId, 'r-new');
  assert.equal(first?.status, 'failed', 'abandoned shows as failed');
  assert.deepEqual(Object.keys(first ?? {}).sort(), ['error', 'finishedAt', 'members', 'runId', 'startedAt', 'status']);
  assert.ok(typeof runs.body.nextLink === 'string');
  const one = await call('getSyncGroupRun', 'GET', 'x', { params: { group: 'history', runId: 'r-old' } });
  assert.deepEqual(one.body, {
    runId: 'r-old', status: 'succeeded', startedAt: '2026-11-01T00:00:00.000Z', finishedAt: '2026-11-01T00:00:00.000Z',
    members: [{ name: 'store1', uploaded: 3, downloaded: 2, conflicts: 1, failed: 0 }], error: null,
  });

  const version = (node: string) => ({ node, operation: 'update' as const, values: { id: 1, name: node }, changedAt: '2026-11-02T00:00:00.000Z' });
  await store.recordConflicts([{
    id: 'c1', group: 'history', table: 'customers', runId: 'r-new', member: 'store1', key: { id: 1 }, kind: 'update/update',
    policy: 'hubWins', winner: 'hub', winning: version('hub'), losing: version('store1'), detectedAt: '2026-11-02T00:00:01.000Z', reappliedAt: null,
  }]);
  await store.recordFailure({
    id: 'f1', group: 'history', table: 'customers', runId: 'r-new', member: 'store1', direction: 'download', key: { id: 2 },
    operation: 'insert', values: { id: 2, name: null }, error: 'null value in column "name"', failedAt: '2026-11-02T00:00:02.000Z',
    attempts: 1, lastError: 'null value in column "name"', lastAttemptAt: '2026-11-02T00:00:02.000Z', nextAttemptAt: '2026-11-02T00:00:07.000Z', status: 'pending',
  });
  const conflicts = await call('listSyncGroupConflicts', 'GET', 'x', { params: { group: 'history' } });
  assert.equal(conflicts.status, 200);
  assert.deepEqual((conflicts.body.value as { id: string; losing: unknown }[]).map((conflict) => [conflict.id, conflict.losing]), [['c1', version('store1')]]);
  assert.equal(conflicts.body.nextLink, undefined);
  const failures = await call('listSyncGroupFailures', 'GET', 'x', { params: { group: 'history' } });
  assert.deepEqual((failures.body.value as { id: string }[]).map((failure) => failure.id), ['f1']);
});

test('the engine-backed operations: 404 for an unknown group, a clear 400 when the hub cannot be resolved', async () => {
  await createGroup('unreachable');
  const refresh = await call('refreshSyncGroupSchema', 'POST', 'x', { params: { group: 'unreachable' } });
  assert.equal(refresh.status, 400, refresh.text);
  assert.equal(errorCode(refresh), 'HS_CONFIG_INVALID');
  assert.equal((await call('deprovisionSyncGroup', 'POST', 'x', { params: { group: 'nope' } })).status, 404);
  assert.equal((await call('reapplySyncGroupConflict', 'POST', 'x', { params: { group: 'nope', conflictId: 'c1' } })).status, 404);
  assert.equal((await call('retrySyncGroupFailures', 'POST', 'x', { params: { group: 'nope' } })).status, 404);
});

test('the scheduler starts a due group, not a running one, a not-yet-due one or a manual one', async () => {
  const minute = { intervalSeconds: 60 };
  await createGroup('due', { schedule: minute });
  await createGroup('recent', { schedule: minute });
  await createGroup('running', { schedule: minute });
  await createGroup('manual', { schedule: null });
  const now = Date.now();
  const record = (group: string, secondsAgo: number) => ({
    group, runId: `${group}-before`, status: 'succeeded' as const, startedAt: new Date(now - secondsAgo * 1000).toISOString(),
    finishedAt: null, members: [], error: null,
  });
  await store.saveRun(record('due', 120));
  await store.saveRun(record('recent', 10));
  const going = await startSync('running');
  await gates.get(String(going.body.runId)).reached;
  // A long run, recorded by its orchestration ten minutes ago: due by its interval, but going.
  await store.saveRun({ ...record('running', 600), runId: String(going.body.runId), status: 'running' });

  const timer = registeredHandler(core, 'scheduler') as (timer: unknown, context: InvocationContext) => Promise<void>;
  const schedulerLogs: string[] = [];
  await timer({ isPastDue: false }, host.invocationContext('scheduler', durableClientInput, (line) => schedulerLogs.push(line)));

  const dueInstance = host.instance(runInstanceId('due'));
  assert.ok(dueInstance !== undefined, 'the due group was started');
  assert.equal(host.instance(runInstanceId('recent')), undefined);
  assert.equal(host.instance(runInstanceId('manual')), undefined);
  assert.equal((host.instance(runInstanceId('running'))?.input as { runId: string }).runId, going.body.runId, 'not restarted');
  assert.ok(schedulerLogs.some((line) => line.includes('"runSkipped"') && line.includes('"running"')));
  assert.ok(schedulerLogs.some((line) => line.includes('"runStarted"') && line.includes('"due"')));

  gates.get(String(going.body.runId)).open();
  gates.get((dueInstance.input as { runId: string }).runId).open();
});
