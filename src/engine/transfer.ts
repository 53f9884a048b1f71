import { createHash } from 'node:crypto';
import { ErrorCode, isHubsyncError } from '../errors.js';
import { type ApplySides, decide } from './conflict-resolution.js';
import type { Change, ConflictCandidate, Cursor, Provider, Stamp } from './provider.js';
import { streamStart } from './provider.js';
import type { CheckpointKey, StateStore, TransferDirection } from './state-store.js';
import type { TableSchema } from './types.js';
import { completedCursor, keyToJson, keyValues, rowToJson } from './values.js';

/** One table's changes flowing one way between the hub and one member. */
export interface Transfer {
  readonly direction: TransferDirection;
  readonly source: Provider;
  readonly destination: Provider;
  readonly table: TableSchema;
  readonly sides: ApplySides;
  readonly checkpoint: CheckpointKey;
  /** The destination's own scope: its changes are never sent back to it (invariant 2). */
  readonly excludeScope: string;
  /** The source's scope, written with every applied change. */
  readonly sourceScope: string;
  readonly unseenAfter: Stamp | null;
  /** The source watermark read when this transfer began. */
  readonly before: Stamp;
  readonly batchSize: number;
}

export interface TransferProgress {
  readonly moved: number;
  readonly conflicts: number;
  readonly failed: number;
}

export interface TransferOptions {
  readonly onBatch?: (moved: number, more: boolean) => void;
}

/**
 * Move changes in batches ordered by (stamp, key). The checkpoint is saved only after the
 * destination committed a batch (invariant 7), so a failure resumes from the last committed batch.
 */
export async function runTransfer(
  transfer: Transfer,
  state: StateStore,
  options: TransferOptions = {},
): Promise<TransferProgress> {
  const totals = { moved: 0, conflicts: 0, failed: 0 };
  const read = (after: Cursor): Promise<Change[]> => {
    const reading = transfer.source.readChanges({
      table: transfer.table,
      after,
      before: transfer.before,
      excludeScope: transfer.excludeScope,
      limit: transfer.batchSize,
    });
    // A read-ahead abandoned because the apply failed must not surface as an unhandled rejection.
    reading.catch(() => undefined);
    return reading;
  };
  let saved = await state.getCheckpoint(transfer.checkpoint);
  let pending = read(saved ?? streamStart);
  for (;;) {
    const changes = await pending;
    const more = changes.length === transfer.batchSize;
    const next = more ? cursorAfter(transfer.table, changes) : completedCursor(transfer.before);
    // The source is read ahead while the destination applies: two batches in memory at most,
    // and the two databases work at the same time instead of waiting for each other.
    if (more) pending = read(next);
    const outcome = await applyIsolatingFailures(transfer, state, changes);
    totals.moved += outcome.applied;
    totals.conflicts += outcome.conflicts;
    totals.failed += outcome.failed;
    // From the value this transfer read or last wrote: one that lost to a concurrent writer stops
    // moving the copy rather than moving it back (the destination's own record stays exact).
    if (await state.compareAndSetCheckpoint(transfer.checkpoint, saved, next)) saved = next;
    options.onBatch?.(outcome.applied, more);
    if (!more) return totals;
  }
}

function cursorAfter(table: TableSchema, changes: readonly Change[]): Cursor {
  const last = changes[changes.length - 1];
  if (!last) throw new Error('cursorAfter needs at least one change');
  return { stamp: last.stamp, key: keyValues(table, last.values) };
}

interface ApplyOutcome {
  readonly applied: number;
  readonly conflicts: number;
  readonly failed: number;
}

/**
 * Apply a batch; when the destination rejects a row's data, split the batch until the rejected
 * rows stand alone, record them as failed records and apply everything else.
 */
async function applyIsolatingFailures(
  transfer: Transfer,
  state: StateStore,
  changes: readonly Change[],
): Promise<ApplyOutcome> {
  if (changes.length === 0) return { applied: 0, conflicts: 0, failed: 0 };
  try {
    return await applyBatch(transfer, state, changes);
  } catch (error) {
    if (!isHubsyncError(error) || error.code !== ErrorCode.DataRejected) throw error;
    const [only] = changes;
    if (changes.length === 1 && only) {
      await recordFailure(transfer, state, only, error.message);
      return { applied: 0, conflicts: 0, failed: 1 };
    }
    const middle = Math.ceil(changes.length / 2);
    const first = await applyIsolatingFailures(transfer, state, changes.slice(0, middle));
    const second = await applyIsolatingFailures(transfer, state, changes.slice(middle));
    return {
      applied: first.applied + second.applied,
      conflicts: first.conflicts + second.conflicts,
      failed: first.failed + second.failed,
    };
  }
}

async function applyBatch(transfer: Transfer, state: StateStore, changes: readonly Change[]): Promise<ApplyOutcome> {
  let conflicts = 0;
  const resolve = async (candidates: readonly ConflictCandidate[]): Promise<boolean[]> => {
    const detectedAt = new Date().toISOString();
    const decisions = candidates.map((candidate) => decide(transfer.table, candidate, transfer.sides, detectedAt));
    // Logged before the destination commits: a crash can leave a logged conflict whose batch is
    // re-applied later (same id, replaced), never an overwritten version nobody can find.
    await state.recordConflicts(decisions.flatMap((decision) => (decision.record ? [decision.record] : [])));
    conflicts = decisions.filter((decision) => decision.record !== null).length;
    return decisions.map((decision) => decision.incomingWins);
  };
  const result = await transfer.destination.applyChanges({
    table: transfer.table,
    changes,
    sourceScope: transfer.sourceScope,
    unseenAfter: transfer.unseenAfter,
    resolve,
  });
  return { applied: result.applied, conflicts, failed: 0 };
}

async function recordFailure(transfer: Transfer, state: StateStore, change: Change, message: string): Promise<void> {
  const { table, sides } = transfer;
  const key = keyToJson(table, change.values);
  const id = createHash('sha256')
    .update(JSON.stringify([sides.group, table.name, sides.member, transfer.direction, key, change.stamp]))
    .digest('hex')
    .slice(0, 24);
  await state.recordFailure({
    id,
    group: sides.group,
    table: table.name,
    runId: sides.runId,
    member: sides.member,
    direction: transfer.direction,
    key,
    operation: change.operation,
    values: change.operation === 'delete' ? null : rowToJson(table, change.values),
    error: message,
    failedAt: new Date().toISOString(),
  });
}
