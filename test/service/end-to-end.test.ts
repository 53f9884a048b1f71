import { core } from '../support/record-registrations.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type { StateStore } from '../../src/engine/state-store.js';
import { openServiceExportState, openServiceStateStore } from '../../src/service/open-state-store.js';
import { durableClientInput } from '../../src/service/orchestration-client.js';
import { runInstanceId } from '../../src/service/run-contract.js';
import { closeServiceResources, useServiceStateStore } from '../../src/service/service-context.js';
import { readServiceSettings } from '../../src/service/settings.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { assertNoSecretStored } from '../support/secret-scan.js';
import { DurableTestHost, registeredDurableFunctions } from '../support/durable-host.js';
import { holdingActivity } from '../support/held-activity.js';
import { registeredHandler } from '../support/functions-core-stub.js';
import { Gates } from '../support/gates.js';
import type { TestDatabase } from '../support/harness.js';
import { httpRequest, type RequestOptions } from '../support/http-request.js';
import { startLocalKeyVault, type LocalKeyVault } from '../support/local-key-vault.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { loadRegisteredApp } from '../support/registered-app.js';
import { sqliteHarness } from '../support/sqlite-harness.js';

/**
 * Issue 8's acceptance, in one process: the HTTP handlers, the timer, the real orchestrations and
 * activities (replayed by the real durable-functions SDK through the durable test host), state in
 * Azurite, connection strings read from a local Key Vault with a managed identity's token, and real
 * PostgreSQL and SQLite databases. What is not real: the Functions host and its durable extension.
 */

const group = 'shop';
/** Trust authentication ignores it, but it makes each connection string a secret worth looking for. */
const password = `Pw-${randomBytes(9).toString('hex')}`;
const gates = new Gates();
/** When set, member pg's next transfer step waits at the gate of this name. */
let holdNextStep: string | null = null;

let azurite: Azurite;
let store: StateStore;
let vault: LocalKeyVault;
let host: DurableTestHost;
let hub: TestDatabase;
let pgMember: TestDatabase;
let liteMember: TestDatabase;
const secrets: string[] = [];
const handlerLogs: string[] = [];

/** Holds member pg's next transfer step at the gate `holdNextStep` names, once. */
async function holdPgStep(input: unknown): Promise<void> {
  const gate = holdNextStep;
  if (gate === null || (input as { member: string }).member !== 'pg') return;
  holdNextStep = null;
  await gates.get(gate).pass();
}

before(async () => {
  await loadRegisteredApp();
  azurite = await startAzurite();
  vault = await startLocalKeyVault();
  [hub, pgMember, liteMember] = await Promise.all([postgresHarness.createDatabase(), postgresHarness.createDatabase(), sqliteHarness.createDatabase()]);
  for (const [name, database] of [['hub-db', hub], ['pg-member-db', pgMember]] as const) {
    const secret = database.connection.replace('postgres://postgres@', `postgres://postgres:${password}@`);
    vault.vault.setSecret(name, secret);
    secrets.push(secret);
  }
  // Read when the app's resolver is first made: the vault for keyvault:, the settings for env:.
  process.env.HUBSYNC_KEY_VAULT_URL = vault.vault.url;
  process.env.SHOP_LITE_DB = liteMember.connection;
  await closeServiceResources();
  store = await openServiceStateStore(readServiceSettings({ AzureWebJobsStorage: azurite.connectionString }));
  // The timer also looks at export profiles (none here): their state shares the storage account.
  useServiceStateStore(store, await openServiceExportState(readServiceSettings({ AzureWebJobsStorage: azurite.connectionString })));
  host = await DurableTestHost.start(holdingActivity(registeredDurableFunctions(core), 'transferStep', holdPgStep));
  await hub.exec('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer)');
  for (let id = 1; id <= 120; id += 1) await hub.exec('INSERT INTO items VALUES (?, ?, ?)', [id, `hub ${id}`, id]);
  await pgMember.exec('CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer)');
  for (let id = 500; id < 530; id += 1) await pgMember.exec('INSERT INTO items VALUES (?, ?, ?)', [id, `pg ${id}`, id]);
});

after(async () => {
  gates.openAll();
  await host.close();
  await closeServiceResources();
  await azurite.stop();
  await vault.stop();
  await Promise.all([hub.dispose(), pgMember.dispose(), liteMember.dispose()]);
  delete process.env.HUBSYNC_KEY_VAULT_URL;
  delete process.env.SHOP_LITE_DB;
});

