import { join } from 'node:path';
import { postgresInsertSql, postgresTableDdl } from './bench-table.js';
import type { BenchEnv } from './bench-env.js';
import { benchGroup, member, postgresNode, provisionHub, sqliteNode, timedSync } from './hubsync-run.js';
import { interleaved } from './measure.js';
import { type CaseResult, caseResult, figure } from './report.js';

/** Rows per hub table: the case is about idle tables and members, not about moving rows. */
const rowsPerTable = 10;

interface Shape {
  readonly tables: number;
  readonly members: number;
}

/**
 * Case `fan-out`: a PostgreSQL hub with many tables and many SQLite members, all provisioned and
 * in sync; one row changes on the hub and one sync run is timed. Azure SQL Data Sync caps a group
 * at 500 tables and 30 endpoints. The same group is also run with its first 10 members (growth in
 * members) and its first 10 tables (growth in tables): the goal is time linear in the work moved,
 * close to flat in idle members and tables.
 */
export async function fanOutCase(env: BenchEnv): Promise<CaseResult> {
  const { fanOutTables: tables, fanOutMembers: members, fanOutBase: base } = env.sizes;
  const names = Array.from({ length: tables }, (_, index) => `fan_t${String(index + 1).padStart(3, '0')}`);
  const hubDatabase = await env.server.createDatabase('fanout_hub');
  try {
    await env.server.withClient(hubDatabase, async (client) => {
      for (const table of names) {
        await client.query(postgresTableDdl(table));
        await client.query(postgresInsertSql(table), [1, rowsPerTable, null]);
      }
    });
    const hub = postgresNode('hub', env.server.urlOf(hubDatabase));
    const memberNodes = Array.from({ length: members }, (_, index) => member(sqliteNode(`m${index + 1}`, join(env.folder, `fanout-m${index + 1}.db`))));
    const group = (shape: Shape) =>
      benchGroup({ name: 'fanout', hub, members: memberNodes.slice(0, shape.members), tables: names.slice(0, shape.tables), batchSize: env.batchSize });
    await provisionHub(group({ tables, members: 0 }), env.folder);
    const setUp = await timedSync(group({ tables, members }), env.folder, 'fanout');
    env.log(`  first sync (provisions ${members} members, ${tables} tables each): ${Math.round(setUp.ms)} ms, not counted`);
    let changes = 0;
    const shapes: Record<string, Shape> = {
      full: { tables, members },
      fewerMembers: { tables, members: base },
      fewerTables: { tables: base, members },
    };
    const samples = await interleaved(
      env.sizes.repetitions,
      Object.entries(shapes).map(([name, shape]) => ({
        name,
        run: async () => {
          changes += 1;
          await env.server.withClient(hubDatabase, (client) => client.query(`UPDATE ${names[0]} SET n = $1 WHERE id = 1`, [changes]));
          const { ms, result } = await timedSync(group(shape), env.folder, 'fanout');
          const moved = result.members.reduce((total, summary) => total + summary.downloaded, 0);
          if (moved !== shape.members) throw new Error(`expected the changed row to reach ${shape.members} members, it reached ${moved}`);
          return ms;
        },
      })),
      env.log,
      (ms) => `${Math.round(ms)} ms`,
    );
    const ms = (name: string) => figure(`${name}`, 'ms', samples.get(name) ?? []);
    const full = ms('full');
    const fewerMembers = ms('fewerMembers');
    const fewerTables = ms('fewerTables');
    return caseResult({
      name: 'fan-out',
      title: `One changed row, ${tables} tables x ${members} SQLite members vs ${base} members and vs ${base} tables`,
      ours: figure(`hubsync, ${tables} tables x ${members} members`, 'ms', full.runs),
      baseline: figure(`hubsync, ${tables} tables x ${base} members`, 'ms', fewerMembers.runs),
      ratio: fewerMembers.median / full.median,
      ratioMeaning: `run time with ${base} members / with ${members} (1.0 = flat in members; ${(base / members).toFixed(2)} = linear)`,
      goal: null,
      figures: {
        tables,
        members,
        fullMs: full,
        fewerMembersMs: fewerMembers,
        fewerTablesMs: fewerTables,
        memberGrowth: full.median / fewerMembers.median,
        tableGrowth: full.median / fewerTables.median,
        firstSyncMs: setUp.ms,
      },
      notes: [
        `time x${(full.median / fewerMembers.median).toFixed(2)} from ${base} to ${members} members (${tables} tables), ` +
          `x${(full.median / fewerTables.median).toFixed(2)} from ${base} to ${tables} tables (${members} members)`,
      ],
    });
  } finally {
    await env.server.dropDatabase(hubDatabase);
  }
}
