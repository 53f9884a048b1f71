import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { benchTable, populateSqlite } from './bench-table.js';
import type { BenchEnv } from './bench-env.js';
import { runSyncChild } from './child-run.js';
import { benchGroup, member, postgresNode, provisionHub, sqliteNode } from './hubsync-run.js';
import { syncedPair } from './incremental-case.js';
import { idleGroup } from './idle-sync-case.js';
import { median } from './measure.js';
import { formatProfile, type ProfileSummary, summariseProfile } from './profile-summary.js';
import type { SqlTraceEntry } from './sql-trace.js';
import type { ChildRequest } from './sync-child.js';

export interface ProfiledRun {
  readonly name: string;
  /** Median time of the profiled runs (slower than unprofiled ones). */
  readonly ms: number;
  readonly rows: number;
  readonly cpu: ProfileSummary;
  /** PostgreSQL runs only: time waited per statement shape, over all profiled runs. */
  readonly sqlTrace: readonly SqlTraceEntry[];
}

/**
 * `--profile`: extra runs outside the measured ones, in a child process with the V8 profiler on
 * (and every PostgreSQL statement timed), to show what limits them: a PostgreSQL initial sync,
 * a PostgreSQL incremental sync, a SQLite initial sync and five PostgreSQL syncs with nothing to
 * do. Profiles are written to `<profilePrefix><name>.cpuprofile.json` (open them in Chrome DevTools).
 */
export async function profileRuns(env: BenchEnv, profilePrefix: string): Promise<ProfiledRun[]> {
  const profilePath = (name: string) => `${profilePrefix}${name}.cpuprofile.json`;
  const profiled = async (name: string, rows: number, request: ChildRequest): Promise<ProfiledRun> => {
    env.log(`  ${name}`);
    const result = await runSyncChild(env, { ...request, profilePath: profilePath(name), traceSql: true });
    return { name, rows, ms: median(result.ms), cpu: summariseProfile(profilePath(name)), sqlTrace: result.sqlTrace ?? [] };
  };
  const runs: ProfiledRun[] = [];

  const rows = env.sizes.initialRows;
  const hub = await env.pgHub(rows);
  const memberDatabase = await env.server.createDatabase('profile_member');
  try {
    const group = benchGroup({
      name: 'profile-postgres',
      hub: postgresNode('hub', hub.url),
      members: [member(postgresNode('member', env.server.urlOf(memberDatabase)))],
      tables: [benchTable],
      batchSize: env.batchSize,
    });
    runs.push(await profiled(`initial-sync-postgres-${rows}`, rows, { group, folder: env.folder, stateName: group.name }));
  } finally {
    await env.server.dropDatabase(memberDatabase);
  }

  runs.push(await profileIncremental(env, profiled));

  const sqliteRows = env.sizes.sqliteRows;
  const hubPath = join(env.folder, 'profile-hub.db');
  const memberPath = join(env.folder, 'profile-member.db');
  try {
    const db = new Database(hubPath);
    db.pragma('journal_mode = WAL');
    populateSqlite(db, sqliteRows);
    db.close();
    const group = benchGroup({
      name: 'profile-sqlite',
      hub: sqliteNode('hub', hubPath),
      members: [member(sqliteNode('member', memberPath))],
      tables: [benchTable],
      batchSize: env.batchSize,
    });
    await provisionHub(group, env.folder);
    runs.push(await profiled(`initial-sync-sqlite-${sqliteRows}`, sqliteRows, { group, folder: env.folder, stateName: group.name }));
  } finally {
    for (const path of [hubPath, memberPath]) for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  }

  const idle = await idleGroup(env, 'profile_idle');
  try {
    runs.push(
      await profiled('nothing-to-do-postgres', 0, { group: idle.group, folder: env.folder, stateName: idle.group.name, warmupRuns: 1, runs: 5 }),
    );
  } finally {
    await idle.drop();
  }
  return runs;
}

/** Every row of a synced table updated on the hub, then the run that delivers them, profiled. */
async function profileIncremental(
  env: BenchEnv,
  profiled: (name: string, rows: number, request: ChildRequest) => Promise<ProfiledRun>,
): Promise<ProfiledRun> {
  const rows = env.sizes.incrementalRows;
  const pair = await syncedPair(env, 'profile_incremental', rows);
  try {
    await env.server.withClient(pair.hubDatabase, (client) => client.query(`UPDATE ${benchTable} SET n = n + 1`));
    return await profiled(`incremental-sync-postgres-${rows}`, rows, { group: pair.group, folder: env.folder, stateName: pair.group.name });
  } finally {
    await pair.drop();
  }
}

export function formatProfiledRun(run: ProfiledRun): string {
  const rate = run.rows > 0 ? `, ${Math.round((run.rows * 1000) / run.ms).toLocaleString('en-US')} rows/s` : '';
  const lines = [`${run.name}: ${Math.round(run.ms)} ms per run under the profiler${rate}`, formatProfile(run.cpu)];
  if (run.sqlTrace.length > 0) {
    const total = run.sqlTrace.reduce((sum, entry) => sum + entry.totalMs, 0);
    lines.push(`  time waiting on PostgreSQL, by statement (${total.toFixed(0)} ms in all; concurrent waits overlap):`);
    for (const entry of run.sqlTrace.slice(0, 12)) {
      lines.push(`  ${entry.totalMs.toFixed(0).padStart(8)} ms  ${String(entry.calls).padStart(5)}x  ${entry.statement}`);
    }
  }
  return lines.join('\n');
}
