import { completedCursor, cursorAfter, encodeCursor } from '../engine/cursor.js';
import type { Change, Cursor, PositionToken, Stamp } from '../engine/provider.js';
import { positionFrom } from '../engine/transfer.js';
import type { TableSchema } from '../engine/types.js';
import { keyToJson } from '../engine/values.js';
import { ErrorCode, isHubsyncError } from '../errors.js';
import type { ExportContext } from './export-context.js';
import { failureId, firstFailure, retryFailures } from './export-failures.js';
import { deleteLogName, replicaTableName } from './export-profile.js';
import type { ExportTableRun, ExportTableState, LatencySample } from './export-state.js';
import type { RecordedReplica, ReplicaTable } from './export-target.js';
import { planReplicaSchema } from './replica-schema.js';

/** One table's part of a run. */
export interface TableExport {
  readonly table: TableSchema;
  /** What the destination recorded for it (absent: never exported). */
  readonly recorded: RecordedReplica | undefined;
  /** The state store's copy (absent: none yet). */
  readonly saved: ExportTableState | undefined;
  /** The source watermark of this run. */
  readonly before: Stamp;
}

/**
 * Bring one table's replica up to the watermark: follow its schema, then move changes in
 * batches ordered by (stamp, key), each written with the position it reaches in one destination
 * transaction (invariant 7), so a run that stops anywhere resumes from the last committed batch.
 * A change the destination rejects is isolated (the batch is split around it) and kept for
 * retrying; the rest go on.
 */
export async function exportTable(context: ExportContext, work: TableExport): Promise<ExportTableRun> {
  const { profile, state, target } = context;
  const { table } = work;
  const replica = replicaOf(context, table);
  const run = { table: table.name, exported: 0, failed: 0, resolved: 0, stopped: null as string | null, more: false };
  let saved: ExportTableState = work.saved ?? {
    profile: profile.name,
    table: table.name,
    rowsExported: 0,
    checkpoint: null,
    lastSuccessAt: null,
    stoppedReason: null,
  };
  const plan = planReplicaSchema(work.recorded?.columns ?? null, table);
  if (plan.kind === 'refused') {
    await state.saveTable({ ...saved, stoppedReason: plan.reason });
    return { ...run, stopped: plan.reason };
  }
  if (plan.kind !== 'unchanged') await target.changeSchema(profile.name, replica, plan);

  const failing = new Set((await state.listFailures(profile.name, { tables: [table.name] })).map((failure) => failure.id));
  let position = positionFrom(work.recorded?.position ?? null);
  // The destination's record wins over the copy, in either direction.
  saved = { ...saved, checkpoint: work.recorded?.position == null ? null : position.cursor, stoppedReason: null };
  await state.saveTable(saved);
  const read = (after: Cursor): Promise<Change[]> => {
    const reading = context.source.readChanges(table, after, work.before, profile.batchSize);
    // A read-ahead abandoned because the write failed must not surface as an unhandled rejection.
    reading.catch(() => undefined);
    return reading;
  };
  let pending = read(position.cursor);
  for (;;) {
    const changes = await pending;
    if (changes.length === 0) break;
    const full = changes.length === profile.batchSize;
    const through = full ? cursorAfter(table, changes) : completedCursor(work.before);
    // The source is read ahead while the destination writes: two batches in memory at most.
    if (full) pending = read(through);
    const outcome = await writeRange(context, replica, changes, position.token, through);
    if (outcome.moved) {
      // Another run wrote this range meanwhile: go on from what the destination recorded.
      position = positionFrom((await target.recorded(profile.name)).get(table.name)?.position ?? null);
      pending = read(position.cursor);
      continue;
    }
    const committedAt = new Date();
    run.exported += outcome.exported;
    run.failed += outcome.failed;
    await forgetWrittenFailures(context, replica, outcome.written, failing);
    await state.addLatency(profile.name, latencySamples(table.name, outcome.written, committedAt));
    position = { token: encodeCursor(through), cursor: through };
    // The copy follows the destination's commit: it may lag (a crash right here), never lead.
    saved = { ...saved, checkpoint: through, rowsExported: saved.rowsExported + outcome.exported };
    await state.saveTable(saved);
    context.onBatch?.(table.name, outcome.exported, full);
    if (!full) break;
    if (pastDeadline(context)) return { ...run, more: true };
  }
  const retried = await retryFailures(context, replica, 'due');
  run.resolved += retried.resolved;
  saved = { ...saved, rowsExported: saved.rowsExported + retried.exported, lastSuccessAt: new Date().toISOString() };
  await state.saveTable(saved);
  return run;
}

