import { benchTable } from './bench-table.js';
import type { BenchEnv, HubFixture } from './bench-env.js';
import { runSyncChild } from './child-run.js';
import { countRows } from './copy-pipe.js';
import { benchGroup, member, postgresNode } from './hubsync-run.js';
import type { ChildRequest } from './sync-child.js';
import { interleaved, rowsPerSecond } from './measure.js';
import { type CaseResult, caseResult, figure, formatValue } from './report.js';

/** Flat: the larger run's peak at most 1.2x the smaller's, i.e. smaller / larger >= 1 / 1.2. */
export const memoryGoal = 1 / 1.2;

interface Sample {
  readonly rssMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly ms: number;
  readonly rows: number;
}

/**
 * Case 5: peak resident memory of an initial sync (PostgreSQL -> empty PostgreSQL member) at two
 * table sizes ten times apart, each run in a child process of its own so the bench's memory does
 * not count. The "baseline" is the smaller run: memory is flat when the larger needs no more.
 */
export async function memoryCase(env: BenchEnv): Promise<CaseResult> {
  const { memorySmallRows: smallRows, memoryLargeRows: largeRows } = env.sizes;
  const small = await env.pgHub(smallRows);
  const large = await env.pgHub(largeRows);
  const floor = await runSyncChild(env, { ...childRequest(env, small, small.url, 'floor'), noop: true });
  const samples = await interleaved(
    env.sizes.repetitions,
    [
      { name: 'large', run: (repetition) => memoryRun(env, large, repetition) },
      { name: 'small', run: (repetition) => memoryRun(env, small, repetition) },
    ],
    env.log,
    (sample: Sample) =>
      `peak RSS ${formatValue(sample.rssMb, 'MB')} (V8 heap ${formatValue(sample.heapTotalMb, 'MB')}, external ${formatValue(sample.externalMb, 'MB')}), ${formatValue(rowsPerSecond(sample.rows, sample.ms), 'rows/s')} (${Math.round(sample.ms)} ms)`,
  );
  const largeRss = figure(`${largeRows.toLocaleString('en-US')} rows`, 'MB', (samples.get('large') ?? []).map((sample) => sample.rssMb));
  const smallRss = figure(`${smallRows.toLocaleString('en-US')} rows`, 'MB', (samples.get('small') ?? []).map((sample) => sample.rssMb));
  return caseResult({
    name: 'memory',
    title: `Peak RSS of an initial sync: ${largeRows.toLocaleString('en-US')} rows (hubsync column) vs ${smallRows.toLocaleString('en-US')} rows (baseline column)`,
    ours: largeRss,
    baseline: smallRss,
    ratio: smallRss.median / largeRss.median,
    ratioMeaning: 'peak RSS at the smaller size / peak RSS at the larger size (1.0 = flat)',
    goal: memoryGoal,
    figures: {
      smallRows,
      largeRows,
      processFloorMb: floor.maxRssKb / 1024,
      largeHeapTotalMb: figure('large run: peak V8 heap', 'MB', (samples.get('large') ?? []).map((sample) => sample.heapTotalMb)),
      smallHeapTotalMb: figure('small run: peak V8 heap', 'MB', (samples.get('small') ?? []).map((sample) => sample.heapTotalMb)),
      largeExternalMb: figure('large run: peak external', 'MB', (samples.get('large') ?? []).map((sample) => sample.externalMb)),
      smallExternalMb: figure('small run: peak external', 'MB', (samples.get('small') ?? []).map((sample) => sample.externalMb)),
      largeRowsPerSecond: figure('large run', 'rows/s', (samples.get('large') ?? []).map((sample) => rowsPerSecond(sample.rows, sample.ms))),
      smallRowsPerSecond: figure('small run', 'rows/s', (samples.get('small') ?? []).map((sample) => rowsPerSecond(sample.rows, sample.ms))),
    },
    notes: ['processFloorMb: a child that only loads hubsync and exits'],
  });
}

function childRequest(env: BenchEnv, hub: HubFixture, memberUrl: string, stateName: string): ChildRequest {
  return {
    group: benchGroup({
      name: stateName,
      hub: postgresNode('hub', hub.url),
      members: [member(postgresNode('member', memberUrl))],
      tables: [benchTable],
      batchSize: env.batchSize,
    }),
    folder: env.folder,
    stateName,
  };
}

async function memoryRun(env: BenchEnv, hub: HubFixture, repetition: number): Promise<Sample> {
  const database = await env.server.createDatabase(`memory_member_${hub.rows}`);
  try {
    const result = await runSyncChild(env, childRequest(env, hub, env.server.urlOf(database), `memory-${hub.rows}-${repetition}`));
    const arrived = await countRows(env.server, database, benchTable);
    if (arrived !== hub.rows || result.downloaded !== hub.rows) {
      throw new Error(`the child delivered ${arrived} of ${hub.rows} rows (it reported ${result.downloaded})`);
    }
    return {
      rssMb: result.maxRssKb / 1024,
      heapTotalMb: result.peakUsageKb.heapTotal / 1024,
      externalMb: result.peakUsageKb.external / 1024,
      ms: result.ms[0] ?? Number.NaN,
      rows: hub.rows,
    };
  } finally {
    await env.server.dropDatabase(database);
  }
}
