import { core } from '../test/support/record-registrations.js';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { defaultRetryPolicy, type SyncGroup } from '../src/engine/group.js';
import type { StateStore } from '../src/engine/state-store.js';
import { syncGroup } from '../src/engine/sync-group.js';
import { nodeAccess } from '../src/providers/node-access.js';
import { openServiceStateStore } from '../src/service/open-state-store.js';
import { runInstanceId, syncGroupRunOrchestration } from '../src/service/run-contract.js';
import { closeServiceResources, useServiceStateStore } from '../src/service/service-context.js';
import { readServiceSettings } from '../src/service/settings.js';
import { EnvironmentResolver } from '../src/secrets/environment-resolver.js';
import { openEmbeddedStateStore } from '../src/state/embedded-state-store.js';
import { startAzurite } from '../test/support/azurite.js';
import { DurableTestHost, registeredDurableFunctions } from '../test/support/durable-host.js';
import type { OrchestrationInstance } from '../test/support/durable-replay.js';
import { loadRegisteredApp } from '../test/support/registered-app.js';

/**
 * The service's orchestration against the CLI doing the same work, on the local PostgreSQL server
 * (127.0.0.1:5432, user postgres, trust): the real orchestrations and activities through the
 * durable test host (not the Functions host), state in in-process Azurite, connections by env:.
 *
 *   npm run build && node dist/bench/service-run.js [rows]      (rows: the large sync, default 200000)
 *
 * HUBSYNC_ACTIVITY_BUDGET_SECONDS applies as in the app (default 120; 10 makes the step loop visible).
 */

const server = 'postgres://postgres@127.0.0.1:5432';
const rows = Number(process.argv[2] ?? 200_000);
const created: string[] = [];