export function pastDeadline(context: ExportContext): boolean {
  return context.deadline !== undefined && Date.now() >= context.deadline;
}

export function replicaOf(context: ExportContext, table: TableSchema): ReplicaTable {
  return { name: replicaTableName(context.profile, table.name), source: table };
}

interface RangeOutcome {
  readonly exported: number;
  readonly failed: number;
  /** Changes the destination committed. */
  readonly written: readonly Change[];
  /** The destination had recorded another position: nothing was written. */
  readonly moved: boolean;
}

/**
 * Write changes (after, through]; when the destination rejects a row, split the range until the
 * rejected change stands alone, keep it as a failed record, and move the position past it.
 */
async function writeRange(
  context: ExportContext,
  replica: ReplicaTable,
  changes: readonly Change[],
  after: PositionToken | null,
  through: Cursor,
): Promise<RangeOutcome> {
  const token = encodeCursor(through);
  try {
    const result = await context.target.apply({
      profile: context.profile.name,
      replica,
      upserts: changes.filter((change) => change.operation !== 'delete'),
      deletes: changes.filter((change) => change.operation === 'delete'),
      deleteLog: deleteLogName(context.profile),
      position: { after, through: token },
    });
    return { exported: result.applied, failed: 0, written: result.alreadyApplied ? [] : changes, moved: false };
  } catch (error) {
    if (isHubsyncError(error) && error.code === ErrorCode.PositionMoved) return { exported: 0, failed: 0, written: [], moved: true };
    if (!isHubsyncError(error) || error.code !== ErrorCode.DataRejected || changes.length === 0) throw error;
    const [only] = changes;
    if (changes.length === 1 && only) {
      await context.state.saveFailure(firstFailure(context, replica, only, error.message, new Date()));
      const skipped = await writeRange(context, replica, [], after, through);
      return { ...skipped, failed: skipped.moved ? 0 : 1 };
    }
    const middle = Math.ceil(changes.length / 2);
    const firstHalf = changes.slice(0, middle);
    const firstThrough = cursorAfter(replica.source, firstHalf);
    const first = await writeRange(context, replica, firstHalf, after, firstThrough);
    if (first.moved) return first;
    const second = await writeRange(context, replica, changes.slice(middle), encodeCursor(firstThrough), through);
    return {
      exported: first.exported + second.exported,
      failed: first.failed + second.failed,
      written: [...first.written, ...second.written],
      moved: second.moved,
    };
  }
}

/** A key written since it failed is no longer a failed record. */
async function forgetWrittenFailures(context: ExportContext, replica: ReplicaTable, written: readonly Change[], failing: Set<string>): Promise<void> {
  if (failing.size === 0) return;
  for (const change of written) {
    const id = failureId(context.profile.name, replica.source.name, keyToJson(replica.source, change.values));
    if (failing.delete(id)) await context.state.removeFailure(context.profile.name, id);
  }
}

/**
 * Source commit (the change's time) to destination commit, per written change. Rows that existed
 * before tracking began carry no time of their own (the epoch) and measure nothing.
 */
function latencySamples(table: string, written: readonly Change[], committedAt: Date): LatencySample[] {
  const at = committedAt.toISOString();
  return written.flatMap((change) => {
    const changedAt = Date.parse(change.changedAt);
    return changedAt > 0 ? [{ table, at, ms: Math.max(0, committedAt.getTime() - changedAt) }] : [];
  });
}
