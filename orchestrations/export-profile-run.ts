import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { resyncAll, resyncFailed } from '../src/export/export-resync.js';
import { runExport, type ExportRunResult } from '../src/export/export-run.js';
import type { ExportRunStatus } from '../src/export/export-state.js';
import { exportProfileRunOrchestration, type ExportProfileRunInput } from '../src/service/export-contract.js';
import { withServiceExport } from '../src/service/export-engine.js';
import { readActivityBudgetSeconds } from '../src/service/settings.js';
import { stepsPerExecution } from './member-transfer.js';
import { activityRetry, failureReason } from './run-retry.js';
import { serviceActivity } from './service-activity.js';

/** One call of the export engine, counts only (no row data crosses into the history). */
export interface ExportStepResult {
  readonly status: ExportRunStatus;
  readonly exported: number;
  readonly failed: number;
  readonly resolved: number;
  /** The deadline came first: changes below the watermark remain, the orchestrator calls again. */
  readonly more: boolean;
}

interface ExportRunOutcome {
  readonly exported: number;
  readonly failed: number;
  readonly resolved: number;
  readonly steps: number;
  readonly status: ExportRunStatus;
  readonly startedAt: string;
  readonly error: string | null;
}

/**
 * One call of the export engine within the activity budget: a delta run stops between batches
 * past its deadline and reports `more`. The resyncs run whole (they rewrite from the source and
 * never move a position back, so a retried one repeats harmlessly).
 */
export const exportStepActivity = serviceActivity('exportStep', async (input: ExportProfileRunInput): Promise<ExportStepResult> => {
  const deadline = Date.now() + readActivityBudgetSeconds() * 1000;
  const tables = input.tables ?? undefined;
  const result = await withServiceExport(input.profile, deadline, (context): Promise<ExportRunResult> => {
    if (input.mode === 'resyncFailed') return resyncFailed(context, tables);
    if (input.mode === 'resyncAll') return resyncAll(context, tables);
    return runExport(context, tables);
  });
  const total = (key: 'exported' | 'failed' | 'resolved'): number => result.tables.reduce((sum, table) => sum + table[key], 0);
  return { status: result.status, exported: total('exported'), failed: total('failed'), resolved: total('resolved'), more: result.more };
});

/**
 * A run of an export profile: the engine's run repeated while it reports more, continuing as new
 * every `stepsPerExecution` calls so a large initial copy keeps a short history. It never throws:
 * a step that keeps failing (after retries) ends the run `failed` with its public message.
 */
function* exportProfileRun(context: OrchestrationContext): Generator<df.Task, ExportRunOutcome | undefined, unknown> {
  const input = context.df.getInput() as ExportProfileRunInput & { readonly carried?: ExportRunOutcome };
  let outcome: ExportRunOutcome = input.carried ?? {
    exported: 0, failed: 0, resolved: 0, steps: 0, status: 'running', startedAt: context.df.currentUtcDateTime.toISOString(), error: null,
  };
  try {
    for (let step = 0; ; step += 1) {
      if (step === stepsPerExecution) {
        context.df.continueAsNew({ ...input, carried: outcome });
        return undefined;
      }
      const result = (yield exportStepActivity(input).withRetry(activityRetry)) as ExportStepResult;
      outcome = {
        ...outcome,
        exported: outcome.exported + result.exported,
        failed: outcome.failed + result.failed,
        resolved: outcome.resolved + result.resolved,
        steps: outcome.steps + 1,
        status: result.status === 'succeededWithFailures' || outcome.status === 'succeededWithFailures' ? 'succeededWithFailures' : result.status,
      };
      if (!result.more) break;
    }
  } catch (error) {
    outcome = { ...outcome, status: 'failed', error: failureReason(error) };
  }
  if (!context.df.isReplaying) {
    const durationMs = context.df.currentUtcDateTime.getTime() - Date.parse(outcome.startedAt);
    context.info(JSON.stringify({ event: 'exportRunFinished', profile: input.profile, runId: input.runId, mode: input.mode, ...outcome, durationMs }));
  }
  return outcome;
}

df.app.orchestration(exportProfileRunOrchestration, exportProfileRun);
