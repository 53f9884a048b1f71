import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { benchTable, populateSqlite, sqliteTableDdl } from './bench-table.js';
import type { BenchEnv } from './bench-env.js';
import { benchGroup, downloaded, member, provisionHub, sqliteNode, timedSync } from './hubsync-run.js';
import { throughput } from './initial-sync-case.js';
import { interleaved, rowsPerSecond, timed } from './measure.js';
import { type CaseResult, caseResult, figure, formatValue } from './report.js';

interface Sample {
  readonly ms: number;
  readonly rows: number;
}

const columns = 'id, n, label, amount, created_at, active';

/** hubsync's rows/s at least half the insert loop's. */
export const sqliteInitialSyncGoal = 0.5;

/**
 * Case 6: initial sync SQLite -> new SQLite file, against the plainest copy a program would
 * write: read the rows and insert them with one prepared statement, committing every
 * batch-size rows (hubsync's unit of commit), into a WAL-mode file like the one hubsync creates.
 */
export async function sqliteCase(env: BenchEnv): Promise<CaseResult> {
  const rows = env.sizes.sqliteRows;
  const hubPath = join(env.folder, 'sqlite-hub.db');
  const populate = await timed(async () => {
    const db = new Database(hubPath);
    try {
      db.pragma('journal_mode = WAL');
      populateSqlite(db, rows);
    } finally {
      db.close();
    }
  });
  const hubGroup = (memberPath: string | null, repetition: number) =>
    benchGroup({
      name: `sqlite${repetition}`,
      hub: sqliteNode('hub', hubPath),
      members: memberPath === null ? [] : [member(sqliteNode('member', memberPath))],
      tables: [benchTable],
      batchSize: env.batchSize,
    });
  const provisionMs = await provisionHub(hubGroup(null, -1), env.folder);
  try {
    const samples = await interleaved(
      env.sizes.repetitions,
      [
        {
          name: 'hubsync',
          run: async (repetition: number): Promise<Sample> => {
            const memberPath = join(env.folder, `sqlite-member-${repetition}.db`);
            try {
              const { ms, result } = await timedSync(hubGroup(memberPath, repetition), env.folder, `sqlite-${repetition}`);
              expectRows(memberPath, rows, downloaded(result));
              return { ms, rows };
            } finally {
              removeDatabase(memberPath);
            }
          },
        },
        {
          name: 'insert loop',
          run: async (repetition: number): Promise<Sample> => {
            const path = join(env.folder, `sqlite-plain-${repetition}.db`);
            try {
              const { ms, result } = await timed(async () => insertLoop(hubPath, path, env.batchSize));
              expectRows(path, rows, result);
              return { ms, rows };
            } finally {
              removeDatabase(path);
            }
          },
        },
      ],
      env.log,
      (sample) => `${formatValue(rowsPerSecond(sample.rows, sample.ms), 'rows/s')} (${Math.round(sample.ms)} ms)`,
    );
    const ours = throughput('hubsync', samples.get('hubsync') ?? []);
    const baseline = throughput('prepared insert loop', samples.get('insert loop') ?? []);
    return caseResult({
      name: 'sqlite-initial-sync',
      title: `Initial sync of ${rows.toLocaleString('en-US')} rows, SQLite -> new SQLite file`,
      ours,
      baseline,
      ratio: ours.median / baseline.median,
      ratioMeaning: 'hubsync rows/s / prepared-statement insert loop rows/s',
      goal: sqliteInitialSyncGoal,
      figures: {
        rows,
        hubsyncMs: figure('hubsync sync run', 'ms', (samples.get('hubsync') ?? []).map((sample) => sample.ms)),
        insertLoopMs: figure('insert loop', 'ms', (samples.get('insert loop') ?? []).map((sample) => sample.ms)),
        hubPopulateMs: populate.ms,
        hubProvisionMs: provisionMs,
      },
    });
  } finally {
    removeDatabase(hubPath);
  }
}

/** Reads every row of the hub and inserts it into a new file with one prepared statement. */
function insertLoop(sourcePath: string, destinationPath: string, batchSize: number): number {
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
  const destination = new Database(destinationPath);
  try {
    destination.pragma('journal_mode = WAL');
    destination.exec(sqliteTableDdl);
    const insert = destination.prepare(`INSERT INTO ${benchTable} (${columns}) VALUES (?, ?, ?, ?, ?, ?)`);
    let count = 0;
    destination.exec('BEGIN');
    for (const row of source.prepare(`SELECT ${columns} FROM ${benchTable} ORDER BY id`).raw().iterate()) {
      insert.run(row as unknown[]);
      count += 1;
      if (count % batchSize === 0) destination.exec('COMMIT; BEGIN');
    }
    destination.exec('COMMIT');
    return count;
  } finally {
    source.close();
    destination.close();
  }
}

function expectRows(path: string, expected: number, reported: number): void {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(`SELECT count(*) AS count FROM ${benchTable}`).get() as { count: number };
    if (row.count !== expected || reported !== expected) {
      throw new Error(`expected ${expected} rows in ${path}, found ${row.count} (the run reported ${reported})`);
    }
  } finally {
    db.close();
  }
}

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}
