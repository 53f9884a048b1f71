import type pg from 'pg';
import { benchTable, populatePostgres, postgresTableDdl } from './bench-table.js';
import type { BenchEnv } from './bench-env.js';
import { onCleanup } from './cleanup.js';
import { copyTable, countRows } from './copy-pipe.js';
import type { SyncGroup } from '../src/engine/group.js';
import { benchGroup, downloaded, member, postgresNode, provisionHub, timedSync } from './hubsync-run.js';
import { throughput } from './initial-sync-case.js';
import { startLogicalReplication, stopLogicalReplication } from './logical-replication.js';
import { interleaved, now, rowsPerSecond, sleep } from './measure.js';
import { type CaseResult, caseResult, figure, formatValue } from './report.js';

export const incrementalGoal = 1.0;

/** How often the subscriber is asked whether the last update arrived. */
const pollIntervalMs = 20;
const replicationTimeoutMs = 15 * 60_000;

interface Sample {
  readonly ms: number;
  readonly rows: number;
}

/**
 * Case 2: every row of a table updated on the hub (one UPDATE statement), then delivered to a
 * member, against PostgreSQL logical replication between two databases of the same server. Both
 * clocks start when the UPDATE has committed; hubsync's stops when the sync run returns,
 * replication's when the subscriber shows the new value of the last-updated row (the apply worker
 * commits the whole upstream transaction at once, so one row tells when all are visible; every
 * row is counted afterwards).
 */
export async function incrementalCase(env: BenchEnv): Promise<CaseResult> {
  const rows = env.sizes.incrementalRows;
  const walLevel = await env.server.setting('wal_level');
  const replication = walLevel === 'logical' ? await prepareReplication(env, rows) : null;
  const hubsync = await prepareHubsync(env, rows);
  // Generated values of n are below 1,000,000: a marker above that changes every row.
  const markerOf = (repetition: number) => 1_000_001 + repetition;
  const contenders = [{ name: 'hubsync', run: (repetition: number) => hubsync.run(markerOf(repetition)) }];
  if (replication !== null) contenders.push({ name: 'logical replication', run: (repetition: number) => replication.run(markerOf(repetition)) });
  try {
    const samples = await interleaved<Sample>(env.sizes.repetitions, contenders, env.log, (sample) =>
      `${formatValue(rowsPerSecond(sample.rows, sample.ms), 'rows/s')} (${Math.round(sample.ms)} ms)`,
    );
    const ours = throughput('hubsync', samples.get('hubsync') ?? []);
    const replicated = samples.get('logical replication');
    const baseline = replicated === undefined ? null : throughput('logical replication', replicated);
    return caseResult({
      name: 'incremental-sync',
      title: `${rows.toLocaleString('en-US')} updated rows delivered to a member, against logical replication`,
      ours,
      baseline,
      ratio: baseline === null ? null : ours.median / baseline.median,
      ratioMeaning: 'hubsync rows/s / logical replication rows/s, both from the UPDATE commit until the rows are visible',
      goal: incrementalGoal,
      figures: {
        rows,
        walLevel,
        hubsyncMs: figure('hubsync sync run', 'ms', (samples.get('hubsync') ?? []).map((sample) => sample.ms)),
        ...(replicated === undefined ? {} : { replicationMs: figure('logical replication', 'ms', replicated.map((sample) => sample.ms)) }),
        hubUpdateMs: figure('UPDATE on the tracked hub', 'ms', hubsync.updateMs),
        ...(replication === null ? {} : { publisherUpdateMs: figure('UPDATE on the publisher', 'ms', replication.updateMs) }),
      },
      ...(replication === null
        ? {
            skipped: `baseline skipped: wal_level is "${walLevel}", logical replication needs "logical" (run with --setup-logical, or set it and restart PostgreSQL)`,
          }
        : {}),
    });
  } finally {
    await replication?.stop();
    await hubsync.stop();
  }
}

interface Prepared {
  readonly run: (marker: number) => Promise<Sample>;
  readonly stop: () => Promise<void>;
  readonly updateMs: number[];
}

/** VACUUM first (the whole database: hubsync's tracking table too), so every run starts alike. */
async function updateAll(client: pg.Client, marker: number): Promise<number> {
  await client.query('VACUUM ANALYZE');
  const start = now();
  const { rowCount } = await client.query(`UPDATE ${benchTable} SET n = $1`, [marker]);
  const ms = now() - start;
  if (rowCount === null || rowCount === 0) throw new Error('the UPDATE changed no row');
  return ms;
}

