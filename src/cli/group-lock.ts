import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { ErrorCode, HubsyncError } from '../errors.js';

/** How often a waiting run looks again whether the lock is free. */
const pollMs = 250;

/**
 * One run of a group at a time on this machine. The lock is an exclusive transaction on a small
 * SQLite file: the operating system drops it when the process ends, however it ends (a SIGKILL
 * included), so a killed run never leaves a stale lock behind.
 */
export async function withGroupLock<T>(path: string, group: string, wait: boolean, work: () => Promise<T>): Promise<T> {
  const db = openLockFile(path);
  try {
    while (!tryLock(db)) {
      if (!wait) {
        throw new HubsyncError(
          ErrorCode.RunInProgress,
          `another hubsync command is working on group ${group} (lock ${path}); wait for it to end, or pass --wait`,
        );
      }
      await sleep(pollMs);
    }
    return await work();
  } finally {
    db.close();
  }
}

function openLockFile(path: string): Database.Database {
  try {
    mkdirSync(dirname(path), { recursive: true });
    return new Database(path, { timeout: 0 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HubsyncError(ErrorCode.ConfigInvalid, `cannot open the lock file ${path}: ${reason}`, { cause: error });
  }
}

function tryLock(db: Database.Database): boolean {
  try {
    db.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (error) {
    if (error instanceof Database.SqliteError && error.code === 'SQLITE_BUSY') return false;
    throw error;
  }
}
