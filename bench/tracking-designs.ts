import { Command, Option } from 'commander';
import type pg from 'pg';
import { now } from './measure.js';
import { PostgresServer } from './postgres-admin.js';

/**
 * Diagnostic for the trigger-overhead goal: what each way of recording changes costs the user's
 * writes, untracked time / tracked time (as the bench's trigger case), so a redesign of tracking
 * is chosen on figures. Every design gets a fresh database with a tracked and an untracked table
 * of the bench's shape and statement-level triggers with transition tables, as hubsync's.
 *
 *   node dist/bench/tracking-designs.js [--rows 200000] [--pg-url postgres://…]
 */

interface Design {
  readonly name: string;
  /** Run after the tracking table `tr` and its (stamp, k1) index exist. */
  readonly setup: string;
  readonly insert: string;
  readonly update: string;
  readonly delete: string;
}

const upsert = (changed: string): string => `
  INSERT INTO tr AS t (k1, stamp, scope, op, changed_at)
  SELECT k1, change_stamp, change_scope, c.op, change_time FROM (${changed}) AS c
  ON CONFLICT (k1) DO UPDATE SET stamp = EXCLUDED.stamp, scope = EXCLUDED.scope, op = EXCLUDED.op, changed_at = EXCLUDED.changed_at;`;

/** hubsync's triggers today (postgres-tracking-sql.ts), on a one-column key. */
const upsertDesign = {
  insert: upsert(`SELECT n.id AS k1, 'I'::"char" AS op FROM hubsync_new n`),
  update: upsert(`SELECT k1, CASE WHEN bool_and(is_new) THEN 'I'::"char" WHEN bool_or(is_new) THEN 'U'::"char" ELSE 'D'::"char" END AS op
    FROM (SELECT n.id AS k1, true AS is_new FROM hubsync_new n UNION ALL SELECT o.id, false FROM hubsync_old o) AS keys GROUP BY k1`),
  delete: upsert(`SELECT o.id AS k1, 'D'::"char" AS op FROM hubsync_old o`),
};

const plainUpdate = (rows: string, op: string): string =>
  `UPDATE tr SET stamp = change_stamp, scope = change_scope, op = '${op}', changed_at = change_time FROM ${rows} r WHERE tr.k1 = r.id;`;

const appendToLog = (rows: string, op: string): string =>
  `INSERT INTO lg (k1, stamp, scope, op, changed_at) SELECT r.id, change_stamp, change_scope, '${op}', change_time FROM ${rows} r;`;

const designs: readonly Design[] = [
  { name: 'today: upsert, (stamp, key) index', setup: '', ...upsertDesign },
  {
    name: 'plain UPDATE of existing tracking rows',
    setup: '',
    insert: upsertDesign.insert,
    update: plainUpdate('hubsync_new', 'U'),
    delete: plainUpdate('hubsync_old', 'D'),
  },
  { name: 'no stamp index', setup: 'DROP INDEX tr_stamp;', ...upsertDesign },
  { name: 'no stamp index, fillfactor 50', setup: 'DROP INDEX tr_stamp; ALTER TABLE tr SET (fillfactor = 50);', ...upsertDesign },
  {
    name: 'append-only log, BRIN stamp index',
    setup: `CREATE TABLE lg (k1 bigint NOT NULL, stamp bigint NOT NULL, scope text, op "char" NOT NULL, changed_at timestamptz NOT NULL);
            CREATE INDEX lg_stamp ON lg USING brin (stamp);`,
    insert: appendToLog('hubsync_new', 'I'),
    update: appendToLog('hubsync_new', 'U'),
    delete: appendToLog('hubsync_old', 'D'),
  },
  { name: 'transition tables, empty trigger body', setup: '', insert: '', update: '', delete: '' },
];

const operations = ['insert', 'update', 'delete'] as const;

