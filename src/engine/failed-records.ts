import { createHash } from 'node:crypto';
import type { RetryPolicy } from './group.js';
import type { Change } from './provider.js';
import type { FailedRecord, StateStore, TransferDirection } from './state-store.js';
import { tableId } from './table-name.js';
import type { TableSchema } from './types.js';
import { keyToJson, rowToJson } from './values.js';

/**
 * Failed records, as the Data Export Service keeps them: one per row a destination rejected,
 * keyed by (group, member, table, direction, primary key), retried at the start of later runs
 * every `retryIntervalSeconds` until `retryCount` retries were rejected too.
 */

/** Where a rejected row was going. */
export interface FailurePlace {
  readonly group: string;
  readonly member: string;
  readonly table: TableSchema;
  readonly direction: TransferDirection;
  readonly runId: string;
}

/** The same row going the same way has the same id, whatever version of it was rejected. */
export function failureId(place: FailurePlace, key: FailedRecord['key']): string {
  const identity = JSON.stringify([place.group, tableId(place.table), place.member, place.direction, key]);
  return createHash('sha256').update(identity).digest('hex').slice(0, 24);
}

/**
 * Record that `change` was rejected: a new record, or one attempt more on the record of its key
 * (keeping when and why it was first rejected, taking the version and reason of this attempt).
 */
export async function recordRejection(
  state: StateStore,
  place: FailurePlace,
  change: Change,
  message: string,
  policy: RetryPolicy,
  at: Date = new Date(),
): Promise<void> {
  const key = keyToJson(place.table, change.values);
  const time = at.toISOString();
  const version = {
    runId: place.runId,
    operation: change.operation,
    // An unreadable change carries its key only: its other values are unknown, not null.
    values: change.operation === 'delete' || change.unreadable !== undefined ? null : rowToJson(place.table, change.values),
    lastError: message,
    lastAttemptAt: time,
  };
  const first: FailedRecord = {
    id: failureId(place, key),
    group: place.group,
    table: tableId(place.table),
    member: place.member,
    direction: place.direction,
    key,
    error: message,
    failedAt: time,
    ...version,
    ...schedule(1, at, policy),
  };
  await state.recordFailure(first, (stored) => ({ ...stored, ...version, ...schedule(stored.attempts + 1, at, policy) }));
}

/** After `attempts` rejections: retried again after the interval, or used up (the first delivery is not a retry). */
function schedule(attempts: number, at: Date, policy: RetryPolicy): Pick<FailedRecord, 'attempts' | 'status' | 'nextAttemptAt'> {
  const exhausted = attempts > policy.retryCount;
  return {
    attempts,
    status: exhausted ? 'failed' : 'pending',
    nextAttemptAt: exhausted ? null : new Date(at.getTime() + policy.retryIntervalSeconds * 1000).toISOString(),
  };
}

/** Whether a retry now should try the record: due pending ones, or with `all` every one. */
export function isDue(record: FailedRecord, now: Date, all: boolean): boolean {
  if (all) return true;
  return record.status === 'pending' && record.nextAttemptAt !== null && Date.parse(record.nextAttemptAt) <= now.getTime();
}
