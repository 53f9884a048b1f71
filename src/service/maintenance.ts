import { deprovisionGroup, deprovisionMember } from '../engine/provision-group.js';
import { reapplyConflict } from '../engine/reapply-conflict.js';
import type { ConflictRecord } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { loadSyncGroup, serviceEngineContext } from './group-engine.js';
import { deleteMember } from './groups.js';
import { isActive } from './orchestration-client.js';
import { runInstanceId } from './run-contract.js';
import type { ServiceDeps } from './service-deps.js';

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
