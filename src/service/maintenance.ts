import { deprovisionGroup, deprovisionMember } from '../engine/provision-group.js';
import { reapplyConflict } from '../engine/reapply-conflict.js';
import { retryGroupFailures, type RetryOutcome } from '../engine/retry-failures.js';
import type { ConflictRecord, RetriedRecords } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { loadSyncGroup, serviceEngineContext } from './group-engine.js';
import { deleteMember } from './groups.js';
import { isActive } from './orchestration-client.js';
import { runInstanceId } from './run-contract.js';
import type { ServiceDeps } from './service-deps.js';
import { readActivityBudgetSeconds } from './settings.js';

/**
 * The operations on a group's databases the API runs in the request itself, over the same engine
 * functions as the CLI's commands. None of them may overlap a run of the group.
 */

/** Writes a conflict's losing version into the hub; the next run carries it to every member. */
export async function reapplyGroupConflict(deps: ServiceDeps, groupName: string, conflictId: string): Promise<ConflictRecord> {
  const group = await loadSyncGroup(deps.store, groupName);
  await reapplyConflict(group, conflictId, serviceEngineContext(deps.store));
  const conflict = await deps.store.getConflict(groupName, conflictId);
  if (conflict === null) throw new HubsyncError(ErrorCode.NotFound, `no conflict with id "${conflictId}" in group "${groupName}"`);
  return conflict;
}

/** What `POST …/failures/retry` answers: the same as `hubsync failures retry --json`. */
export interface RetryResponse extends RetriedRecords {
  readonly records: readonly RetryOutcome[];
  /** Members whose records could not be retried now (unreachable); their records wait. */
  readonly notices: readonly string[];
  /** The time budget ran out first: due records remain; ask again. */
  readonly more: boolean;
}

/** `{"all": true}`, `{"all": false}`, `{}` or no body at all; anything else is refused before anything changes. */
export function retryAllRequested(body: unknown): boolean {
  if (body === undefined) return false;
  const valid = typeof body === 'object' && body !== null && !Array.isArray(body);
  const entries = valid ? Object.entries(body) : [];
  if (!valid || entries.some(([key, value]) => key !== 'all' || typeof value !== 'boolean')) {
    throw new HubsyncError(ErrorCode.RequestInvalid, 'the body must be empty or {"all": true|false}', {
      details: [{ code: ErrorCode.RequestInvalid, target: 'all', message: 'only "all", a boolean, is accepted' }],
    });
  }
  return (body as { all?: boolean }).all === true;
}

/**
 * Retries the group's failed records now, in the request, within the activity time budget: due
 * ones, or with `all` every one (also those whose retries are used up). Refused while a run is
 * going: the run retries due records itself, and two appliers of one record must not race.
 */
export async function retryFailuresNow(deps: ServiceDeps, groupName: string, all: boolean): Promise<RetryResponse> {
  const group = await loadSyncGroup(deps.store, groupName);
  await refuseWhileRunning(deps, groupName, 'retrying failed records');
  const deadline = Date.now() + readActivityBudgetSeconds() * 1000;
  const result = await retryGroupFailures(group, serviceEngineContext(deps.store), { all, deadline });
  const { attempted, cleared, stillFailing, notices, more } = result;
  return { attempted, cleared, stillFailing, records: result.outcomes, notices, more };
}

/** Removes hubsync's objects from every database of the group; refused while changes are pending unless `force`. */
export async function deprovisionSyncGroup(deps: ServiceDeps, groupName: string, force: boolean): Promise<void> {
  const group = await loadSyncGroup(deps.store, groupName);
  await refuseWhileRunning(deps, groupName, 'deprovisioning');
  await deprovisionGroup(group, serviceEngineContext(deps.store), { force });
}

/** Removes a member after removing hubsync's objects from its database, so it never leaves them behind. */
export async function deprovisionAndDeleteMember(deps: ServiceDeps, groupName: string, member: string, force: boolean): Promise<void> {
  const group = await loadSyncGroup(deps.store, groupName);
  if (!group.members.some((candidate) => candidate.name === member)) {
    throw new HubsyncError(ErrorCode.NotFound, `sync group "${groupName}" has no member "${member}"`);
  }
  await refuseWhileRunning(deps, groupName, 'deprovisioning a member');
  await deprovisionMember(group, member, serviceEngineContext(deps.store), { force });
  await deleteMember(deps, groupName, member);
}

async function refuseWhileRunning(deps: ServiceDeps, group: string, what: string): Promise<void> {
  if (isActive(await deps.client.getInstance(runInstanceId(group)))) {
    throw new HubsyncError(ErrorCode.RunInProgress, `sync group "${group}" has a run in progress; cancel it or wait before ${what}`);
  }
}
