import type pg from 'pg';
import { postgresInsertSql, postgresTableDdl } from './bench-table.js';
import type { BenchEnv } from './bench-env.js';
import { benchGroup, postgresNode, provisionHub } from './hubsync-run.js';
import { now } from './measure.js';
import { type CaseResult, caseResult, figure } from './report.js';

/** Untracked time / tracked time: inserts and updates at most 2x slower, deletes at most 3x. */
export const triggerOverheadGoal = 0.5;
const deleteOverheadGoal = 0.33;

const operations = ['insert', 'update', 'delete'] as const;
type Operation = (typeof operations)[number];

const tracked = 'bench_tracked';
const plain = 'bench_plain';

function statementFor(operation: Operation, table: string): string {
  switch (operation) {
    case 'insert':
      return postgresInsertSql(table);
    case 'update':
      return `UPDATE ${table} SET n = n + 1, active = NOT active WHERE id BETWEEN $1 AND $2`;
    case 'delete':
      return `DELETE FROM ${table} WHERE id BETWEEN $1 AND $2`;
  }
}

/**
 * Case 3: the cost hubsync's tracking triggers add to the user's own writes. Two identical tables
 * in one database, one provisioned for tracking; per operation, the rows are written in
 * statements of 1,000 rows, each statement its own transaction, tracked and untracked
 * alternating which goes first. A fresh database per repetition.
 */
export async function triggerOverheadCase(env: BenchEnv): Promise<CaseResult[]> {
  const { triggerRows: rows, rowsPerStatement } = env.sizes;
  const times: Record<Operation, { tracked: number[]; plain: number[] }> = {
    insert: { tracked: [], plain: [] },
    update: { tracked: [], plain: [] },
    delete: { tracked: [], plain: [] },
  };
  for (let repetition = 0; repetition < env.sizes.repetitions; repetition += 1) {
    const database = await env.server.createDatabase('trigger_overhead');
    try {
      await env.server.withClient(database, async (client) => {
        await client.query(postgresTableDdl(tracked));
        await client.query(postgresTableDdl(plain));
      });
      const group = benchGroup({
        name: `trigger${repetition}`,
        hub: postgresNode('hub', env.server.urlOf(database)),
        members: [],
        tables: [tracked],
        batchSize: env.batchSize,
      });
      await provisionHub(group, env.folder);
      await env.server.withClient(database, async (client) => {
        for (const operation of operations) {
          const order = repetition % 2 === 0 ? [tracked, plain] : [plain, tracked];
          for (const table of order) {
            const ms = await writeInStatements(client, statementFor(operation, table), rows, rowsPerStatement);
            times[operation][table === tracked ? 'tracked' : 'plain'].push(ms);
            env.log(`  run ${repetition + 1}/${env.sizes.repetitions} ${operation} ${table === tracked ? 'tracked' : 'untracked'}: ${Math.round(ms)} ms`);
          }
        }
      });
    } finally {
      await env.server.dropDatabase(database);
    }
  }
  return operations.map((operation) => {
    const ours = figure(`${operation}, tracked table`, 'ms', times[operation].tracked);
    const baseline = figure(`${operation}, untracked table`, 'ms', times[operation].plain);
    return caseResult({
      name: `trigger-overhead-${operation}`,
      title: `${operation} of ${rows.toLocaleString('en-US')} rows in ${rowsPerStatement}-row statements: tracked vs untracked table`,
      ours,
      baseline,
      ratio: baseline.median / ours.median,
      ratioMeaning: 'untracked ms / tracked ms (0.5 = tracking makes writes 2x slower)',
      goal: operation === 'delete' ? deleteOverheadGoal : triggerOverheadGoal,
      figures: {
        rows,
        rowsPerStatement,
        statements: Math.ceil(rows / rowsPerStatement),
        slowdown: ours.median / baseline.median,
      },
    });
  });
}

async function writeInStatements(client: pg.Client, sql: string, rows: number, perStatement: number): Promise<number> {
  const start = now();
  for (let first = 1; first <= rows; first += perStatement) {
    const last = Math.min(rows, first + perStatement - 1);
    const params = sql.startsWith('INSERT') ? [first, last, null] : [first, last];
    const { rowCount } = await client.query(sql, params);
    if (rowCount !== last - first + 1) throw new Error(`a statement wrote ${rowCount ?? 0} rows, expected ${last - first + 1}`);
  }
  return now() - start;
}
