import type { GroupDefinition, RunRecord } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { startExportRun } from './export-runs.js';
import { listRuns, startRun, type StartedRun } from './runs.js';
import type { ExportDeps, ServiceDeps } from './service-deps.js';

/**
 * Whether a scheduled group or profile should start now: never without a schedule, at once before
 * its first run, otherwise once its interval has passed since the last run started.
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

interface Candidate {
  readonly name: string;
  readonly due: () => Promise<boolean>;
  readonly start: () => Promise<StartedRun>;
}

/** One tick of the timer: starts every due group that has no active run. */
export async function startDueGroups(deps: ServiceDeps): Promise<SchedulerOutcome> {
  const candidates: Candidate[] = [];
  let continuationToken: string | null = null;
  do {
    const page = await deps.store.listGroups({ continuationToken });
    for (const { definition } of page.items) {
      candidates.push({
        name: definition.name,
        // listRuns includes a run that is going but not yet recorded, so a running group is not due.
        due: async () => isDue(definition.schedule, (await listRuns(deps, definition.name, { limit: 1 })).items[0] ?? null, deps.now()),
        start: () => startRun(deps, definition.name),
      });
    }
    continuationToken = page.continuationToken;
  } while (continuationToken !== null);
  return startDue(candidates);
}

/**
 * The same tick for export profiles: every active profile whose schedule is due. A run going is
 * refused by its instance id (one per profile) and reported skipped, as for groups.
 */
export async function startDueProfiles(deps: ExportDeps): Promise<SchedulerOutcome> {
  const candidates: Candidate[] = [];
  let continuationToken: string | null = null;
  do {
    const page = await deps.exports.listProfiles({ continuationToken });
    for (const { definition } of page.items.filter((stored) => stored.definition.active)) {
      candidates.push({
        name: definition.name,
        due: async () => isDue(definition.profile.schedule, (await deps.exports.listRuns(definition.name, 1))[0] ?? null, deps.now()),
        start: () => startExportRun(deps, definition.name, { mode: 'run', tables: null }),
      });
    }
    continuationToken = page.continuationToken;
  } while (continuationToken !== null);
  return startDue(candidates);
}

async function startDue(candidates: readonly Candidate[]): Promise<SchedulerOutcome> {
  const started: (StartedRun & { group: string })[] = [];
  const skipped: string[] = [];
  const failed: { group: string; message: string }[] = [];
  for (const candidate of candidates) {
    try {
      if (await candidate.due()) started.push({ group: candidate.name, ...(await candidate.start()) });
    } catch (error) {
      if (error instanceof HubsyncError && error.code === ErrorCode.RunInProgress) skipped.push(candidate.name);
      // Only the error's name for anything else: its message might hold what must not be logged.
      else failed.push({ group: candidate.name, message: error instanceof HubsyncError ? error.message : String((error as Error).name) });
    }
  }
  return { started, skipped, failed };
}
