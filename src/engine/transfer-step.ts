import { ErrorCode, HubsyncError } from '../errors.js';
import type { Stamp } from './provider.js';
import type { RunSession } from './run-session.js';
import type { TransferDirection } from './state-store.js';
import { openLeg, seenCursor, sidesOf } from './transfer-leg.js';
import { positionFrom, runTransfer, type Transfer, type TransferBudget } from './transfer.js';
import { tableId } from './table-name.js';

/** One bounded step of a run, as plain JSON: what a Functions activity receives. */
export interface TransferStepInput {
  readonly runId: string;
  readonly member: string;
  readonly direction: TransferDirection;
  /** The source's watermark for this phase (readWatermark): changes from it on wait for a later run. */
  readonly before: Stamp;
  /** Tables to move, in this order; all synced tables when omitted. */
  readonly tables?: readonly string[];
  /** Stop before applying more than this many batches (at least 1). */
  readonly maxBatches?: number;
  /** Stop before starting a batch at or after this time (epoch milliseconds). */
  readonly deadline?: number;
}

export interface TransferStepResult {
  readonly moved: number;
  readonly conflicts: number;
  readonly failed: number;
  /** Work remains below the watermark: call the step again with the same input. */
  readonly more: boolean;
}

/**
 * Move one member's tables one way, within a budget. Where to start is read from the
 * destination's recorded positions, never from the input or the state store, so the step can
 * be repeated, resumed after a kill, or run twice at once without losing or doubling a change.
 */
export async function transferStep(session: RunSession, input: TransferStepInput): Promise<TransferStepResult> {
  if (input.maxBatches !== undefined && (!Number.isInteger(input.maxBatches) || input.maxBatches < 1)) {
    throw new HubsyncError(ErrorCode.ConfigInvalid, 'maxBatches must be a whole number of at least 1');
  }
  const { group, plan } = session;
  const leg = await openLeg(session, input.member, input.direction);
  const tables = input.tables ?? plan.tables.map(tableId);
  // One query tells which tables have anything to move; the others cost nothing more. Their
  // state-store copies may lag meanwhile, which a copy may (the destination's record leads).
  const changed = await leg.source.changedTables({
    tables: plan.tables
      .filter((table) => tables.includes(tableId(table)))
      .map((table) => ({ table, after: positionFrom(leg.recorded.get(tableId(table)) ?? null).cursor })),
    before: input.before,
    excludeScope: leg.destinationScope,
  });
  let budget: TransferBudget = { maxBatches: input.maxBatches, deadline: input.deadline };
  const totals = { moved: 0, conflicts: 0, failed: 0 };
  let worked = false;
  for (const [index, name] of tables.entries()) {
    // Past the deadline the next table waits for the next call, once this call did some work
    // (tables with nothing to move were told apart by one query and must not starve the ones after them).
    if (worked && input.deadline !== undefined && Date.now() >= input.deadline) return { ...totals, more: true };
    const table = plan.tables.find((candidate) => tableId(candidate) === name);
    if (!table) throw new HubsyncError(ErrorCode.TableNotFound, `table "${name}" is not synced by group "${group.name}"`);
    const report = (moved: number, more: boolean): void =>
      session.context.onProgress?.({ phase: input.direction, member: input.member, table: name, moved, more });
    if (!changed.has(name)) {
      report(0, false);
      continue;
    }
    const transfer: Transfer = {
      direction: input.direction,
      source: leg.source,
      destination: leg.destination,
      table,
      sides: sidesOf(session, input.runId, leg, name),
      checkpoint: { group: group.name, member: input.member, table: name, direction: input.direction },
      excludeScope: leg.destinationScope,
      sourceScope: leg.sourceScope,
      recorded: positionFrom(leg.recorded.get(name) ?? null),
      seen: seenCursor(leg, name),
      before: input.before,
      batchSize: group.batchSize,
      retryPolicy: group,
    };
    let batches = 0;
    const progress = await runTransfer(transfer, session.context.state, {
      budget,
      onBatch: (moved, more) => {
        batches += 1;
        report(moved, more);
      },
    });
    if (batches === 0 && !progress.more) report(0, false);
    worked ||= batches > 0;
    totals.moved += progress.moved;
    totals.conflicts += progress.conflicts;
    totals.failed += progress.failed;
    if (progress.more) return { ...totals, more: true };
    if (budget.maxBatches !== undefined) {
      const left = budget.maxBatches - batches;
      // The next tables may hold nothing, but only a read can tell: that is the next call's work.
      if (left < 1) return { ...totals, more: index < tables.length - 1 };
      budget = { ...budget, maxBatches: left };
    }
  }
  return { ...totals, more: false };
}
