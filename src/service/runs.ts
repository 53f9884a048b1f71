import type { Page, PageRequest, RunRecord } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { isActive, type InstanceState } from './orchestration-client.js';
import { newRunId, readRunInput, runInstanceId, syncGroupRunOrchestration } from './run-contract.js';
import { startExclusive } from './exclusive-start.js';
import { startingRun } from './run-view.js';
import { requireGroup, type ServiceDeps } from './service-deps.js';

export interface StartedRun {
  readonly runId: string;
  readonly instanceId: string;
}

interface ActiveRun {
  /** Null when the instance's input is not a run's (it still blocks a second run). */
  readonly runId: string | null;
  readonly instance: InstanceState;
}

/** Starts a run of the group unless one is going (409 HS_RUN_IN_PROGRESS, naming the run going). */
export async function startRun(deps: ServiceDeps, group: string): Promise<StartedRun> {
  await requireGroup(deps.store, group);
  const instanceId = runInstanceId(group);
  const runId = newRunId(deps.now());
  await startExclusive(deps.client, syncGroupRunOrchestration, instanceId, { group, runId }, (instance) =>
    runInProgress(group, readRunInput(instance.input)?.runId ?? null),
  );
  return { runId, instanceId };
}

/**
 * Terminates the group's instance when it is running this run, and records the run cancelled:
 * a terminated orchestration records nothing itself. What the destinations committed stays, with
 * their positions (invariant 7), so nothing is recorded past what committed.
 */
export async function cancelRun(deps: ServiceDeps, group: string, runId: string): Promise<RunRecord> {
  await requireGroup(deps.store, group);
  const active = await activeRun(deps, group);
  const stored = await deps.store.getRun(group, runId);
  if (active === null || active.runId !== runId) {
    if (stored === null) throw runNotFound(group, runId);
    throw new HubsyncError(ErrorCode.RunNotActive, `run ${runId} of sync group "${group}" is not running (${stored.status})`);
  }
  await deps.client.terminate(active.instance.instanceId, 'cancelled through the API');
  const cancelled: RunRecord = {
    ...(stored ?? startingRun(group, runId, active.instance)),
    status: 'cancelled',
    finishedAt: deps.now().toISOString(),
  };
  await deps.store.saveRun(cancelled);
  return cancelled;
}

export async function getRun(deps: ServiceDeps, group: string, runId: string): Promise<RunRecord> {
  await requireGroup(deps.store, group);
  const stored = await deps.store.getRun(group, runId);
  if (stored !== null) return stored;
  const active = await activeRun(deps, group);
  if (active !== null && active.runId === runId) return startingRun(group, runId, active.instance);
  throw runNotFound(group, runId);
}

/**
 * Newest first. The orchestration records its run; until it has, the run is known from the active
 * instance alone and is put first on the first page.
 */
export async function listRuns(deps: ServiceDeps, group: string, page: PageRequest): Promise<Page<RunRecord>> {
  await requireGroup(deps.store, group);
  const stored = await deps.store.listRuns(group, page);
  const firstPage = page.continuationToken === undefined || page.continuationToken === null;
  const active = firstPage ? await activeRun(deps, group) : null;
  const runId = active?.runId ?? null;
  if (active === null || runId === null || stored.items.some((run) => run.runId === runId)) return stored;
  if ((await deps.store.getRun(group, runId)) !== null) return stored;
  return { items: [startingRun(group, runId, active.instance), ...stored.items], continuationToken: stored.continuationToken };
}

/** The newest run, going or recorded; null before the first. */
export async function lastRun(deps: ServiceDeps, group: string): Promise<RunRecord | null> {
  const page = await listRuns(deps, group, { limit: 1 });
  return page.items[0] ?? null;
}

async function activeRun(deps: ServiceDeps, group: string): Promise<ActiveRun | null> {
  const instance = await deps.client.getInstance(runInstanceId(group));
  if (!isActive(instance)) return null;
  return { runId: readRunInput(instance.input)?.runId ?? null, instance };
}

function runInProgress(group: string, runId: string | null): HubsyncError {
  return new HubsyncError(ErrorCode.RunInProgress, `a run of sync group "${group}" is in progress`, {
    details: runId === null ? [] : [{ code: ErrorCode.RunInProgress, target: 'runId', message: `run ${runId}` }],
  });
}

function runNotFound(group: string, runId: string): HubsyncError {
  return new HubsyncError(ErrorCode.NotFound, `sync group "${group}" has no run ${runId}`);
}
