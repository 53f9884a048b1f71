import { core } from '../support/record-registrations.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { exportInstanceId } from '../../src/service/export-contract.js';
import { openServiceExportState, openServiceStateStore } from '../../src/service/open-state-store.js';
import { durableClientInput } from '../../src/service/orchestration-client.js';
import { closeServiceResources, useServiceStateStore } from '../../src/service/service-context.js';
import { readServiceSettings } from '../../src/service/settings.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { assertNoSecretStored } from '../support/secret-scan.js';
import { DurableTestHost, registeredDurableFunctions } from '../support/durable-host.js';
import { registeredHandler } from '../support/functions-core-stub.js';
import { Gates } from '../support/gates.js';
import type { TestDatabase } from '../support/harness.js';
import { holdingActivity } from '../support/held-activity.js';
import { httpRequest, type RequestOptions } from '../support/http-request.js';
import { startLocalKeyVault, type LocalKeyVault } from '../support/local-key-vault.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { loadRegisteredApp } from '../support/registered-app.js';

/**
 * Issue 11's service acceptance, in one process as issue 8's: export profiles created, activated
 * and run through the HTTP handlers and the timer, the real export orchestration and activity
 * (replayed by the real durable-functions SDK), state in Azurite, connection strings from the
 * local Key Vault with a managed identity's token, PostgreSQL source and destination.
 */

const name = 'crm-reporting';
const params = { profile: name };
const password = `Pw-${randomBytes(9).toString('hex')}`;
const gates = new Gates();
/** When set, the next export step waits at the gate of this name. */
let holdNextStep: string | null = null;

let azurite: Azurite;
let vault: LocalKeyVault;
let host: DurableTestHost;
let source: TestDatabase;
let destination: TestDatabase;
const secrets: string[] = [];
const handlerLogs: string[] = [];

const profileBody = {
  source: { name: 'crm', provider: 'postgres', connection: 'keyvault:crm-db' },
  destination: { name: 'reporting', provider: 'postgres', connection: 'keyvault:reporting-db', prefix: 'crm' },
  tables: [{ name: 'account' }],
  retryCount: 0,
  retryIntervalSeconds: 0,
  schedule: { intervalSeconds: 1 },
};

before(async () => {
  await loadRegisteredApp();
  azurite = await startAzurite();
  vault = await startLocalKeyVault();
  [source, destination] = await Promise.all([postgresHarness.createDatabase(), postgresHarness.createDatabase()]);
  for (const [secretName, database] of [['crm-db', source], ['reporting-db', destination]] as const) {
    const secret = database.connection.replace('postgres://postgres@', `postgres://postgres:${password}@`);
    vault.vault.setSecret(secretName, secret);
    secrets.push(secret);
  }
  process.env.HUBSYNC_KEY_VAULT_URL = vault.vault.url;
  await closeServiceResources();
  const settings = readServiceSettings({ AzureWebJobsStorage: azurite.connectionString });
  useServiceStateStore(await openServiceStateStore(settings), await openServiceExportState(settings));
  host = await DurableTestHost.start(
    holdingActivity(registeredDurableFunctions(core), 'exportStep', async () => {
      const gate = holdNextStep;
      holdNextStep = null;
      if (gate !== null) await gates.get(gate).pass();
    }),
  );
  await source.exec('CREATE TABLE account (accountid integer PRIMARY KEY, name text NOT NULL)');
  for (let id = 1; id <= 40; id += 1) await source.exec('INSERT INTO account VALUES (?, ?)', [id, `account ${id}`]);
});

after(async () => {
  gates.openAll();
  await host.close();
  await closeServiceResources();
  await azurite.stop();
  await vault.stop();
  await Promise.all([source.dispose(), destination.dispose()]);
  delete process.env.HUBSYNC_KEY_VAULT_URL;
});

interface Response {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
  readonly headers: Record<string, string>;
}