async function onServer(sql: string, database = 'postgres'): Promise<void> {
  const client = new pg.Client({ connectionString: `${server}/${database}` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database named for this bench, its URL put in an app setting for env: references. */
async function database(name: string, template?: string): Promise<string> {
  const full = `hubsync_bench_${name}_${process.pid}`;
  await onServer(`CREATE DATABASE ${full}${template === undefined ? '' : ` TEMPLATE ${template}`}`);
  created.push(full);
  process.env[name.toUpperCase()] = `${server}/${full}`;
  return full;
}

function group(name: string, hub: string, members: readonly string[], tables: readonly string[]): SyncGroup {
  return {
    name,
    hub: { name: 'hub', provider: 'postgres', connection: `env:${hub.toUpperCase()}` },
    members: members.map((member) => ({ name: member, provider: 'postgres', connection: `env:${member.toUpperCase()}`, direction: 'bidirectional' })),
    conflictPolicy: 'hubWins',
    tables: tables.map((table) => ({ name: table })),
    batchSize: 5000,
    ...defaultRetryPolicy,
  };
}

interface ServiceFigures {
  readonly ms: number;
  readonly instances: number;
  readonly activityCalls: number;
  readonly maxHistoryEvents: number;
  readonly parentHistoryEvents: number;
  readonly continuedAsNew: number;
  readonly status: unknown;
}

async function serviceRun(host: DurableTestHost, store: StateStore, definition: SyncGroup, runId: string): Promise<ServiceFigures> {
  await store.putGroup({ name: definition.name, config: { ...definition }, schedule: null, updatedAt: new Date().toISOString() });
  const instanceId = runInstanceId(definition.name);
  const before = new Set(host.allInstances().filter((instance) => instance.instanceId.includes(runId)));
  const started = performance.now();
  await host.start(syncGroupRunOrchestration, instanceId, { group: definition.name, runId });
  await host.idle();
  const ms = performance.now() - started;
  const parent = host.instance(instanceId) as OrchestrationInstance;
  const instances = [parent, ...host.allInstances().filter((instance) => instance.parentInstanceId === instanceId && instance.instanceId.includes(runId) && !before.has(instance))];
  return {
    ms,
    instances: instances.length,
    activityCalls: instances.reduce((sum, instance) => sum + instance.stats.activityCalls, 0),
    maxHistoryEvents: Math.max(...instances.map((instance) => instance.stats.maxHistoryEvents)),
    parentHistoryEvents: parent.stats.maxHistoryEvents,
    continuedAsNew: instances.reduce((sum, instance) => sum + instance.stats.continuedAsNew, 0),
    status: parent.output,
  };
}

async function cliRun(definition: SyncGroup): Promise<{ ms: number; status: string }> {
  const state = await openEmbeddedStateStore(':memory:');
  try {
    const started = performance.now();
    const result = await syncGroup(definition, { ...nodeAccess(new EnvironmentResolver(process.cwd())), state });
    return { ms: performance.now() - started, status: result.status };
  } finally {
    await state.close();
  }
}

async function main(): Promise<void> {
  await loadRegisteredApp();
  const azurite = await startAzurite();
  const store = await openServiceStateStore(readServiceSettings({ AzureWebJobsStorage: azurite.connectionString }));
  useServiceStateStore(store);
  const host = await DurableTestHost.start(registeredDurableFunctions(core));
  try {
    // 1. Ten tables, three members, nothing to do (after a first run that moved everything).
    const tables = Array.from({ length: 10 }, (_, index) => `t${index}`);
    const idleHub = await database('idle_hub');
    for (const table of tables) {
      await onServer(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text); INSERT INTO ${table} SELECT g, 'row ' || g FROM generate_series(1, 100) g`, idleHub);
    }
    for (const member of ['idle_m1', 'idle_m2', 'idle_m3']) await database(member);
    const idle = group('idle', 'idle_hub', ['idle_m1', 'idle_m2', 'idle_m3'], tables);
    await serviceRun(host, store, idle, 'first');
    const idleService = [await serviceRun(host, store, idle, 'idle1'), await serviceRun(host, store, idle, 'idle2'), await serviceRun(host, store, idle, 'idle3')];
    const idleCli = [await cliRun(idle), await cliRun(idle), await cliRun(idle)];
    report('10 tables x 3 members, nothing to do', idleService, idleCli);

    // 2. A large initial sync, PostgreSQL hub -> one empty PostgreSQL member; the CLI gets an identical copy.
    const bigHub = await database('big_hub');
    await onServer(
      `CREATE TABLE big (id bigint PRIMARY KEY, name text NOT NULL, qty integer, note text);
       INSERT INTO big SELECT g, 'name ' || g, g % 1000, repeat('x', 40) FROM generate_series(1, ${rows}) g`,
      bigHub,
    );
    await database('big_hub_cli', bigHub);
    await database('big_m');
    await database('big_m_cli');
    const big = await serviceRun(host, store, group('bigsvc', 'big_hub', ['big_m'], ['big']), 'big');
    const bigCli = await cliRun(group('bigcli', 'big_hub_cli', ['big_m_cli'], ['big']));
    report(`initial sync of ${rows.toLocaleString('en-US')} rows PG -> PG`, [big], [bigCli]);
  } finally {
    await host.close();
    await closeServiceResources();
    await azurite.stop();
    for (const name of created) await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

function report(title: string, service: readonly ServiceFigures[], cli: readonly { ms: number; status: string }[]): void {
  const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const first = service[0];
  console.log(JSON.stringify({
    case: title,
    budgetSeconds: process.env.HUBSYNC_ACTIVITY_BUDGET_SECONDS ?? '120 (default)',
    service: {
      status: first?.status,
      medianMs: Math.round(median(service.map((run) => run.ms))),
      instances: first?.instances,
      activityCalls: first?.activityCalls,
      historyEventsParent: first?.parentHistoryEvents,
      historyEventsMaxPerInstance: first?.maxHistoryEvents,
      continuedAsNew: first?.continuedAsNew,
    },
    cli: { status: cli[0]?.status, medianMs: Math.round(median(cli.map((run) => run.ms))) },
  }, null, 2));
}

await main();
