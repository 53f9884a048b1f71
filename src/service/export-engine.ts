import { withExportContext, type ExportAccess } from '../export/export-connections.js';
import type { ExportContext } from '../export/export-context.js';
import type { ExportProfileStore, StoredProfile } from '../export/export-profile-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { nodeAccess } from '../providers/node-access.js';
import { serviceConnectionResolver, serviceExportState } from './service-context.js';

export async function requireProfile(profiles: ExportProfileStore, name: string): Promise<StoredProfile> {
  const stored = await profiles.getProfile(name);
  if (stored === null) throw new HubsyncError(ErrorCode.NotFound, `export profile "${name}" does not exist`);
  return stored;
}

/** The profile's databases as the service reaches them: connections through Key Vault (or app settings). */
export function serviceExportAccess(): ExportAccess {
  const resolver = serviceConnectionResolver();
  return { resolver, openProvider: nodeAccess(resolver).openProvider };
}

/**
 * What an export activity works in: the stored profile with its source and destination open and
 * its state in Table storage; `deadline` (epoch ms) bounds a run.
 */
export async function withServiceExport<T>(name: string, deadline: number | undefined, work: (context: ExportContext) => Promise<T>): Promise<T> {
  const state = await serviceExportState();
  const { definition } = await requireProfile(state, name);
  return withExportContext(definition.profile, serviceExportAccess(), state, (context) =>
    work(deadline === undefined ? context : { ...context, deadline }),
  );
}
