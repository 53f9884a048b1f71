import type { Stamp, Watermark } from '../src/engine/provider.js';
import { finishRun, prepareRun, readWatermark, recordHubSeen, startRun, type RunOutcome, type RunPlan } from '../src/engine/run-steps.js';
import { retryFailedRecords } from '../src/engine/retry-failures.js';
import type { RetriedRecords, RunStatus } from '../src/engine/state-store.js';
import { transferStep, type TransferStepInput, type TransferStepResult } from '../src/engine/transfer-step.js';
import { loadSyncGroup, withGroupRunSession } from '../src/service/group-engine.js';
import { isRunCancelled } from '../src/service/run-cancellation.js';
import type { SyncGroupRunInput } from '../src/service/run-contract.js';
import { serviceStateStore } from '../src/service/service-context.js';
import { readActivityBudgetSeconds } from '../src/service/settings.js';
import { serviceActivity } from './service-activity.js';

/**
 * The activities of a run: each one step of the engine's step API (src/engine/run-steps.ts,
 * transfer-step.ts) in a session of its own. Nothing is decided here; the steps read where to
 * start from the destinations' recorded positions, so any of them may be retried.
 */

export interface PreparedRun extends RunPlan {
  readonly hub: string;
  readonly members: readonly string[];
}

export const prepareRunActivity = serviceActivity('prepareRun', (input: SyncGroupRunInput): Promise<PreparedRun> =>
  withGroupRunSession(input.group, async (session) => ({
    ...(await prepareRun(session)),
    hub: session.group.hub.name,
    members: session.group.members.map((member) => member.name),
  })),
);

export const startRunActivity = serviceActivity(
  'startRun',
  async (input: SyncGroupRunInput & { readonly startedAt: string }): Promise<null> => {
    const store = await serviceStateStore();
    // Cancelled before this step ran: recording it running would undo the cancel.
    if (await isRunCancelled(store, input.group, input.runId)) return null;
    const group = await loadSyncGroup(store, input.group);
    await startRun(store, { ...input, members: group.members.map((member) => member.name) });
    return null;
  },
);

/** What the run's retry of failed records did: counts and notices, never row data. */
export interface RetriedStep extends RetriedRecords {
  readonly notices: readonly string[];
}

const noRetries: RetriedStep = { attempted: 0, cleared: 0, stillFailing: 0, notices: [] };

/**
 * Due failed records, retried before the uploads so a fixed row reaches every member in this
 * run. Bounded by the activity budget: records left over stay due for the next run.
 */
export const retryFailuresActivity = serviceActivity('retryFailures', async (input: SyncGroupRunInput): Promise<RetriedStep> => {
  const deadline = Date.now() + readActivityBudgetSeconds() * 1000;
  if (await isRunCancelled(await serviceStateStore(), input.group, input.runId)) return noRetries;
  return withGroupRunSession(input.group, async (session) => {
    const { attempted, cleared, stillFailing, notices } = await retryFailedRecords(session, { runId: input.runId, deadline });
    return { attempted, cleared, stillFailing, notices };
  });
});

export const readWatermarkActivity = serviceActivity('readWatermark', (input: { readonly group: string; readonly node: string }): Promise<Watermark> =>
  withGroupRunSession(input.group, (session) => readWatermark(session, input.node)),
);

export type TransferActivityInput = { readonly group: string } & Pick<TransferStepInput, 'runId' | 'member' | 'direction' | 'before'>;

/** One budgeted transfer step over all of a member's tables in one direction. */
export const transferStepActivity = serviceActivity('transferStep', async (input: TransferActivityInput): Promise<TransferStepResult> => {
  const deadline = Date.now() + readActivityBudgetSeconds() * 1000;
  if (await isRunCancelled(await serviceStateStore(), input.group, input.runId)) return { moved: 0, conflicts: 0, failed: 0, more: false };
  const { group, ...step } = input;
  return withGroupRunSession(group, (session) => transferStep(session, { ...step, deadline }));
});

export const recordHubSeenActivity = serviceActivity(
  'recordHubSeen',
  async (input: { readonly group: string; readonly member: string; readonly hubWatermark: Stamp }): Promise<null> => {
    await withGroupRunSession(input.group, (session) => recordHubSeen(session, input));
    return null;
  },
);

export const finishRunActivity = serviceActivity('finishRun', async (input: RunOutcome): Promise<{ readonly status: RunStatus }> => {
  const store = await serviceStateStore();
  // A cancel that raced this last step has already recorded how the run ended.
  if (await isRunCancelled(store, input.group, input.runId)) return { status: 'cancelled' };
  const record = await finishRun(store, input, new Date().toISOString());
  return { status: record.status };
});
