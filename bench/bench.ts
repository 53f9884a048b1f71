/**
 * `npm run bench`: hubsync against each case's baseline, interleaved, medians and ratios in a
 * table on stdout and every figure in bench/results/<timestamp>.json. See docs/bench.md.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { benchCases } from './bench-cases.js';
import { BenchEnv, fullSizes, quickSizes, type Sizes } from './bench-env.js';
import { cleanUpOnSignals, onCleanup, runCleanup } from './cleanup.js';
import { machineInfo, versionInfo } from './machine.js';
import { PostgresServer } from './postgres-admin.js';
import { formatProfiledRun, type ProfiledRun, profileRuns } from './profile-runs.js';
import { type CaseResult, failedCase, formatTable, writeReport } from './report.js';
import { defaultBatchSize } from '../src/engine/group.js';

interface BenchOptions {
  readonly quick: boolean;
  readonly cases: readonly string[];
  readonly repetitions?: number;
  readonly batchSize: number;
  readonly pgUrl: string;
  readonly setupLogical: boolean;
  readonly profile: boolean;
  readonly results: string;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

function caseList(value: string): string[] {
  const keys = value.split(',').map((key) => key.trim()).filter((key) => key !== '');
  const known = benchCases.map((benchCase) => benchCase.key);
  const unknown = keys.filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown case ${unknown.join(', ')}; cases: ${known.join(', ')}`);
  return keys;
}

function parseOptions(argv: readonly string[]): BenchOptions {
  const program = new Command('bench')
    .description('Measure hubsync against PostgreSQL COPY, logical replication, untracked writes and a SQLite insert loop.')
    .option('--quick', 'one-minute smoke run: scaled-down tables, one repetition', false)
    .option('--cases <list>', `comma-separated subset of: ${benchCases.map((c) => c.key).join(', ')}`, caseList, benchCases.map((c) => c.key))
    .option('--repetitions <n>', 'runs of each contender (default 3, 1 with --quick)', positiveInteger)
    .option('--batch-size <n>', 'the sync group batchSize', positiveInteger, defaultBatchSize)
    .addOption(
      new Option('--pg-url <url>', 'a PostgreSQL superuser connection; bench databases are created beside it')
        .env('HUBSYNC_BENCH_PG_URL')
        .default('postgres://postgres@127.0.0.1:5432/postgres'),
    )
    .option('--setup-logical', 'if wal_level is not logical: ALTER SYSTEM SET wal_level = logical and restart the local cluster (pg_ctlcluster)', false)
    .option('--profile', 'after the cases, one extra initial sync per engine under --cpu-prof (and PostgreSQL statement timing): prints where the time goes', false)
    .option('--results <dir>', 'folder for the JSON results, relative to the working directory', 'bench/results');
  program.parse([...argv], { from: 'user' });
  return program.opts<BenchOptions>();
}

function sizesFor(options: BenchOptions): Sizes {
  const base = options.quick ? quickSizes : fullSizes;
  return options.repetitions === undefined ? base : { ...base, repetitions: options.repetitions };
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const repoRoot = process.cwd();
  const resultsFolder = resolve(repoRoot, options.results);
  const sizes = sizesFor(options);
  cleanUpOnSignals();

  const server = new PostgresServer(options.pgUrl);
  try {
    await server.setting('server_version');
  } catch (error) {
    process.stderr.write(
      `Cannot reach PostgreSQL at ${new URL(options.pgUrl).host} (${error instanceof Error ? error.message : String(error)}).\n` +
        'The bench needs a PostgreSQL 15+ superuser: pass --pg-url or set HUBSYNC_BENCH_PG_URL. See docs/bench.md.\n',
    );
    return 2;
  }
  await server.claimRun();
  onCleanup('bench run lock', () => server.releaseRun());
  const leftovers = await server.dropBenchDatabases();
  if (leftovers.length > 0) log(`Dropped leftover bench databases: ${leftovers.join(', ')}`);
  onCleanup('bench databases', async () => {
    await server.dropBenchDatabases();
  });
  const folder = mkdtempSync(join(tmpdir(), 'hubsync-bench-'));
  onCleanup('scratch folder', () => rmSync(folder, { recursive: true, force: true }));
  // Named *.json so that bench/results/*.json in .gitignore keeps them out of git too.
  const profilePrefix = options.profile ? join(resultsFolder, `${startedAt.toISOString().replace(/[:.]/g, '-')}-`) : null;
  if (options.profile) mkdirSync(resultsFolder, { recursive: true });

  if (options.cases.includes('incremental') && (await server.setting('wal_level')) !== 'logical') {
    if (options.setupLogical) {
      log('wal_level is not logical: setting it and restarting the PostgreSQL cluster (--setup-logical)...');
      await server.enableLogicalReplication();
    } else {
      log('Note: wal_level is not logical, so the incremental case runs without its logical-replication baseline (see --setup-logical).');
    }
  }

  const machine = machineInfo();
  const versions = await versionInfo(server, repoRoot);
  log(`hubsync bench (${options.quick ? 'quick' : 'full'}): ${String(machine.cpus)} CPUs, ${String(machine.memoryMb)} MB, node ${process.version}, PostgreSQL ${String(versions.postgres)}, SQLite ${String(versions.sqlite)}; ${sizes.repetitions} repetition(s), batch size ${options.batchSize}`);

  const benchDirectory = dirname(fileURLToPath(import.meta.url));
  const env = new BenchEnv(server, sizes, options.batchSize, folder, benchDirectory, log);
  const results: CaseResult[] = [];
  const profiles: ProfiledRun[] = [];
  try {
    for (const benchCase of benchCases.filter((c) => options.cases.includes(c.key))) {
      log(`\n== ${benchCase.title}`);
      const started = performance.now();
      try {
        const outcome = await benchCase.run(env);
        results.push(...(Array.isArray(outcome) ? outcome : [outcome]));
      } catch (error) {
        log(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        results.push(failedCase(benchCase.name, benchCase.title, benchCase.goal, error));
      }
      log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
    if (profilePrefix !== null) {
      log(`\n== Profiles (not part of the figures above): ${profilePrefix}*.cpuprofile.json`);
      try {
        profiles.push(...(await profileRuns(env, profilePrefix)));
      } catch (error) {
        log(`  profiling FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await runCleanup();
  }

  log(`\n${formatTable(results)}`);
  for (const profile of profiles) log(`\n${formatProfiledRun(profile)}`);
  const path = writeReport(resultsFolder, {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    options: { ...options, sizes },
    machine,
    versions,
    cases: results,
    ...(profiles.length > 0 ? { profiles } : {}),
  });
  log(`\nResults: ${path}`);
  return results.some((result) => result.ours === null) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await runCleanup();
    process.exitCode = 1;
  },
);
