import type { Page, PageRequest } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { withExportContext } from '../export/export-connections.js';
import { deprovisionExport, type DeprovisionOptions } from '../export/export-deprovision.js';
import type { ExportProfile } from '../export/export-profile.js';
import type { ProfileDefinition, StoredProfile } from '../export/export-profile-store.js';
import { exportInstanceId } from './export-contract.js';
import { requireProfile, serviceExportAccess } from './export-engine.js';
import { parseProfileBody } from './export-input.js';
import { isActive } from './orchestration-client.js';
import type { ExportDeps } from './service-deps.js';

/** Read-modify-write retries when another writer changed the profile in between (etag mismatch). */
const updateAttempts = 3;

/** A profile as the API returns it: the profile JSON with its defaults, whether it is active, when it changed. */
export function profileView({ definition }: StoredProfile): Record<string, unknown> {
  return { ...definition.profile, active: definition.active, updatedAt: definition.updatedAt };
}

export function listProfiles(deps: ExportDeps, page: PageRequest): Promise<Page<StoredProfile>> {
  return deps.exports.listProfiles(page);
}

/** Create (inactive) or replace (keeping whether it is active). */
export async function putProfile(deps: ExportDeps, name: string, body: unknown): Promise<{ stored: StoredProfile; created: boolean }> {
  const profile = parseProfileBody(name, body);
  const existing = await deps.exports.getProfile(name);
  const stored = await deps.exports.putProfile(definition(deps, profile, existing?.definition.active ?? false), existing?.etag ?? null);
  return { stored, created: existing === null };
}

/** Active profiles are started by the scheduling timer when due; inactive ones keep their positions in the destination. */
export async function setProfileActive(deps: ExportDeps, name: string, active: boolean): Promise<StoredProfile> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await requireProfile(deps.exports, name);
    try {
      return await deps.exports.putProfile(definition(deps, current.definition.profile, active), current.etag);
    } catch (error) {
      const lostRace = error instanceof HubsyncError && error.code === ErrorCode.PreconditionFailed;
      if (!lostRace || attempt === updateAttempts) throw error;
    }
  }
}

/**
 * Removes the definition. With `deprovision` (implied by either option) the destination forgets
 * the profile's positions first, and drops its tables or the source's tracking when asked; a
 * failure there leaves the definition in place, to be tried again.
 */
export async function deleteProfile(deps: ExportDeps, name: string, deprovision: DeprovisionOptions | null): Promise<void> {
  const { definition: stored } = await requireProfile(deps.exports, name);
  if (isActive(await deps.client.getInstance(exportInstanceId(name)))) {
    throw new HubsyncError(ErrorCode.RunInProgress, `export profile "${name}" has a run in progress; wait for it before deleting`);
  }
  if (deprovision !== null) {
    await withExportContext(stored.profile, serviceExportAccess(), deps.exports, (context) => deprovisionExport(context, deprovision));
  }
  await deps.exports.deleteProfile(name);
}

function definition(deps: ExportDeps, profile: ExportProfile, active: boolean): ProfileDefinition {
  return { name: profile.name, profile, active, updatedAt: deps.now().toISOString() };
}