async function call(functionName: string, method: string, options: RequestOptions = {}): Promise<Response> {
  const handler = registeredHandler(core, functionName) as (request: unknown, context: InvocationContext) => Promise<HttpResponseInit>;
  // The route as the host would have matched it: the handler builds Location from it.
  const action = /^(run|resync)ExportProfile$/.exec(functionName)?.[1];
  const path = `exportprofiles/${options.params?.profile ?? ''}${action === undefined ? '' : `/${action}`}`;
  const response = await handler(httpRequest(method, path, options), host.invocationContext(functionName, durableClientInput, (line) => handlerLogs.push(line)));
  const text = response.jsonBody === undefined ? '' : JSON.stringify(response.jsonBody);
  const headers = (response.headers ?? {}) as Record<string, string>;
  return { status: response.status ?? 200, body: (response.jsonBody ?? {}) as Record<string, unknown>, text, headers };
}

function errorCode(response: Response): string {
  return (response.body.error as { code: string }).code;
}

async function tick(): Promise<void> {
  const timer = registeredHandler(core, 'scheduler') as (timer: unknown, context: InvocationContext) => Promise<void>;
  await timer({ isPastDue: false }, host.invocationContext('scheduler', durableClientInput, (line) => handlerLogs.push(line)));
}

async function exported(): Promise<string[]> {
  const rows = await destination.query<{ accountid: number; name: string }>('SELECT accountid, name FROM crm_account ORDER BY accountid');
  return rows.map((row) => `${Number(row.accountid)}:${row.name}`);
}

async function atSource(): Promise<string[]> {
  const rows = await source.query<{ accountid: number; name: string }>('SELECT accountid, name FROM account ORDER BY accountid');
  return rows.map((row) => `${Number(row.accountid)}:${row.name}`);
}

async function status(): Promise<{ active: boolean; running: boolean; tables: { rowsExported: number; failedRecords: number; lastSuccessAt: string | null; latency: { p50Ms: number; p95Ms: number } | null }[] }> {
  const response = await call('getExportProfileStatus', 'GET', { params });
  assert.equal(response.status, 200, response.text);
  return response.body as never;
}

test('bad input is refused with a code and changes nothing: unknown profile, malformed body, literal connection', async () => {
  const literal = `postgres://postgres:${password}@127.0.0.1/crm`;
  const refused = await call('putExportProfile', 'PUT', { params, body: { ...profileBody, source: { ...profileBody.source, connection: literal } } });
  assert.equal(refused.status, 400, refused.text);
  assert.equal(errorCode(refused), 'HS_CONNECTION_REFERENCE_INVALID');
  assert.ok(!refused.text.includes(password), 'the literal is not echoed');
  const malformed = await call('putExportProfile', 'PUT', { params, body: '{"source": ' });
  assert.equal(malformed.status, 400);
  assert.equal(errorCode(malformed), 'HS_REQUEST_INVALID');
  const unknownKey = await call('putExportProfile', 'PUT', { params, body: { ...profileBody, retryCount: 99, extra: 1 } });
  assert.equal(unknownKey.status, 400);
  assert.deepEqual((unknownKey.body.error as { details: { target: string }[] }).details.map((detail) => detail.target).sort(), ['', 'retryCount']);
  const otherName = await call('putExportProfile', 'PUT', { params, body: { ...profileBody, name: 'other' } });
  assert.equal(otherName.status, 400);
  const badName = await call('getExportProfile', 'GET', { params: { profile: "x';drop" } });
  assert.equal(badName.status, 400);

  for (const [fn, method] of [['getExportProfile', 'GET'], ['getExportProfileStatus', 'GET'], ['runExportProfile', 'POST'], ['activateExportProfile', 'POST'], ['deleteExportProfile', 'DELETE'], ['listExportProfileFailures', 'GET']] as const) {
    const missing = await call(fn, method, { params });
    assert.equal(missing.status, 404, `${fn}: ${missing.text}`);
    assert.equal(errorCode(missing), 'HS_NOT_FOUND');
  }
  assert.deepEqual((await call('listExportProfiles', 'GET')).body, { value: [] }, 'nothing was stored');
  assert.equal(host.allInstances().length, 0);
});

