import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import type { Stamp, Watermark } from '../src/engine/provider.js';
import { heldBackNotice } from '../src/engine/run-steps.js';
import type { TransferDirection } from '../src/engine/state-store.js';
import type { TransferStepResult } from '../src/engine/transfer-step.js';
import { activityRetry, failureReason } from './run-retry.js';
import { readWatermarkActivity, transferStepActivity } from './run-activities.js';

export interface MemberTransferInput {
  readonly group: string;
  readonly runId: string;
  readonly member: string;
  readonly direction: TransferDirection;
  /** The source's watermark; null for an upload, which reads its member's first. */
  readonly before: Stamp | null;
  /** Carried over continue-as-new: what earlier executions moved, and when the transfer began. */
  readonly carried: MemberTransferOutcome | null;
}

export interface MemberTransferOutcome {
  readonly member: string;
  readonly direction: TransferDirection;
  readonly moved: number;
  readonly conflicts: number;
  readonly failed: number;
  readonly steps: number;
  readonly startedAt: string;
  /** Set when the member failed (after retries); the public message only. */
  readonly error: string | null;
  /** Set when an open transaction held the member's watermark back. */
  readonly notice: string | null;
}

/**
 * Steps per execution before continue-as-new. Each step adds four events to the history
 * (OrchestratorStarted/Completed, TaskScheduled, TaskCompleted), so an execution stays under a few
 * hundred events however many steps a large initial sync needs.
 */
export const stepsPerExecution = 50;

/**
 * One member's transfer in one direction: the step repeated while it reports more, each step an
 * activity within its time budget. A sub-orchestration per member and direction (rather than
 * continue-as-new of the whole run) lets members loop and restart their histories independently
 * while the run waits for all of them in one fan-out. It never fails: a member whose step keeps
 * failing returns its error, so the run records that member failed and the others go on.
 */
function* memberTransfer(context: OrchestrationContext): Generator<df.Task, MemberTransferOutcome | undefined, unknown> {
  const input = context.df.getInput() as MemberTransferInput;
  const { group, runId, member, direction } = input;
  let outcome: MemberTransferOutcome = input.carried ?? {
    member, direction, moved: 0, conflicts: 0, failed: 0, steps: 0,
    startedAt: context.df.currentUtcDateTime.toISOString(), error: null, notice: null,
  };
  let before = input.before;
  try {
    if (before === null) {
      const watermark = (yield readWatermarkActivity({ group, node: member }).withRetry(activityRetry)) as Watermark;
      before = watermark.stamp;
      outcome = { ...outcome, notice: heldBackNotice(member, watermark.heldBackBy) };
    }
    for (let step = 0; ; step += 1) {
      if (step === stepsPerExecution) {
        context.df.continueAsNew({ ...input, before, carried: outcome } satisfies MemberTransferInput);
        return undefined;
      }
      const result = (yield transferStepActivity({ group, runId, member, direction, before }).withRetry(activityRetry)) as TransferStepResult;
      outcome = {
        ...outcome,
        moved: outcome.moved + result.moved,
        conflicts: outcome.conflicts + result.conflicts,
        failed: outcome.failed + result.failed,
        steps: outcome.steps + 1,
      };
      if (!result.more) break;
    }
  } catch (error) {
    outcome = { ...outcome, error: failureReason(error) };
  }
  if (!context.df.isReplaying) {
    const durationMs = context.df.currentUtcDateTime.getTime() - Date.parse(outcome.startedAt);
    context.info(JSON.stringify({ event: 'memberTransferred', group, runId, ...outcome, durationMs }));
  }
  return outcome;
}

export const memberTransferOrchestration = df.app.orchestration('memberTransfer', memberTransfer);
