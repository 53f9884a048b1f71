import { ErrorCode, isHubsyncError } from '../errors.js';
import { bulkTransfer } from './bulk-transfer.js';
import { type ApplySides, decide } from './conflict-resolution.js';
import { completedCursor, cursorAfter, decodeCursor, encodeCursor, streamStart } from './cursor.js';
import { recordRejection } from './failed-records.js';
import type { RetryPolicy } from './group.js';
import type { Change, ConflictCandidate, Cursor, PositionToken, PositionUpdate, Provider, Stamp } from './provider.js';
import type { CheckpointKey, ConflictRecord, StateStore, TransferDirection } from './state-store.js';
import type { TableSchema } from './types.js';
import { tableId } from './table-name.js';

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
  /** Where the destination's record says the source's stream was applied up to (null: nothing yet). */
  readonly recorded: { readonly token: PositionToken | null; readonly cursor: Cursor };
  /** How far the source has applied the destination's own changes: what it has seen of them. */
  readonly seen: Cursor | null;
  /** The source watermark of this run: changes from it on wait for a later run. */
  readonly before: Stamp;
  readonly batchSize: number;
  /** How a row the destination rejects is retried by later runs. */
  readonly retryPolicy: RetryPolicy;
}

export interface TransferProgress {
  readonly moved: number;
  readonly conflicts: number;
  readonly failed: number;
  /** Changes below the watermark remain: the budget ran out first. */
  readonly more: boolean;
}

/** How much one call may do: it stops before a batch that would start past either bound. */
export interface TransferBudget {
  /** Batches to apply at most (failed-row isolation counts as the batch it splits). */
  readonly maxBatches?: number;
  /** Epoch milliseconds. */
  readonly deadline?: number;
}

export interface TransferOptions {
  readonly budget?: TransferBudget;
  readonly onBatch?: (moved: number, more: boolean) => void;
}

/**
 * Move changes in batches ordered by (stamp, key), each applied together with the position it
 * reaches in the destination (invariant 7), so an interrupted transfer resumes exactly where the
 * destination's last commit left it, and a batch applied twice is applied once (invariant 3).
 */
export async function runTransfer(transfer: Transfer, state: StateStore, options: TransferOptions = {}): Promise<TransferProgress> {
  const totals = { moved: 0, conflicts: 0, failed: 0 };
  const budget = budgetOf(options.budget);
  let position = transfer.recorded;
  let checkpoint = await syncCheckpointCopy(state, transfer.checkpoint, position);
  let pending = readAfter(transfer, position.cursor);
  for (let batches = 0; ; batches += 1) {
    if (budget.spent(batches)) return { ...totals, more: true };
    const changes = await pending;
    const full = changes.length === transfer.batchSize;
    const through = full ? cursorAfter(transfer.table, changes) : completedCursor(transfer.before);
    // Skipping an empty range loses nothing: it holds at most this destination's own changes,
    // which are never sent to it nor counted against it as unseen.
    if (changes.length === 0) return { ...totals, more: false };
    // More than one batch for a destination that has nothing from this source yet: one bulk load
    // moves it all, unless the call has a budget (one transaction could not stop at it).
    if (batches === 0 && full && position.token === null && budget.unlimited) {
      const loaded = await bulkTransfer(transfer);
      if (loaded !== null) {
        await advanceCheckpoint(state, transfer.checkpoint, checkpoint, completedCursor(transfer.before));
        options.onBatch?.(loaded.applied, false);
        return { ...totals, moved: loaded.applied, more: false };
      }
    }
    // The source is read ahead while the destination applies: two batches in memory at most,
    // and the two databases work at the same time instead of waiting for each other.
    if (full) pending = readAfter(transfer, through);
    // Rows the source could not read faithfully are kept as failed records before the position
    // moves past them: a crash in between retries them, never loses them.
    const unreadable = changes.filter((change) => change.unreadable !== undefined);
    for (const change of unreadable) await recordFailure(transfer, state, change, change.unreadable ?? '');
    const readable = unreadable.length === 0 ? changes : changes.filter((change) => change.unreadable === undefined);
    const outcome = await applyRange(transfer, state, budget, readable, position.token, through);
    if (outcome.moved) {
      // Another sync applied this range meanwhile: continue from what the destination recorded.
      position = await recordedPosition(transfer);
      pending = readAfter(transfer, position.cursor);
      continue;
    }
    totals.moved += outcome.applied;
    totals.conflicts += outcome.conflicts;
    totals.failed += outcome.failed + unreadable.length;
    position = outcome.reached;
    checkpoint = await advanceCheckpoint(state, transfer.checkpoint, checkpoint, position.cursor);
    const more = full || outcome.stopped;
    options.onBatch?.(outcome.applied, more);
    if (outcome.stopped) return { ...totals, more: true };
    if (!more) return { ...totals, more: false };
  }
}

function readAfter(transfer: Transfer, after: Cursor): Promise<Change[]> {
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
}

async function recordedPosition(transfer: Transfer): Promise<Transfer['recorded']> {
  const token = (await transfer.destination.readPositions(transfer.sourceScope)).get(tableId(transfer.table)) ?? null;
  return positionFrom(token);
}

export function positionFrom(token: PositionToken | null): Transfer['recorded'] {
  return { token, cursor: token === null ? streamStart : decodeCursor(token) };
}

/** The state store's copy follows the destination's record: where they differ, the record wins. */
async function syncCheckpointCopy(state: StateStore, key: CheckpointKey, recorded: Transfer['recorded']): Promise<Cursor | null> {
  const stored = await state.getCheckpoint(key);
  if (stored === null ? recorded.token === null : encodeCursor(stored) === encodeCursor(recorded.cursor)) return stored;
  return (await state.compareAndSetCheckpoint(key, stored, recorded.cursor)) ? recorded.cursor : stored;
}

