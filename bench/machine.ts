import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { PostgresServer } from './postgres-admin.js';

/** The machine the figures were taken on: they mean little without it. */
export function machineInfo(): Record<string, unknown> {
  const processors = cpus();
  return {
    cpus: processors.length,
    cpuModel: processors[0]?.model ?? 'unknown',
    memoryMb: Math.round(totalmem() / 2 ** 20),
    freeMemoryMbAtStart: Math.round(freemem() / 2 ** 20),
    loadAverageAtStart: loadavg(),
    os: `${type()} ${release()}`,
    platform: process.platform,
    arch: process.arch,
  };
}

export async function versionInfo(server: PostgresServer, repoRoot: string): Promise<Record<string, unknown>> {
  const memory = new Database(':memory:');
  const sqlite = (memory.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version;
  memory.close();
  return {
    node: process.version,
    postgres: await server.setting('server_version'),
    postgresWalLevel: await server.setting('wal_level'),
    postgresSharedBuffers: await server.setting('shared_buffers'),
    sqlite,
    hubsync: packageVersion(join(repoRoot, 'package.json')),
    commit: await gitCommit(repoRoot),
    drivers: {
      pg: packageVersion(join(repoRoot, 'node_modules', 'pg', 'package.json')),
      'pg-copy-streams': packageVersion(join(repoRoot, 'node_modules', 'pg-copy-streams', 'package.json')),
      'better-sqlite3': packageVersion(join(repoRoot, 'node_modules', 'better-sqlite3', 'package.json')),
    },
  };
}

function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** HEAD, with "+changes" when the working tree differs from it. */
async function gitCommit(repoRoot: string): Promise<string> {
  const git = promisify(execFile);
  try {
    const head = (await git('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot })).stdout.trim();
    const status = (await git('git', ['status', '--porcelain'], { cwd: repoRoot })).stdout.trim();
    return status === '' ? head : `${head}+changes`;
  } catch {
    return 'unknown';
  }
}
