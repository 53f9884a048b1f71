import type { GroupDefinition, RunRecord } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { listRuns, startRun, type StartedRun } from './runs.js';
import type { ServiceDeps } from './service-deps.js';

/**
 * Whether a scheduled group should start now: never for a manual group, at once before its first
 * run, otherwise once its interval has passed since the last run started.
 */
export function isDue(schedule: GroupDefinition['schedule'], lastRun: Pick<RunRecord, 'startedAt'> | null, now: Date): boolean {
  if (schedule === null) return false;
  if (lastRun === null) return true;
  return Date.parse(lastRun.startedAt) + schedule.intervalSeconds * 1000 <= now.getTime();
}

export interface SchedulerOutcome {
  readonly started: readonly (StartedRun & { readonly group: string })[];
  /** Due, but a run was already going (or another starter won the race). */
  readonly skipped: readonly string[];
  /** Could not be started; the other groups still were. Messages are HubsyncError messages or an error's name. */
  readonly failed: readonly { readonly group: string; readonly message: string }[];
}

/** One tick of the timer: starts every due group that has no active run. */
export async function startDueGroups(deps: ServiceDeps): Promise<SchedulerOutcome> {
  const started: (StartedRun & { group: string })[] = [];
  const skipped: string[] = [];
  const failed: { group: string; message: string }[] = [];
  let continuationToken: string | null = null;
  do {
    const page = await deps.store.listGroups({ continuationToken });
    for (const { definition } of page.items) {
      // listRuns includes a run that is going but not yet recorded, so a running group is not due.
      const newest = (await listRuns(deps, definition.name, { limit: 1 })).items[0] ?? null;
      if (!isDue(definition.schedule, newest, deps.now())) continue;
      try {
        started.push({ group: definition.name, ...(await startRun(deps, definition.name)) });
      } catch (error) {
        if (error instanceof HubsyncError && error.code === ErrorCode.RunInProgress) skipped.push(definition.name);
        // Only the error's name for anything else: its message might hold what must not be logged.
        else failed.push({ group: definition.name, message: error instanceof HubsyncError ? error.message : String((error as Error).name) });
      }
    }
    continuationToken = page.continuationToken;
  } while (continuationToken !== null);
  return { started, skipped, failed };
}