/** The copy only moves forward, and only from the value this transfer last saw. */
async function advanceCheckpoint(state: StateStore, key: CheckpointKey, stored: Cursor | null, next: Cursor): Promise<Cursor | null> {
  return (await state.compareAndSetCheckpoint(key, stored, next)) ? next : stored;
}

interface RangeOutcome {
  readonly applied: number;
  readonly conflicts: number;
  readonly failed: number;
  /** The destination's position after this range (where the next batch starts). */
  readonly reached: Transfer['recorded'];
  /** The deadline came while isolating rejected rows: what is left of the range waits. */
  readonly stopped: boolean;
  /** The destination had recorded another position: nothing was applied. */
  readonly moved: boolean;
}

/**
 * Apply changes (after, through]; when the destination rejects a row's data, split the range
 * until the rejected rows stand alone, keep them as failed records and move the position past
 * them, applying everything else.
 */
async function applyRange(
  transfer: Transfer,
  state: StateStore,
  budget: Budget,
  changes: readonly Change[],
  after: PositionToken | null,
  through: Cursor,
): Promise<RangeOutcome> {
  const reached = { token: encodeCursor(through), cursor: through };
  const nothing = { applied: 0, conflicts: 0, failed: 0, stopped: false, moved: false };
  try {
    const result = await applyJudged(transfer, state, changes, { after, through: reached.token });
    budget.progressed();
    return { ...nothing, ...result, reached };
  } catch (error) {
    if (isHubsyncError(error) && error.code === ErrorCode.PositionMoved) return { ...nothing, reached, moved: true };
    // A range with no change left to blame (a position-only apply) cannot be split further.
    if (!isHubsyncError(error) || error.code !== ErrorCode.DataRejected || changes.length === 0) throw error;
    const [only] = changes;
    if (changes.length === 1 && only) {
      await recordFailure(transfer, state, only, error.message);
      const skipped = await applyRange(transfer, state, budget, [], after, through);
      return { ...skipped, failed: skipped.moved ? 0 : 1 };
    }
    // Stopping is allowed once this call committed something: a call that could always stop
    // here would leave the next one facing the same rejected batch, for ever.
    if (budget.mayStop()) return { ...nothing, reached: positionFrom(after), stopped: true };
    const middle = Math.ceil(changes.length / 2);
    const firstHalf = changes.slice(0, middle);
    const first = await applyRange(transfer, state, budget, firstHalf, after, cursorAfter(transfer.table, firstHalf));
    if (first.stopped || first.moved) return first;
    const second = await applyRange(transfer, state, budget, changes.slice(middle), first.reached.token, through);
    return {
      applied: first.applied + second.applied,
      conflicts: first.conflicts + second.conflicts,
      failed: first.failed + second.failed,
      reached: second.stopped || second.moved ? first.reached : second.reached,
      stopped: second.stopped || second.moved,
      moved: false,
    };
  }
}

/**
 * Apply changes with the engine's conflict rules (invariants 3, 4, 6): candidates are decided by
 * the policy and logged before the destination commits. With a null position nothing about the
 * destination's place in the source's stream changes (a retried failed record).
 */
export async function applyJudged(
  transfer: Pick<Transfer, 'table' | 'sides' | 'destination' | 'sourceScope' | 'seen'>,
  state: StateStore,
  changes: readonly Change[],
  position: PositionUpdate | null,
): Promise<{ applied: number; conflicts: number }> {
  let logged: ConflictRecord[] = [];
  const resolve = async (candidates: readonly ConflictCandidate[]): Promise<boolean[]> => {
    const detectedAt = new Date().toISOString();
    const decisions = candidates.map((candidate) => decide(transfer.table, candidate, transfer.sides, detectedAt));
    // Logged before the destination commits, in one call: a crash can leave a logged conflict
    // whose batch is re-applied later (same id, replaced), never an overwritten version nobody
    // can find (invariant 6).
    logged = decisions.flatMap((decision) => (decision.record ? [decision.record] : []));
    if (logged.length > 0) await state.recordConflicts(logged);
    return decisions.map((decision) => decision.incomingWins);
  };
  const result = await transfer.destination.applyChanges({
    table: transfer.table,
    changes,
    sourceScope: transfer.sourceScope,
    seen: transfer.seen,
    position,
    resolve,
  });
  return result.alreadyApplied ? { applied: 0, conflicts: 0 } : { applied: result.applied, conflicts: logged.length };
}

async function recordFailure(transfer: Transfer, state: StateStore, change: Change, message: string): Promise<void> {
  const { table, sides, direction } = transfer;
  await recordRejection(state, { group: sides.group, member: sides.member, table, direction, runId: sides.runId }, change, message, transfer.retryPolicy);
}

interface Budget {
  /** Neither a batch count nor a deadline bounds the call. */
  readonly unlimited: boolean;
  /** Before a new batch: whether this call has done its share. The first batch always runs. */
  spent(batches: number): boolean;
  /** Inside a batch being split: whether to leave the rest for the next call. */
  mayStop(): boolean;
  progressed(): void;
}

function budgetOf(budget: TransferBudget = {}): Budget {
  const pastDeadline = (): boolean => budget.deadline !== undefined && Date.now() >= budget.deadline;
  let committed = false;
  return {
    unlimited: budget.maxBatches === undefined && budget.deadline === undefined,
    spent: (batches) => (budget.maxBatches !== undefined && batches >= budget.maxBatches) || (batches > 0 && pastDeadline()),
    mayStop: () => committed && pastDeadline(),
    progressed: () => {
      committed = true;
    },
  };
}
