import { completedCursor, encodeCursor, isAhead } from './cursor.js';
import { provisionNodes } from './provision-group.js';
import type { Stamp, Watermark } from './provider.js';
import type { RunSession } from './run-session.js';
import { hubSeenScope, scopeOf } from './scopes.js';
import type { MemberRunSummary, RetriedRecords, RunRecord, RunStatus, StateStore, TransferDirection } from './state-store.js';
import type { PlanWarning } from './sync-plan.js';
import { positionFrom } from './transfer.js';
import { ErrorCode, isHubsyncError } from '../errors.js';
import { tableId } from './table-name.js';

/**
 * The steps of a run, each with plain-JSON inputs and outputs, in the order a run takes them:
 * prepareRun, startRun, retryFailedRecords (retry-failures.ts), then per uploading member readWatermark + transferStep (upload) until
 * it has no more, readWatermark of the hub once, transferStep (download) per receiving member,
 * recordHubSeen per toHub member, finishRun. The CLI loops over them in one process; the
 * orchestrator fans them out as activities.
 */

export interface RunPlan {
  readonly tables: readonly string[];
  readonly warnings: readonly PlanWarning[];
  /** Members whose changes go up, in phase 1. */
  readonly uploaders: readonly string[];
  /** Members that receive the hub's changes, in phase 2. */
  readonly downloaders: readonly string[];
  /** toHub members: after phase 2 they record how much of the hub they have seen. */
  readonly uploadOnly: readonly string[];
  /** Whether phase 1 may upload several members at once (the hub takes concurrent applies). */
  readonly parallelUploads: boolean;
}

/**
 * Check every database, create missing member tables and provision tracking. A mismatch anywhere
 * stops before any database is changed.
 */
export async function prepareRun(session: RunSession): Promise<RunPlan> {
  const { group, nodes, plan } = session;
  const hub = await nodes.hub();
  await provisionNodes(hub, await nodes.members(), plan);
  const names = (direction: 'toHub' | 'fromHub') =>
    group.members.filter((member) => member.direction !== direction).map((member) => member.name);
  return {
    tables: plan.tables.map(tableId),
    warnings: plan.warnings,
    uploaders: names('fromHub'),
    downloaders: names('toHub'),
    uploadOnly: group.members.filter((member) => member.direction === 'toHub').map((member) => member.name),
    parallelUploads: hub.capabilities.concurrentApply,
  };
}

/**
 * Record the run as running. A run of this group still marked running was killed before it
 * could say how it ended (one run per group at a time): it is marked abandoned.
 */
export async function startRun(state: StateStore, run: { group: string; runId: string; startedAt: string; members: readonly string[] }): Promise<void> {
  const recent = await state.listRuns(run.group, { limit: 20 });
  for (const stale of recent.items.filter((candidate) => candidate.status === 'running' && candidate.runId !== run.runId)) {
    await state.saveRun({ ...stale, status: 'abandoned', error: stale.error ?? 'the process running it stopped before it finished' });
  }
  await state.saveRun({
    group: run.group,
    runId: run.runId,
    status: 'running',
    startedAt: run.startedAt,
    finishedAt: null,
    members: run.members.map(emptySummary),
    error: null,
  });
}

/** A node's watermark: the upper bound of what this run reads from it (invariant 1). */
export async function readWatermark(session: RunSession, node: string): Promise<Watermark> {
  const provider = node === session.group.hub.name ? await session.nodes.hub() : (await session.nodes.member(node)).provider;
  return provider.watermark();
}

/**
 * A toHub member never downloads; it records how much of the hub existed at this sync, so the
 * hub changes its next uploads conflict with are exactly the later ones.
 */
export async function recordHubSeen(session: RunSession, input: { member: string; hubWatermark: Stamp }): Promise<void> {
  const { provider } = await session.nodes.member(input.member);
  const scope = hubSeenScope(scopeOf(session.group, session.group.hub.name));
  const recorded = await provider.readPositions(scope);
  const through = completedCursor(input.hubWatermark);
  for (const table of session.plan.tables) {
    const current = positionFrom(recorded.get(tableId(table)) ?? null);
    if (!isAhead(through, current.cursor)) continue;
    try {
      await provider.applyChanges({
        table,
        changes: [],
        sourceScope: scope,
        seen: null,
        position: { after: current.token, through: encodeCursor(through) },
        resolve: async () => [],
      });
    } catch (error) {
      // Another run recorded it meanwhile: it can only be as far or further.
      if (!isHubsyncError(error) || error.code !== ErrorCode.PositionMoved) throw error;
    }
  }
}

export interface RunOutcome {
  readonly group: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly members: readonly MemberRunSummary[];
  /** One line per failed member or hub; empty on success. Never holds a connection string. */
  readonly errors: readonly string[];
  readonly notices: readonly string[];
  readonly cancelled?: boolean;
  /** What retryFailedRecords did at the start of the run. */
  readonly retried?: RetriedRecords;
}

/** Record how the run ended. */
export async function finishRun(state: StateStore, outcome: RunOutcome, finishedAt: string): Promise<RunRecord> {
  const status: RunStatus = outcome.cancelled
    ? 'cancelled'
    : outcome.errors.length > 0
      ? 'failed'
      : outcome.members.some((member) => member.failed > 0)
        ? 'succeededWithFailures'
        : 'succeeded';
  const record: RunRecord = {
    group: outcome.group,
    runId: outcome.runId,
    status,
    startedAt: outcome.startedAt,
    finishedAt,
    members: outcome.members,
    error: outcome.errors.length > 0 ? outcome.errors.join('; ') : null,
    // Only when there is something to say, so a run record keeps its documented fields otherwise.
    ...(outcome.notices.length > 0 ? { notices: outcome.notices } : {}),
    ...(outcome.retried !== undefined && outcome.retried.attempted > 0 ? { retried: retriedCounts(outcome.retried) } : {}),
  };
  await state.saveRun(record);
  return record;
}

/** The counts alone (a step's result may carry more). */
export function retriedCounts(retried: RetriedRecords): RetriedRecords {
  return { attempted: retried.attempted, cleared: retried.cleared, stillFailing: retried.stillFailing };
}

export const noneRetried: RetriedRecords = { attempted: 0, cleared: 0, stillFailing: 0 };

export function emptySummary(name: string): MemberRunSummary {
  return { name, uploaded: 0, downloaded: 0, conflicts: 0, failed: 0 };
}

/** A member's totals with one transfer step's counts added. */
export function addCounts(
  summary: MemberRunSummary,
  direction: TransferDirection,
  counts: { readonly moved: number; readonly conflicts: number; readonly failed: number },
): MemberRunSummary {
  return {
    ...summary,
    uploaded: summary.uploaded + (direction === 'upload' ? counts.moved : 0),
    downloaded: summary.downloaded + (direction === 'download' ? counts.moved : 0),
    conflicts: summary.conflicts + counts.conflicts,
    failed: summary.failed + counts.failed,
  };
}

/** The run's notice when a node's watermark was held back by an open transaction; null otherwise. */
export function heldBackNotice(node: string, heldBackBy: string | null): string | null {
  return heldBackBy === null ? null : `${node}: changes from an open ${heldBackBy} on wait for it to end`;
}

/** The run's error line for a failed member or hub. */
export function failureLine(role: 'member' | 'hub', name: string, message: string): string {
  return `${role} "${name}": ${message}`;
}
