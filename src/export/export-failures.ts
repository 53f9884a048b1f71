import { createHash } from 'node:crypto';
import type { Change } from '../engine/provider.js';
import { fromJsonValue, keyPositions, keyToJson } from '../engine/values.js';
import { ErrorCode, isHubsyncError } from '../errors.js';
import type { ExportContext } from './export-context.js';
import { deleteLogName } from './export-profile.js';
import type { ExportFailure } from './export-state.js';
import type { ReplicaTable } from './export-target.js';
import { valuesWithKey } from './replica-keys.js';

/** One failed record per key and table: a later failure of the same key replaces the earlier one. */
export function failureId(profile: string, table: string, key: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(JSON.stringify([profile, table, key])).digest('hex').slice(0, 24);
}

/** The first rejection of a change: kept for retrying, or failed at once when the profile allows no retries. */
export function firstFailure(context: ExportContext, replica: ReplicaTable, change: Change, error: string, now: Date): ExportFailure {
  const { profile } = context;
  const key = keyToJson(replica.source, change.values);
  const at = now.toISOString();
  return withAttempt(profile.retryCount, profile.retryIntervalSeconds, {
    id: failureId(profile.name, replica.source.name, key),
    profile: profile.name,
    table: replica.source.name,
    key,
    operation: change.operation,
    stamp: change.stamp,
    error,
    status: 'retrying',
    attempts: 0,
    nextAttemptAt: null,
    firstFailedAt: at,
    failedAt: at,
  }, error, now);
}

function withAttempt(retryCount: number, intervalSeconds: number, failure: ExportFailure, error: string, now: Date): ExportFailure {
  const attempts = failure.attempts + 1;
  const exhausted = attempts > retryCount;
  return {
    ...failure,
    error,
    attempts,
    failedAt: now.toISOString(),
    status: exhausted ? 'failed' : 'retrying',
    nextAttemptAt: exhausted ? null : new Date(now.getTime() + intervalSeconds * 1000).toISOString(),
  };
}

export interface RetryOutcome {
  /** Records written this time (and forgotten). */
  readonly resolved: number;
  /** Rows written to the destination. */
  readonly exported: number;
}

/**
 * Try failed records of one table again with what the source holds now: the current row is
 * written, or deleted when the source no longer has it, so a record deleted at the source since
 * it failed is never brought back (the Data Export Service's re-inserted deletes).
 * `due`: the records whose retry time came, tried until written or out of tries when the retry
 * interval is zero (a run). `all`: every record, tried once now (`resync failed`).
 */
export async function retryFailures(context: ExportContext, replica: ReplicaTable, which: 'due' | 'all'): Promise<RetryOutcome> {
  const { profile, state } = context;
  const outcome = { resolved: 0, exported: 0 };
  const failures = await state.listFailures(profile.name, { tables: [replica.source.name] });
  for (let failure of failures) {
    for (let tries = 0; which === 'all' ? tries === 0 : retryDue(failure, new Date()); tries += 1) {
      const error = await writeCurrent(context, replica, failure);
      if (error === null) {
        await state.removeFailure(profile.name, failure.id);
        outcome.resolved += 1;
        outcome.exported += 1;
        break;
      }
      failure = withAttempt(profile.retryCount, profile.retryIntervalSeconds, failure, error, new Date());
      await state.saveFailure(failure);
      // A later try waits for its time, which only a later run reaches.
      if (profile.retryIntervalSeconds > 0 || which === 'all') break;
    }
  }
  return outcome;
}

/** Due in a run: still retrying and its time has come. */
function retryDue(failure: ExportFailure, now: Date): boolean {
  return failure.status === 'retrying' && failure.nextAttemptAt !== null && failure.nextAttemptAt <= now.toISOString();
}

/** Null when written; otherwise the database's reason for refusing it again. */
async function writeCurrent(context: ExportContext, replica: ReplicaTable, failure: ExportFailure): Promise<string | null> {
  const table = replica.source;
  const key = keyPositions(table).map((position, index) => {
    const column = table.columns[position];
    const name = table.primaryKey[index] ?? '';
    return column === undefined ? null : fromJsonValue(failure.key[name] ?? null, column.type);
  });
  const [current = null] = await context.source.readRows(table, [key]);
  const write = { values: current ?? valuesWithKey(table, key), stamp: failure.stamp };
  // A record that was an update or insert and is gone now was never logged as deleted by this export.
  const logged = current === null && failure.operation === 'delete' ? deleteLogName(context.profile) : null;
  try {
    await context.target.apply({
      profile: context.profile.name,
      replica,
      upserts: current === null ? [] : [write],
      deletes: current === null ? [write] : [],
      deleteLog: logged,
      position: null,
    });
    return null;
  } catch (error) {
    if (isHubsyncError(error) && error.code === ErrorCode.DataRejected) return error.message;
    throw error;
  }
}