const statements: Record<(typeof operations)[number], string> = {
  insert: `INSERT INTO %t SELECT g, g, 'label ' || g, g / 100.0, now(), true FROM generate_series($1::bigint, $2::bigint) g`,
  update: 'UPDATE %t SET n = n + 1, active = NOT active WHERE id BETWEEN $1 AND $2',
  delete: 'DELETE FROM %t WHERE id BETWEEN $1 AND $2',
};

function schemaSql(design: Design): string {
  const declarations = `DECLARE
    change_stamp bigint := pg_catalog.pg_current_xact_id()::text::bigint;
    change_scope text := nullif(pg_catalog.current_setting('hubsync.scope', true), '');
    change_time timestamptz := pg_catalog.clock_timestamp();`;
  const trigger = (event: (typeof operations)[number], body: string, transition: string): string => `
    CREATE FUNCTION on_${event}() RETURNS trigger LANGUAGE plpgsql AS $$ ${declarations} BEGIN ${body} RETURN NULL; END $$;
    CREATE TRIGGER on_${event} AFTER ${event.toUpperCase()} ON tracked REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION on_${event}();`;
  return `
    CREATE TABLE tracked (id bigint PRIMARY KEY, n integer, label text, amount numeric(12,2), created_at timestamptz, active boolean);
    CREATE TABLE untracked (LIKE tracked INCLUDING ALL);
    CREATE TABLE tr (k1 bigint NOT NULL, stamp bigint NOT NULL, scope text, op "char" NOT NULL, changed_at timestamptz NOT NULL, PRIMARY KEY (k1));
    CREATE INDEX tr_stamp ON tr (stamp, k1);
    ${design.setup}
    ${trigger('insert', design.insert, 'NEW TABLE AS hubsync_new')}
    ${trigger('update', design.update, 'OLD TABLE AS hubsync_old NEW TABLE AS hubsync_new')}
    ${trigger('delete', design.delete, 'OLD TABLE AS hubsync_old')}`;
}

async function writeInStatements(client: pg.Client, sql: string, rows: number, perStatement: number): Promise<number> {
  const start = now();
  for (let first = 1; first <= rows; first += perStatement) await client.query(sql, [first, Math.min(rows, first + perStatement - 1)]);
  return now() - start;
}

/** Untracked time / tracked time per operation, tracked and untracked alternating per operation. */
async function measure(server: PostgresServer, design: Design, rows: number, perStatement: number): Promise<number[]> {
  const database = await server.createDatabase('tracking_design');
  try {
    return await server.withClient(database, async (client) => {
      await client.query(schemaSql(design));
      const ratios: number[] = [];
      for (const operation of operations) {
        const tracked = await writeInStatements(client, statements[operation].replace('%t', 'tracked'), rows, perStatement);
        const untracked = await writeInStatements(client, statements[operation].replace('%t', 'untracked'), rows, perStatement);
        ratios.push(untracked / tracked);
      }
      return ratios;
    });
  } finally {
    await server.dropDatabase(database);
  }
}

async function main(): Promise<void> {
  const options = new Command('tracking-designs')
    .description('untracked / tracked write time for several ways of recording changes (higher is cheaper)')
    .option('--rows <n>', 'rows inserted, updated, then deleted', (value) => Number.parseInt(value, 10), 200_000)
    .addOption(
      new Option('--pg-url <url>', 'a PostgreSQL superuser connection').env('HUBSYNC_BENCH_PG_URL').default('postgres://postgres@127.0.0.1:5432/postgres'),
    )
    .parse()
    .opts<{ rows: number; pgUrl: string }>();
  const server = new PostgresServer(options.pgUrl);
  await server.claimRun();
  try {
    process.stdout.write(`${'design'.padEnd(40)}  insert  update  delete  (${options.rows.toLocaleString('en-US')} rows, statements of 1,000)\n`);
    for (const design of designs) {
      const ratios = await measure(server, design, options.rows, 1_000);
      process.stdout.write(`${design.name.padEnd(40)}  ${ratios.map((ratio) => ratio.toFixed(2).padStart(6)).join('  ')}\n`);
    }
  } finally {
    await server.releaseRun();
  }
}

await main();
