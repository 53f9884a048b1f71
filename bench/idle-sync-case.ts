import { postgresInsertSql, postgresTableDdl } from './bench-table.js';
import type { BenchEnv } from './bench-env.js';
import type { SyncGroup } from '../src/engine/group.js';
import { benchGroup, member, postgresNode, provisionHub, timedSync } from './hubsync-run.js';
import { type CaseResult, caseResult, figure } from './report.js';

/** Azure SQL Data Sync's community figure for a sync with nothing to do. */
export const azureIdleSyncMs = 38_000;
/** The speed issue's goal: at most 50 ms end to end, in-process. */
export const idleSyncBudgetMs = 50;

/**
 * Case 4: a sync run of a group with 10 tables and 3 members when nothing changed, timed end to
 * end in-process (opening every connection, checking provisioning, reading every change stream
 * both ways, saving the run). The baseline is Azure SQL Data Sync's published 38 s, so the ratio
 * is 38,000 ms / our ms and the goal ratio 38,000 / 50 = 760 is the same as "at most 50 ms".
 */
export async function idleSyncCase(env: BenchEnv): Promise<CaseResult> {
  const { idleTables, idleMembers, idleRowsPerTable } = env.sizes;
  const { group, drop } = await idleGroup(env, 'idle');
  try {
    const initial = await timedSync(group, env.folder, 'idle');
    env.log(`  first sync (provisions the members, moves ${idleTables * idleRowsPerTable * idleMembers} rows): ${Math.round(initial.ms)} ms, not counted`);
    const runs: number[] = [];
    for (let repetition = 0; repetition < env.sizes.idleRepetitions; repetition += 1) {
      const { ms, result } = await timedSync(group, env.folder, 'idle');
      const moved = result.members.reduce((total, summary) => total + summary.uploaded + summary.downloaded, 0);
      if (moved !== 0) throw new Error(`a sync with nothing to do moved ${moved} changes`);
      runs.push(ms);
      env.log(`  run ${repetition + 1}/${env.sizes.idleRepetitions} hubsync: ${Math.round(ms)} ms`);
    }
    const ours = figure('hubsync, nothing to do', 'ms', runs);
    return caseResult({
      name: 'nothing-to-do',
      title: `Sync run with nothing to do: ${idleTables} tables, ${idleMembers} members`,
      ours,
      baseline: figure('Azure SQL Data Sync (published figure)', 'ms', [azureIdleSyncMs]),
      ratio: azureIdleSyncMs / ours.median,
      ratioMeaning: `${azureIdleSyncMs} ms (Azure SQL Data Sync) / hubsync ms; the goal ${azureIdleSyncMs / idleSyncBudgetMs} means at most ${idleSyncBudgetMs} ms`,
      goal: azureIdleSyncMs / idleSyncBudgetMs,
      figures: { tables: idleTables, members: idleMembers, rowsPerTable: idleRowsPerTable, firstSyncMs: initial.ms, budgetMs: idleSyncBudgetMs },
      notes: ['the baseline is a published figure, not measured here'],
    });
  } finally {
    await drop();
  }
}

/** A hub with `idleTables` small tables, provisioned, and `idleMembers` empty member databases. */
export async function idleGroup(env: BenchEnv, name: string): Promise<{ group: SyncGroup; drop: () => Promise<void> }> {
  const { idleTables, idleMembers, idleRowsPerTable } = env.sizes;
  const tables = Array.from({ length: idleTables }, (_, index) => `idle_t${String(index + 1).padStart(2, '0')}`);
  const databases: string[] = [];
  const drop = async () => {
    for (const database of databases) await env.server.dropDatabase(database);
  };
  try {
    const hubDatabase = await env.server.createDatabase(`${name}_hub`);
    databases.push(hubDatabase);
    await env.server.withClient(hubDatabase, async (client) => {
      for (const table of tables) {
        await client.query(postgresTableDdl(table));
        await client.query(postgresInsertSql(table), [1, idleRowsPerTable, null]);
      }
    });
    for (let index = 1; index <= idleMembers; index += 1) databases.push(await env.server.createDatabase(`${name}_member${index}`));
    const group = benchGroup({
      name,
      hub: postgresNode('hub', env.server.urlOf(hubDatabase)),
      members: databases.slice(1).map((database, index) => member(postgresNode(`member${index + 1}`, env.server.urlOf(database)))),
      tables,
      batchSize: env.batchSize,
    });
    await provisionHub(group, env.folder);
    return { group, drop };
  } catch (error) {
    await drop();
    throw error;
  }
}