/** A hub of `rows` rows and a member that received them all (an initial sync, not timed). */
export interface SyncedPair {
  readonly group: SyncGroup;
  readonly hubDatabase: string;
  readonly memberDatabase: string;
  readonly drop: () => Promise<void>;
}

export async function syncedPair(env: BenchEnv, name: string, rows: number): Promise<SyncedPair> {
  const hubDatabase = await env.server.createDatabase(`${name}_hub`);
  const memberDatabase = await env.server.createDatabase(`${name}_member`);
  const drop = async () => {
    await env.server.dropDatabase(hubDatabase);
    await env.server.dropDatabase(memberDatabase);
  };
  try {
    await env.server.withClient(hubDatabase, (client) => populatePostgres(client, rows));
    const group = benchGroup({
      name,
      hub: postgresNode('hub', env.server.urlOf(hubDatabase)),
      members: [member(postgresNode('member', env.server.urlOf(memberDatabase)))],
      tables: [benchTable],
      batchSize: env.batchSize,
    });
    await provisionHub(group, env.folder);
    await timedSync(group, env.folder, name);
    return { group, hubDatabase, memberDatabase, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}

async function prepareHubsync(env: BenchEnv, rows: number): Promise<Prepared> {
  env.log('  initial sync of the hubsync member (not timed)');
  const { group, hubDatabase, memberDatabase, drop: stop } = await syncedPair(env, 'incremental', rows);
  const hub = await env.server.connect(hubDatabase);
  const updateMs: number[] = [];
  return {
    updateMs,
    stop: async () => {
      await hub.end().catch(() => undefined);
      await stop();
    },
    run: async (marker) => {
      await env.server.withClient(memberDatabase, (client) => client.query('VACUUM ANALYZE'));
      updateMs.push(await updateAll(hub, marker));
      const { ms, result } = await timedSync(group, env.folder, 'incremental');
      const arrived = await countRows(env.server, memberDatabase, benchTable, `n = ${marker}`);
      if (arrived !== rows || downloaded(result) !== rows) {
        throw new Error(`hubsync delivered ${arrived} of ${rows} updated rows (the run reported ${downloaded(result)})`);
      }
      return { ms, rows };
    },
  };
}

async function prepareReplication(env: BenchEnv, rows: number): Promise<Prepared> {
  const publisher = await env.server.createDatabase('incremental_publisher');
  const subscriber = await env.server.createDatabase('incremental_subscriber');
  const stop = async () => {
    await stopLogicalReplication(env.server, publisher, subscriber);
    await env.server.dropDatabase(subscriber);
    await env.server.dropDatabase(publisher);
  };
  onCleanup('logical replication', stop);
  await env.server.withClient(publisher, (client) => populatePostgres(client, rows));
  await env.server.withClient(subscriber, (client) => client.query(postgresTableDdl()));
  await copyTable(env.server, publisher, subscriber, benchTable);
  await startLogicalReplication(env.server, publisher, subscriber);
  const source = await env.server.connect(publisher);
  const target = await env.server.connect(subscriber);
  const updateMs: number[] = [];
  // One replicated change first: the subscription's worker has started and streams.
  await source.query(`UPDATE ${benchTable} SET n = -1 WHERE id = $1`, [rows]);
  await waitForValue(target, rows, -1);
  return {
    updateMs,
    stop: async () => {
      await source.end().catch(() => undefined);
      await target.end().catch(() => undefined);
      await stop();
    },
    run: async (marker) => {
      await target.query('VACUUM ANALYZE');
      updateMs.push(await updateAll(source, marker));
      const start = now();
      await waitForValue(target, rows, marker);
      const ms = now() - start;
      const arrived = await countRows(env.server, subscriber, benchTable, `n = ${marker}`);
      if (arrived !== rows) throw new Error(`logical replication delivered ${arrived} of ${rows} updated rows`);
      return { ms, rows };
    },
  };
}

async function waitForValue(client: pg.Client, id: number, value: number): Promise<void> {
  const deadline = now() + replicationTimeoutMs;
  for (;;) {
    const { rows } = await client.query<{ n: number }>(`SELECT n FROM ${benchTable} WHERE id = $1`, [id]);
    if (rows[0]?.n === value) return;
    if (now() > deadline) throw new Error(`logical replication did not deliver within ${replicationTimeoutMs / 60_000} minutes`);
    await sleep(pollIntervalMs);
  }
}
