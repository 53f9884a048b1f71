import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import type { Watermark } from '../src/engine/provider.js';
import { retriedCounts, type RunOutcome } from '../src/engine/run-steps.js';
import { RunTally } from '../src/engine/run-tally.js';
import type { RetriedRecords, RunStatus, TransferDirection } from '../src/engine/state-store.js';
import { syncGroupRunOrchestration, type SyncGroupRunInput } from '../src/service/run-contract.js';
import { memberTransferOrchestration, type MemberTransferOutcome } from './member-transfer.js';
import { activityRetry, failureReason } from './run-retry.js';
import {
  finishRunActivity,
  prepareRunActivity,
  readWatermarkActivity,
  recordHubSeenActivity,
  retryFailuresActivity,
  startRunActivity,
  type PreparedRun,
  type RetriedStep,
} from './run-activities.js';

/**
 * One sync run, the same steps in the same order as the CLI's syncGroup: provision, record the
 * run, retry due failed records, upload every member to the hub (one sub-orchestration each, in parallel when the hub takes
 * concurrent applies), read the hub's watermark once, download to every receiving member in
 * parallel, record what toHub members have seen, record how the run ended. Deterministic: the
 * only clock is context.df.currentUtcDateTime, and all I/O is in the activities.
 */
function* syncGroupRun(context: OrchestrationContext): Generator<df.Task, { runId: string; status: RunStatus }, unknown> {
  const { group, runId } = context.df.getInput() as SyncGroupRunInput;
  const startedAt = context.df.currentUtcDateTime.toISOString();
  let tally = new RunTally([]);
  let retried: RetriedRecords | undefined;
  try {
    const plan = (yield prepareRunActivity({ group, runId }).withRetry(activityRetry)) as PreparedRun;
    tally = new RunTally(plan.members);
    yield startRunActivity({ group, runId, startedAt }).withRetry(activityRetry);
    try {
      const step = (yield retryFailuresActivity({ group, runId }).withRetry(activityRetry)) as RetriedStep;
      retried = retriedCounts(step);
      tally.notices.push(...step.notices);
    } catch (error) {
      // The records stay due; the phases go on (a failing hub fails them too).
      tally.notices.push(`failed records not retried: ${failureReason(error)}`);
    }
    try {
      yield* phases(context, { group, runId }, plan, tally);
    } catch (error) {
      // The hub failed (its watermark could not be read): no member can go on.
      tally.fail('hub', plan.hub, failureReason(error));
    }
  } catch (error) {
    // Provisioning or recording the start failed: nothing was moved.
    tally.errors.push(`run: ${failureReason(error)}`);
  }
  const outcome: RunOutcome = { group, runId, startedAt, members: tally.summaries(), errors: tally.errors, notices: tally.notices, retried };
  let status: RunStatus;
  try {
    ({ status } = (yield finishRunActivity(outcome).withRetry(activityRetry)) as { status: RunStatus });
  } catch (error) {
    // The run stays recorded running; the next run marks it abandoned.
    status = 'failed';
    tally.errors.push(`run: ${failureReason(error)}`);
  }
  if (!context.df.isReplaying) {
    const durationMs = context.df.currentUtcDateTime.getTime() - Date.parse(startedAt);
    context.info(JSON.stringify({ event: 'runFinished', group, runId, status, members: outcome.members, errors: tally.errors, durationMs }));
  }
  return { runId, status };
}

function* phases(context: OrchestrationContext, run: SyncGroupRunInput, plan: PreparedRun, tally: RunTally): Generator<df.Task, void, unknown> {
  const transfer = (member: string, direction: TransferDirection, before: string | null): df.Task =>
    memberTransferOrchestration(
      { ...run, member, direction, before, carried: null },
      `${context.df.instanceId}:${run.runId}:${direction}:${member}`,
    );
  if (plan.parallelUploads) {
    record(tally, (yield context.df.Task.all(plan.uploaders.map((member) => transfer(member, 'upload', null)))) as MemberTransferOutcome[]);
  } else {
    for (const member of plan.uploaders) record(tally, [(yield transfer(member, 'upload', null)) as MemberTransferOutcome]);
  }
  const hubWatermark = (yield readWatermarkActivity({ group: run.group, node: plan.hub }).withRetry(activityRetry)) as Watermark;
  tally.notice(plan.hub, hubWatermark.heldBackBy);
  const downloaders = plan.downloaders.filter((member) => !tally.hasFailed(member));
  record(tally, (yield context.df.Task.all(downloaders.map((member) => transfer(member, 'download', hubWatermark.stamp)))) as MemberTransferOutcome[]);
  for (const member of plan.uploadOnly.filter((candidate) => !tally.hasFailed(candidate))) {
    try {
      yield recordHubSeenActivity({ group: run.group, member, hubWatermark: hubWatermark.stamp }).withRetry(activityRetry);
    } catch (error) {
      tally.fail('member', member, failureReason(error));
    }
  }
}

/** A member transfer's counts, its notice and (when it failed after retries) its error line. */
function record(tally: RunTally, outcomes: readonly MemberTransferOutcome[]): void {
  for (const outcome of outcomes) {
    tally.add(outcome.member, outcome.direction, outcome);
    if (outcome.notice !== null) tally.notices.push(outcome.notice);
    if (outcome.error !== null) tally.fail('member', outcome.member, outcome.error);
  }
}

df.app.orchestration(syncGroupRunOrchestration, syncGroupRun);
