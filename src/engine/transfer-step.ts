import { ErrorCode, HubsyncError } from '../errors.js';
import type { ApplySides } from './conflict-resolution.js';
import { decodeCursor } from './cursor.js';
import type { Stamp } from './provider.js';
import type { RunSession } from './run-session.js';
import { hubSeenScope, scopeOf } from './scopes.js';
import type { TransferDirection } from './state-store.js';
import { policyFor } from './sync-plan.js';
import { positionFrom, runTransfer, type Transfer, type TransferBudget } from './transfer.js';

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
  const { group, nodes, plan } = session;
  const member = await nodes.member(input.member);
  const hub = await nodes.hub();
  const upload = input.direction === 'upload';
  const [source, destination] = upload ? [member.provider, hub] : [hub, member.provider];
  const memberScope = scopeOf(group, input.member);
  const hubScope = scopeOf(group, group.hub.name);
  const [sourceScope, destinationScope] = upload ? [memberScope, hubScope] : [hubScope, memberScope];
  // Two queries for all tables: where the destination is in the source's stream, and what the
  // source has applied of the destination's own changes (what it has seen of them).
  const seenScope = upload && member.definition.direction === 'toHub' ? hubSeenScope(hubScope) : destinationScope;
  const [recorded, seen] = await Promise.all([destination.readPositions(sourceScope), source.readPositions(seenScope)]);
  const tables = input.tables ?? plan.tables.map((table) => table.name);
  // One query tells which tables have anything to move; the others cost nothing more. Their
  // state-store copies may lag meanwhile, which a copy may (the destination's record leads).
  const changed = await source.changedTables({
    tables: plan.tables.filter((table) => tables.includes(table.name)).map((table) => ({ table, after: positionFrom(recorded.get(table.name) ?? null).cursor })),
    before: input.before,
    excludeScope: destinationScope,
  });
  let budget: TransferBudget = { maxBatches: input.maxBatches, deadline: input.deadline };
  const totals = { moved: 0, conflicts: 0, failed: 0 };
  let worked = false;
  for (const [index, name] of tables.entries()) {
    // Past the deadline the next table waits for the next call, once this call did some work
    // (tables with nothing to move were told apart by one query and must not starve the ones after them).
    if (worked && input.deadline !== undefined && Date.now() >= input.deadline) return { ...totals, more: true };
    const table = plan.tables.find((candidate) => candidate.name === name);
    if (!table) throw new HubsyncError(ErrorCode.TableNotFound, `table "${name}" is not synced by group "${group.name}"`);
    const report = (moved: number, more: boolean): void =>
      session.context.onProgress?.({ phase: input.direction, member: input.member, table: name, moved, more });
    if (!changed.has(name)) {
      report(0, false);
      continue;
    }
    const seenToken = seen.get(name);
    const sides: ApplySides = {
      group: group.name,
      runId: input.runId,
      member: input.member,
      sourceNode: upload ? input.member : group.hub.name,
      destinationNode: upload ? group.hub.name : input.member,
      sourceIsHub: !upload,
      policy: !upload && member.definition.direction === 'fromHub' ? 'fromHub' : policyFor(group, name),
    };
    const transfer: Transfer = {
      direction: input.direction,
      source,
      destination,
      table,
      sides,
      checkpoint: { group: group.name, member: input.member, table: name, direction: input.direction },
      excludeScope: destinationScope,
      sourceScope,
      recorded: positionFrom(recorded.get(name) ?? null),
      seen: seenToken === undefined ? null : decodeCursor(seenToken),
      before: input.before,
      batchSize: group.batchSize,
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
