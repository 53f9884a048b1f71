import type { GroupDefinition, Page, PageRequest, RunRecord, StoredGroup } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { parseGroupBody, parseGroupConfig, requireObject, type GroupConfig } from './group-input.js';
import { isActive } from './orchestration-client.js';
import { runInstanceId } from './run-contract.js';
import { lastRun } from './runs.js';
import { requireGroup, type ServiceDeps } from './service-deps.js';

export interface GroupWithRun {
  readonly stored: StoredGroup;
  readonly lastRun: RunRecord | null;
}

export interface PutResult {
  readonly stored: StoredGroup;
  readonly created: boolean;
}

/** Read-modify-write retries when another writer changed the group in between (etag mismatch). */
const updateAttempts = 3;

export async function listGroups(deps: ServiceDeps, page: PageRequest): Promise<Page<GroupWithRun>> {
  const groups = await deps.store.listGroups(page);
  const items = await Promise.all(groups.items.map(async (stored) => ({ stored, lastRun: await lastRun(deps, stored.definition.name) })));
  return { items, continuationToken: groups.continuationToken };
}

export async function getGroup(deps: ServiceDeps, group: string): Promise<GroupWithRun> {
  const stored = await requireGroup(deps.store, group);
  return { stored, lastRun: await lastRun(deps, group) };
}

/** Create or replace; `ifMatch` (the If-Match header) makes it conditional on the stored etag. */
export async function putGroup(deps: ServiceDeps, group: string, body: unknown, ifMatch: string | null): Promise<PutResult> {
  const { config, schedule } = parseGroupBody(group, body);
  const existing = await deps.store.getGroup(group);
  // If-Match: "*" asks for an existing group, an etag for that version of it.
  const precondition = ifMatch === null ? undefined : existing?.etag;
  if (ifMatch !== null && (precondition === undefined || (ifMatch !== '*' && ifMatch !== precondition))) {
    throw new HubsyncError(ErrorCode.PreconditionFailed, `sync group "${group}" does not match If-Match`);
  }
  const stored = await deps.store.putGroup(definition(deps, config, schedule), precondition);
  return { stored, created: existing === null };
}

/**
 * Removes the definition and the group's checkpoints (a group created again under the name starts
 * from the positions its databases record). Runs, conflicts and failures stay for reading; the
 * databases keep their data and tracking objects until deprovisioned.
 */
export async function deleteGroup(deps: ServiceDeps, group: string): Promise<void> {
  await requireGroup(deps.store, group);
  if (isActive(await deps.client.getInstance(runInstanceId(group)))) {
    throw new HubsyncError(ErrorCode.RunInProgress, `sync group "${group}" has a run in progress; cancel it or wait before deleting`);
  }
  await deps.store.deleteGroup(group);
  await deps.store.resetCheckpoints(group);
}

export async function putMember(deps: ServiceDeps, group: string, member: string, body: unknown): Promise<PutResult> {
  const { name, ...fields } = requireObject(body, 'the request body');
  if (name !== undefined && name !== member) {
    throw new HubsyncError(ErrorCode.RequestInvalid, 'name must equal the member name in the URL');
  }
  let created = false;
  const stored = await updateGroup(deps, group, (config) => {
    created = !config.members.some((existing) => existing.name === member);
    const replacement = { ...fields, name: member };
    const members = created
      ? [...config.members, replacement]
      : config.members.map((existing) => (existing.name === member ? replacement : existing));
    return { ...config, members };
  });
  return { stored, created };
}

/** Removes the member and its checkpoints: a member added again later starts from its own record. */
export async function deleteMember(deps: ServiceDeps, group: string, member: string): Promise<void> {
  await updateGroup(deps, group, (config) => {
    if (!config.members.some((existing) => existing.name === member)) {
      throw new HubsyncError(ErrorCode.NotFound, `sync group "${group}" has no member "${member}"`);
    }
    return { ...config, members: config.members.filter((existing) => existing.name !== member) };
  });
  await deps.store.resetCheckpoints(group, { member });
}

export async function putSchema(deps: ServiceDeps, group: string, body: unknown): Promise<StoredGroup> {
  const { tables, ...unknown } = requireObject(body, 'the request body');
  const unknownKeys = Object.keys(unknown);
  if (unknownKeys.length > 0) {
    throw new HubsyncError(ErrorCode.RequestInvalid, 'the schema body has only "tables"', {
      details: unknownKeys.map((key) => ({ code: ErrorCode.RequestInvalid, target: key, message: 'unknown key' })),
    });
  }
  return updateGroup(deps, group, (config) => ({ ...config, tables }));
}

async function updateGroup(
  deps: ServiceDeps,
  group: string,
  change: (config: GroupConfig) => Record<string, unknown>,
): Promise<StoredGroup> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await requireGroup(deps.store, group);
    const config = parseGroupConfig(change(parseGroupConfig({ ...current.definition.config })));
    try {
      return await deps.store.putGroup(definition(deps, config, current.definition.schedule), current.etag);
    } catch (error) {
      const lostRace = error instanceof HubsyncError && error.code === ErrorCode.PreconditionFailed;
      if (!lostRace || attempt === updateAttempts) throw error;
    }
  }
}

function definition(deps: ServiceDeps, config: GroupConfig, schedule: GroupDefinition['schedule']): GroupDefinition {
  return { name: config.name, config, schedule, updatedAt: deps.now().toISOString() };
}
