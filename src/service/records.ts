import type { ConflictRecord, FailedRecord, Page, PageRequest } from '../engine/state-store.js';
import { requireGroup, type ServiceDeps } from './service-deps.js';

/** The conflict log, oldest first: the same records as `hubsync conflicts --json`. */
export async function listConflicts(deps: ServiceDeps, group: string, page: PageRequest): Promise<Page<ConflictRecord>> {
  await requireGroup(deps.store, group);
  return deps.store.listConflicts(group, page);
}

/** Records a destination rejected, oldest first. */
export async function listFailures(deps: ServiceDeps, group: string, page: PageRequest): Promise<Page<FailedRecord>> {
  await requireGroup(deps.store, group);
  return deps.store.listFailures(group, page);
}
