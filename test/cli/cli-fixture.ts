import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runHubsync, type CliResult } from './run-hubsync.js';

/** A temp folder holding SQLite databases and one group config, driven through the built bin. */
export class CliFixture {
  private constructor(
    readonly folder: string,
    readonly configPath: string,
  ) {}

  static async create(config: object): Promise<CliFixture> {
    const folder = await mkdtemp(join(tmpdir(), 'hubsync-cli-'));
    const configPath = join(folder, 'group.json');
    await writeFile(configPath, JSON.stringify(config));
    return new CliFixture(folder, configPath);
  }

  /** `hubsync <args> -c <config>` */
  hubsync(...args: string[]): Promise<CliResult> {
    return runHubsync([...args, '-c', this.configPath]);
  }

  exec(file: string, sql: string): void {
    const db = new Database(join(this.folder, file));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  }

  query(file: string, sql: string): unknown[] {
    const db = new Database(join(this.folder, file), { readonly: true });
    try {
      return db.prepare(sql).all();
    } finally {
      db.close();
    }
  }

  async dispose(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
  }
}

/** stdout of a --json command: exactly one JSON object and nothing else. */
export function onlyJson(result: CliResult): Record<string, unknown> {
  assert.equal(result.stdout.trim().split('\n').length, 1, result.stdout);
  const value: unknown = JSON.parse(result.stdout);
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value));
  return value as Record<string, unknown>;
}