interface Response {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function call(name: string, method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const handler = registeredHandler(core, name) as (request: unknown, context: InvocationContext) => Promise<HttpResponseInit>;
  const response = await handler(httpRequest(method, path, options), host.invocationContext(name, durableClientInput, (line) => handlerLogs.push(line)));
  const text = response.jsonBody === undefined ? '' : JSON.stringify(response.jsonBody);
  return { status: response.status ?? 200, body: (response.jsonBody ?? {}) as Record<string, unknown>, text };
}

const params = { group };

async function tick(): Promise<void> {
  const timer = registeredHandler(core, 'scheduler') as (timer: unknown, context: InvocationContext) => Promise<void>;
  await timer({ isPastDue: false }, host.invocationContext('scheduler', durableClientInput, (line) => handlerLogs.push(line)));
}

async function sync(): Promise<string> {
  const started = await call('startSyncGroupRun', 'POST', `syncgroups/${group}/sync`, { params });
  assert.equal(started.status, 202, started.text);
  return String(started.body.runId);
}

async function finished(runId: string): Promise<Record<string, unknown>> {
  await host.idle();
  const run = await call('getSyncGroupRun', 'GET', 'x', { params: { group, runId } });
  assert.equal(run.status, 200, run.text);
  return run.body;
}

async function rows(database: TestDatabase): Promise<string[]> {
  const found = await database.query<{ id: number; name: string; qty: number | null }>('SELECT id, name, qty FROM items ORDER BY id');
  return found.map((row) => JSON.stringify([Number(row.id), row.name, row.qty === null ? null : Number(row.qty)]));
}

async function assertConverged(): Promise<string[]> {
  const expected = await rows(hub);
  assert.deepEqual(await rows(pgMember), expected, 'the PostgreSQL member equals the hub');
  assert.deepEqual(await rows(liteMember), expected, 'the SQLite member equals the hub');
  return expected;
}

test('a group created over HTTP is started by the timer, syncs real databases and reports its run; a second start meanwhile is refused', async () => {
  const created = await call('putSyncGroup', 'PUT', `syncgroups/${group}`, {
    params,
    body: {
      hub: { name: 'hub', provider: 'postgres', connection: 'keyvault:hub-db' },
      members: [
        { name: 'pg', provider: 'postgres', connection: 'keyvault:pg-member-db', direction: 'bidirectional' },
        { name: 'lite', provider: 'sqlite', connection: 'env:SHOP_LITE_DB', direction: 'bidirectional' },
      ],
      tables: [{ name: 'items' }],
      batchSize: 25,
      // A rejected row is due for its retry at once: the failed-records test runs back to back.
      retryIntervalSeconds: 0,
      schedule: { intervalSeconds: 3600 },
    },
  });
  assert.equal(created.status, 201, created.text);

  const schema = await call('refreshSyncGroupSchema', 'POST', 'x', { params });
  assert.equal(schema.status, 200, schema.text);
  assert.deepEqual(schema.body.tables, [{
    name: 'items', primaryKey: ['id'], syncable: true, columns: [
      { name: 'id', nativeType: 'integer', nullable: false, primaryKey: true, logicalType: 'int32', syncable: true },
      { name: 'name', nativeType: 'text', nullable: false, primaryKey: false, logicalType: 'text', syncable: true },
      { name: 'qty', nativeType: 'integer', nullable: true, primaryKey: false, logicalType: 'int32', syncable: true },
    ],
  }]);

  // Never run and scheduled: due. The timer starts it; its first transfer step is held.
  holdNextStep = 'first';
  await tick();
  const instance = host.instance(runInstanceId(group));
  assert.ok(instance !== undefined, 'the timer started the due group');
  const runId = (instance.input as { runId: string }).runId;
  await gates.get('first').reached;
  const second = await call('startSyncGroupRun', 'POST', 'x', { params });
  assert.equal(second.status, 409);
  assert.equal((second.body.error as { code: string }).code, 'HS_RUN_IN_PROGRESS');
  // A run going for longer than its interval is due by its schedule, but running: skipped.
  const recorded = await store.getRun(group, runId);
  assert.ok(recorded !== null && recorded.status === 'running');
  await store.saveRun({ ...recorded, startedAt: new Date(Date.now() - 7_200_000).toISOString() });
  await tick();
  assert.ok(handlerLogs.some((line) => line.includes('"runSkipped"') && line.includes(`"${group}"`)), 'the timer skips a running group');
  assert.equal(host.allInstances().filter((candidate) => candidate.name === 'syncGroupRun').length, 1);
  gates.get('first').open();

  const run = await finished(runId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  assert.deepEqual(run.members, [
    { name: 'pg', uploaded: 30, downloaded: 120, conflicts: 0, failed: 0 },
    { name: 'lite', uploaded: 0, downloaded: 150, conflicts: 0, failed: 0 },
  ]);
  assert.equal((await assertConverged()).length, 150);
});

test('a conflict (both sides edited a row) is counted in the run and listed; re-applying its losing version wins everywhere', async () => {
  await hub.exec("UPDATE items SET name = 'hub edit' WHERE id = 7");
  await pgMember.exec("UPDATE items SET name = 'pg edit' WHERE id = 7");
  await liteMember.exec("UPDATE items SET qty = 999 WHERE id = 8");
  const runId = await sync();
  const run = await finished(runId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  // pg's version of row 7 lost to the hub's (hubWins): a conflict, nothing uploaded; row 8 went up from lite.
  const [pg, lite] = run.members as { name: string; uploaded: number; downloaded: number; conflicts: number }[];
  assert.deepEqual([pg?.name, pg?.uploaded, pg?.conflicts], ['pg', 0, 1], JSON.stringify(run.members));
  assert.deepEqual([lite?.name, lite?.uploaded, lite?.downloaded, lite?.conflicts], ['lite', 1, 1, 0], JSON.stringify(run.members));
  const converged = await assertConverged();
  assert.ok(converged.includes(JSON.stringify([7, 'hub edit', 7])), 'hubWins');
  assert.ok(converged.includes(JSON.stringify([8, 'hub 8', 999])));

  const runs = await call('listSyncGroupRuns', 'GET', 'x', { params });
  assert.deepEqual((runs.body.value as { runId: string }[]).map((entry) => entry.runId).slice(0, 1), [runId], 'newest first');
  assert.equal((runs.body.value as unknown[]).length, 2);
  const conflicts = await call('listSyncGroupConflicts', 'GET', 'x', { params });
  const [conflict] = conflicts.body.value as { id: string; key: unknown; runId: string; winner: string; losing: { values: { name: string } } }[];
  assert.equal((conflicts.body.value as unknown[]).length, 1);
  assert.deepEqual([conflict?.key, conflict?.runId, conflict?.winner, conflict?.losing.values.name], [{ id: 7 }, runId, 'hub', 'pg edit']);

  const reapplied = await call('reapplySyncGroupConflict', 'POST', 'x', { params: { group, conflictId: conflict?.id ?? '' } });
  assert.equal(reapplied.status, 200, reapplied.text);
  assert.equal(typeof reapplied.body.reappliedAt, 'string');
  assert.equal((await finished(await sync())).status, 'succeeded');
  assert.ok((await assertConverged()).includes(JSON.stringify([7, 'pg edit', 7])), 'the losing version, re-applied, reached every member');
});

test('a row a member rejects is a failed record with attempts and status; it is retried by POST …/failures/retry and by the next run once fixed', async () => {
  await pgMember.exec('ALTER TABLE items ADD CONSTRAINT qty_below_10000 CHECK (qty < 10000)');
  await hub.exec('INSERT INTO items VALUES (?, ?, ?)', [900, 'big order', 50000]);
  const run = await finished(await sync());
  assert.equal(run.status, 'succeededWithFailures', JSON.stringify(run));
  const listed = await call('listSyncGroupFailures', 'GET', 'x', { params });
  assert.equal(listed.status, 200, listed.text);
  const [failure, ...others] = listed.body.value as { key: unknown; member: string; attempts: number; status: string; nextAttemptAt: string; lastError: string }[];
  assert.equal(others.length, 0);
  assert.deepEqual([failure?.key, failure?.member, failure?.attempts, failure?.status], [{ id: 900 }, 'pg', 1, 'pending']);
  assert.ok(!Number.isNaN(Date.parse(failure?.nextAttemptAt ?? '')));
  assert.match(failure?.lastError ?? '', /qty_below_10000/);

  const malformed = await call('retrySyncGroupFailures', 'POST', 'x', { params, body: { all: 'yes' } });
  assert.equal(malformed.status, 400, malformed.text);
  const unknownKey = await call('retrySyncGroupFailures', 'POST', 'x', { params, body: { every: true } });
  assert.equal(unknownKey.status, 400, unknownKey.text);
  const stillRejected = await call('retrySyncGroupFailures', 'POST', 'x', { params, body: { all: true } });
  assert.equal(stillRejected.status, 200, stillRejected.text);
  assert.deepEqual([stillRejected.body.attempted, stillRejected.body.cleared, stillRejected.body.stillFailing], [1, 0, 1]);

  await pgMember.exec('ALTER TABLE items DROP CONSTRAINT qty_below_10000');
  const retried = await call('retrySyncGroupFailures', 'POST', 'x', { params });
  assert.equal(retried.status, 200, retried.text);
  assert.deepEqual([retried.body.attempted, retried.body.cleared, retried.body.stillFailing, retried.body.more], [1, 1, 0, false]);
  assert.deepEqual((retried.body.records as { key: unknown; result: string }[]).map((record) => [record.key, record.result]), [[{ id: 900 }, 'cleared']]);
  assert.deepEqual((await call('listSyncGroupFailures', 'GET', 'x', { params })).body.value, []);
  await assertConverged();

  // The same through a run: its retryFailures activity delivers the fixed row before the uploads.
  // NOT VALID: row 900 stays; only new rows are checked.
  await pgMember.exec('ALTER TABLE items ADD CONSTRAINT qty_below_10000 CHECK (qty < 10000) NOT VALID');
  await hub.exec('INSERT INTO items VALUES (?, ?, ?)', [901, 'bigger order', 60000]);
  assert.equal((await finished(await sync())).status, 'succeededWithFailures');
  await pgMember.exec('ALTER TABLE items DROP CONSTRAINT qty_below_10000');
  const fixedRunId = await sync();
  assert.equal((await finished(fixedRunId)).status, 'succeeded');
  assert.deepEqual((await call('listSyncGroupFailures', 'GET', 'x', { params })).body.value, []);
  assert.ok(host.logs.some((line) => line.includes('"event":"retryFailures"') && line.includes(fixedRunId) && line.includes('"cleared":1')), 'the run retried it');
  assert.ok((await assertConverged()).includes(JSON.stringify([901, 'bigger order', 60000])));

  // Leave the row counts the next tests expect.
  await hub.exec('DELETE FROM items WHERE id IN (900, 901)');
  assert.equal((await finished(await sync())).status, 'succeeded');
  assert.ok(!(await assertConverged()).some((row) => /^\[90[01],/.test(row)));
});

test('cancel mid-run: the run ends cancelled, its held step does nothing, and the next run converges', async () => {
  for (let id = 1000; id < 1100; id += 1) await pgMember.exec('INSERT INTO items VALUES (?, ?, ?)', [id, `late ${id}`, id]);
  holdNextStep = 'cancel';
  const runId = await sync();
  await gates.get('cancel').reached;
  const cancelled = await call('cancelSyncGroupRun', 'POST', 'x', { params: { group, runId } });
  assert.equal(cancelled.status, 202, cancelled.text);
  gates.get('cancel').open();
  const run = await finished(runId);
  assert.equal(run.status, 'cancelled');
  assert.equal(host.instance(runInstanceId(group))?.status, 'Terminated');
  assert.equal((await rows(hub)).length, 150, 'the step held when the run was cancelled moved nothing, and nothing followed it');
  assert.ok(host.logs.some((line) => line.includes('"event":"transferStep"') && line.includes(runId) && line.includes('"more":false') && line.includes('"moved":0')));

  const next = await finished(await sync());
  assert.equal(next.status, 'succeeded', JSON.stringify(next));
  assert.equal((await assertConverged()).length, 250);
});

test('the group can be deprovisioned over HTTP: refused with pending changes, done with force', async () => {
  await pgMember.exec("INSERT INTO items VALUES (2000, 'never synced', 1)");
  const refused = await call('deprovisionSyncGroup', 'POST', 'x', { params });
  assert.equal(refused.status, 409, refused.text);
  assert.equal((refused.body.error as { code: string }).code, 'HS_PENDING_CHANGES');
  const forced = await call('deprovisionSyncGroup', 'POST', 'x', { params, query: { force: 'true' } });
  assert.equal(forced.status, 204, forced.text);
  const leftovers = await hub.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'hubsync'");
  assert.deepEqual(leftovers, [], 'no hubsync objects left in the hub');
});

test('no secret reached Table storage or a log line, and every run and member was logged with its counts', async () => {
  const entities = await assertNoSecretStored(azurite.connectionString, [...host.logs, ...handlerLogs], [...secrets, password]);
  assert.ok(entities > 10, `${entities} entities scanned`);
  const finishedRuns = host.logs.filter((line) => line.includes('"event":"runFinished"'));
  assert.ok(finishedRuns.length >= 3);
  assert.ok(finishedRuns.every((line) => line.includes(`"group":"${group}"`) && line.includes('"durationMs"')));
  const members = host.logs.filter((line) => line.includes('"event":"memberTransferred"'));
  assert.ok(members.some((line) => line.includes('"member":"lite"') && line.includes('"direction":"download"') && line.includes('"moved":')));
});
