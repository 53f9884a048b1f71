import { randomUUID } from 'node:crypto';
import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import type { Stamp } from './provider.js';
import { retryFailedRecords } from './retry-failures.js';
import { type RunPlan, finishRun, noneRetried, prepareRun, readWatermark, recordHubSeen, retriedCounts, startRun } from './run-steps.js';
import { RunTally } from './run-tally.js';
import { type RunSession, withRunSession } from './run-session.js';
import type { MemberRunSummary, RetriedRecords, RunStatus, TransferDirection } from './state-store.js';
import type { PlanWarning } from './sync-plan.js';
import { transferStep } from './transfer-step.js';

export interface RunResult {
  readonly group: string;
  readonly runId: string;
  readonly status: RunStatus;
  readonly members: readonly MemberRunSummary[];
  readonly durationMs: number;
  readonly warnings: readonly PlanWarning[];
  /** Why members failed, one line each; empty on success. Never holds a connection string. */
  readonly errors: readonly string[];
  /** What held changes back without failing the run (an open transaction), one line each. */
  readonly notices: readonly string[];
  /** Failed records retried at the start of the run. */
  readonly retried: RetriedRecords;
}

/**
 * One sync run, driven step by step in this process: every member uploads to the hub first, then
 * the hub downloads to every member, so with no concurrent writes all copies are equal after a
 * single run (invariant 5). The orchestrator runs exactly these steps as activities.
 */
export async function syncGroup(group: SyncGroup, context: EngineContext): Promise<RunResult> {
  const started = new Date();
  return withRunSession(group, context, async (session) => {
    const plan = await prepareRun(session);
    const runId = randomUUID();
    await startRun(context.state, { group: group.name, runId, startedAt: started.toISOString(), members: group.members.map((m) => m.name) });
    const run = new RunTally(group.members.map((member) => member.name));
    const retried = await retryAtStart(session, runId, run);
    await runPhases(session, plan, runId, run);
    const record = await finishRun(
      context.state,
      { group: group.name, runId, startedAt: started.toISOString(), members: run.summaries(), errors: run.errors, notices: run.notices, retried },
      new Date().toISOString(),
    );
    return {
      group: group.name,
      runId,
      status: record.status,
      members: record.members,
      durationMs: Date.parse(record.finishedAt ?? '') - started.getTime(),
      warnings: plan.warnings,
      errors: run.errors,
      notices: run.notices,
      retried,
    };
  }, { everyMember: true });
}

/** Due failed records first, so a row the user fixed lands in this run and reaches every member. */
async function retryAtStart(session: RunSession, runId: string, run: RunTally): Promise<RetriedRecords> {
  try {
    const result = await retryFailedRecords(session, { runId });
    run.notices.push(...result.notices);
    return retriedCounts(result);
  } catch (error) {
    // The state store failed: the phases will meet it too and fail the run.
    run.notices.push(`failed records not retried: ${messageOf(error)}`);
    return noneRetried;
  }
}

async function runPhases(session: RunSession, plan: RunPlan, runId: string, run: RunTally): Promise<void> {
  const hubName = session.group.hub.name;
  try {
    await forEach(plan.uploaders, plan.parallelUploads, (member) =>
      guard(run, member, async () => {
        const watermark = await readWatermark(session, member);
        run.notice(member, watermark.heldBackBy);
        await transferAll(session, runId, member, 'upload', watermark.stamp, run);
      }),
    );
    const hubWatermark = await readWatermark(session, hubName);
    run.notice(hubName, hubWatermark.heldBackBy);
    await forEach(plan.downloaders, true, (member) =>
      guard(run, member, () => transferAll(session, runId, member, 'download', hubWatermark.stamp, run)),
    );
    for (const member of plan.uploadOnly) {
      await guard(run, member, () => recordHubSeen(session, { member, hubWatermark: hubWatermark.stamp }));
    }
  } catch (error) {
    // The hub or the state store failed: no member can go on, and the run must not stay "running".
    run.fail('hub', hubName, messageOf(error));
  }
}

/** The step repeated until it has no more: in one process there is no time limit to respect. */
async function transferAll(
  session: RunSession,
  runId: string,
  member: string,
  direction: TransferDirection,
  before: Stamp,
  run: RunTally,
): Promise<void> {
  for (;;) {
    const result = await transferStep(session, { runId, member, direction, before });
    run.add(member, direction, result);
    if (!result.more) return;
  }
}

/** Runs one member's work unless it failed before; a failure marks it failed and lets the others go on. */
async function guard(run: RunTally, member: string, work: () => Promise<void>): Promise<void> {
  if (run.hasFailed(member)) return;
  try {
    await work();
  } catch (error) {
    run.fail('member', member, messageOf(error));
  }
}

async function forEach<T>(items: readonly T[], parallel: boolean, work: (item: T) => Promise<void>): Promise<void> {
  if (parallel) {
    await Promise.all(items.map(work));
    return;
  }
  for (const item of items) await work(item);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