test('a profile created over HTTP runs only once activated; the timer starts the initial copy, then a due delta', async () => {
  const created = await call('putExportProfile', 'PUT', { params, body: profileBody });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.active, false);
  assert.equal(created.body.retryCount, 0);
  assert.equal(created.body.writeDeleteLog, false, 'defaults filled in');
  const replaced = await call('putExportProfile', 'PUT', { params, body: { ...profileBody, name } });
  assert.equal(replaced.status, 200, replaced.text);
  const listed = await call('listExportProfiles', 'GET');
  assert.deepEqual((listed.body.value as { name: string; active: boolean }[]).map((entry) => [entry.name, entry.active]), [[name, false]]);

  await tick();
  assert.equal(host.instance(exportInstanceId(name)), undefined, 'an inactive profile is not run by the timer');
  const activated = await call('activateExportProfile', 'POST', { params });
  assert.equal(activated.status, 200, activated.text);
  assert.equal(activated.body.active, true);

  await tick();
  assert.ok(host.instance(exportInstanceId(name)) !== undefined, 'the timer started the active profile, never run, so due');
  await host.idle();
  assert.equal(host.instance(exportInstanceId(name))?.status, 'Completed');
  assert.deepEqual(await exported(), await atSource());
  assert.equal((await exported()).length, 40);

  // The delta: new and changed rows, and a delete; the interval (1 s) passes, the timer starts it.
  await source.exec('INSERT INTO account VALUES (41, ?), (42, ?)', ['new 41', 'new 42']);
  await source.exec("UPDATE account SET name = 'renamed' WHERE accountid = 5");
  await source.exec('DELETE FROM account WHERE accountid = 6');
  await sleep(1100);
  await tick();
  await host.idle();
  assert.deepEqual(await exported(), await atSource());
  assert.ok(handlerLogs.filter((line) => line.includes('"exportRunStarted"')).length >= 2);

  const after = await status();
  assert.equal(after.active, true);
  assert.equal(after.running, false);
  const [account] = after.tables;
  assert.equal(account?.rowsExported, 44, '40 copied, then 2 inserts, 1 update, 1 delete');
  assert.equal(account?.failedRecords, 0);
  assert.equal(typeof account?.lastSuccessAt, 'string');
  assert.ok(account?.latency !== null && account !== undefined, 'latency measured');
  assert.ok(account.latency.p50Ms >= 0 && account.latency.p95Ms >= account.latency.p50Ms, JSON.stringify(account.latency));
});

test('a record the destination rejects is listed in failures by time, and written by resync failed once the cause is fixed', async () => {
  const since = new Date().toISOString();
  await destination.exec(`ALTER TABLE crm_account ADD CONSTRAINT no_bad_names CHECK (name NOT LIKE 'BAD%')`);
  await source.exec('INSERT INTO account VALUES (43, ?), (44, ?)', ['BAD record', 'good 44']);
  const started = await call('runExportProfile', 'POST', { params });
  assert.equal(started.status, 202, started.text);
  assert.equal(typeof started.body.runId, 'string');
  assert.equal(typeof started.body.statusQueryGetUri, 'string');
  assert.match(started.headers.Location ?? '', /\/api\/exportprofiles\/crm-reporting\/status$/);
  await host.idle();
  assert.ok((await exported()).includes('44:good 44'));
  assert.ok(!(await exported()).includes('43:BAD record'));

  const failures = await call('listExportProfileFailures', 'GET', { params, query: { from: since, to: new Date(Date.now() + 60_000).toISOString() } });
  assert.equal(failures.status, 200, failures.text);
  const [failure] = failures.body.value as { table: string; key: unknown; operation: string; status: string; error: string }[];
  assert.deepEqual([failure?.table, failure?.key, failure?.operation, failure?.status], ['account', { accountid: 43 }, 'insert', 'failed']);
  assert.match(failure?.error ?? '', /no_bad_names/);
  const later = await call('listExportProfileFailures', 'GET', { params, query: { from: new Date(Date.now() + 60_000).toISOString() } });
  assert.deepEqual(later.body, { value: [] });
  const badTime = await call('listExportProfileFailures', 'GET', { params, query: { from: 'yesterday' } });
  assert.equal(badTime.status, 400);
  assert.equal(errorCode(badTime), 'HS_REQUEST_INVALID');
  assert.equal((await status()).tables[0]?.failedRecords, 1);

  const badMode = await call('resyncExportProfile', 'POST', { params, body: { mode: 'some' } });
  assert.equal(badMode.status, 400, badMode.text);
  const badTable = await call('resyncExportProfile', 'POST', { params, body: { mode: 'failed', tables: ['contact'] } });
  assert.equal(badTable.status, 400, badTable.text);

  await destination.exec('ALTER TABLE crm_account DROP CONSTRAINT no_bad_names');
  const resync = await call('resyncExportProfile', 'POST', { params, body: { mode: 'failed', tables: ['account'] } });
  assert.equal(resync.status, 202, resync.text);
  await host.idle();
  assert.deepEqual(await exported(), await atSource());
  assert.deepEqual((await call('listExportProfileFailures', 'GET', { params })).body, { value: [] });
  assert.equal((await status()).tables[0]?.failedRecords, 0);
});

