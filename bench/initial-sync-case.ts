import { benchTable, postgresTableDdl } from './bench-table.js';
import type { BenchEnv, HubFixture } from './bench-env.js';
import { copyTable, countRows } from './copy-pipe.js';
import { benchGroup, downloaded, member, postgresNode, timedSync } from './hubsync-run.js';
import { interleaved, rowsPerSecond, timed } from './measure.js';
import { type CaseResult, caseResult, type Figure, figure, formatValue } from './report.js';

export const initialSyncGoal = 0.8;

interface Sample {
  readonly ms: number;
  readonly rows: number;
}

/**
 * Case 1: a hub table to an empty member database, against COPY TO STDOUT | COPY FROM STDIN
 * between the same two kinds of database. The hub is provisioned beforehand (once, as users do);
 * hubsync's time includes creating and provisioning the member table.
 */
export async function initialSyncCase(env: BenchEnv): Promise<CaseResult> {
  const rows = env.sizes.initialRows;
  const hub = await env.pgHub(rows);
  const samples = await interleaved(
    env.sizes.repetitions,
    [
      { name: 'hubsync', run: (repetition) => hubsyncInitialSync(env, hub, repetition) },
      { name: 'COPY', run: () => copyInitialSync(env, hub) },
    ],
    env.log,
    (sample: Sample) => `${formatValue(rowsPerSecond(sample.rows, sample.ms), 'rows/s')} (${Math.round(sample.ms)} ms)`,
  );
  const ours = throughput('hubsync', samples.get('hubsync') ?? []);
  const baseline = throughput('COPY', samples.get('COPY') ?? []);
  return caseResult({
    name: 'initial-sync',
    title: `Initial sync of ${rows.toLocaleString('en-US')} rows, PostgreSQL -> empty PostgreSQL member`,
    ours,
    baseline,
    ratio: ours.median / baseline.median,
    ratioMeaning: 'hubsync rows/s / COPY rows/s',
    goal: initialSyncGoal,
    figures: {
      rows,
      hubsyncMs: figure('hubsync sync run', 'ms', (samples.get('hubsync') ?? []).map((sample) => sample.ms)),
      copyMs: figure('COPY pipe', 'ms', (samples.get('COPY') ?? []).map((sample) => sample.ms)),
      hubPopulateMs: hub.populateMs,
      hubProvisionMs: hub.provisionMs,
    },
  });
}

export function throughput(label: string, samples: readonly Sample[]): Figure {
  return figure(label, 'rows/s', samples.map((sample) => rowsPerSecond(sample.rows, sample.ms)));
}

async function hubsyncInitialSync(env: BenchEnv, hub: HubFixture, repetition: number): Promise<Sample> {
  const database = await env.server.createDatabase('initial_member');
  try {
    const group = benchGroup({
      name: `initial${repetition}`,
      hub: postgresNode('hub', hub.url),
      members: [member(postgresNode('member', env.server.urlOf(database)))],
      tables: [benchTable],
      batchSize: env.batchSize,
    });
    const { ms, result } = await timedSync(group, env.folder, `initial-${repetition}`);
    await expectRows(env, database, hub.rows, downloaded(result));
    return { ms, rows: hub.rows };
  } finally {
    await env.server.dropDatabase(database);
  }
}

async function copyInitialSync(env: BenchEnv, hub: HubFixture): Promise<Sample> {
  const database = await env.server.createDatabase('initial_copy');
  try {
    await env.server.withClient(database, (client) => client.query(postgresTableDdl()));
    const { ms, result } = await timed(() => copyTable(env.server, hub.database, database, benchTable));
    await expectRows(env, database, hub.rows, result);
    return { ms, rows: hub.rows };
  } finally {
    await env.server.dropDatabase(database);
  }
}

async function expectRows(env: BenchEnv, database: string, expected: number, reported: number): Promise<void> {
  const actual = await countRows(env.server, database, benchTable);
  if (actual !== expected || reported !== expected) {
    throw new Error(`expected ${expected} rows in the member, found ${actual} (the run reported ${reported})`);
  }
}