test('resync all repairs a destination changed behind the export; a second run or a delete meanwhile is refused with 409', async () => {
  await destination.exec("UPDATE crm_account SET name = 'drifted' WHERE accountid = 1");
  await destination.exec('DELETE FROM crm_account WHERE accountid = 2');
  await destination.exec(`INSERT INTO crm_account (accountid, name, "SinkCreatedTime", "SinkModifiedTime", "VersionNumber") VALUES (999, 'stray', now(), now(), 0)`);
  holdNextStep = 'resync';
  const resync = await call('resyncExportProfile', 'POST', { params, body: { mode: 'all' } });
  assert.equal(resync.status, 202, resync.text);
  await gates.get('resync').reached;
  const second = await call('runExportProfile', 'POST', { params });
  assert.equal(second.status, 409);
  assert.equal(errorCode(second), 'HS_RUN_IN_PROGRESS');
  assert.equal((await call('deleteExportProfile', 'DELETE', { params })).status, 409);
  assert.equal((await status()).running, true);
  gates.get('resync').open();
  await host.idle();
  assert.deepEqual(await exported(), await atSource());
});

test('deactivate keeps the position and stops the timer; delete with dropDestination removes the exported tables', async () => {
  const deactivated = await call('deactivateExportProfile', 'POST', { params });
  assert.equal(deactivated.status, 200, deactivated.text);
  assert.equal(deactivated.body.active, false);
  const startsBefore = handlerLogs.filter((line) => line.includes('"exportRunStarted"')).length;
  await source.exec('INSERT INTO account VALUES (45, ?)', ['while inactive']);
  await sleep(1100);
  await tick();
  assert.equal(handlerLogs.filter((line) => line.includes('"exportRunStarted"')).length, startsBefore, 'not started while inactive');
  const rowsBefore = (await status()).tables[0]?.rowsExported ?? 0;
  assert.equal((await call('activateExportProfile', 'POST', { params })).status, 200);
  await tick();
  await host.idle();
  assert.deepEqual(await exported(), await atSource());
  assert.equal((await status()).tables[0]?.rowsExported, rowsBefore + 1, 'only the new row: the position was kept');

  const badOption = await call('deleteExportProfile', 'DELETE', { params, query: { dropDestination: 'yes' } });
  assert.equal(badOption.status, 400);
  assert.equal((await call('getExportProfile', 'GET', { params })).status, 200, 'nothing deleted on bad input');
  const deleted = await call('deleteExportProfile', 'DELETE', { params, query: { dropDestination: 'true' } });
  assert.equal(deleted.status, 204, deleted.text);
  assert.equal((await call('getExportProfile', 'GET', { params })).status, 404);
  const left = await destination.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_name = 'crm_account'");
  assert.deepEqual(left, [], 'the exported table was dropped');
});

test('no secret reached Table storage or a log line', async () => {
  const entities = await assertNoSecretStored(azurite.connectionString, [...host.logs, ...handlerLogs], [...secrets, password]);
  assert.ok(entities > 10, `${entities} entities scanned`);
  assert.ok(host.logs.some((line) => line.includes('"event":"exportRunFinished"') && line.includes(`"profile":"${name}"`)));
});
