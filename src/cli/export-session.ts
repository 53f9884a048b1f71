import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { withExportContext, type ExportAccess } from '../export/export-connections.js';
import type { ExportContext } from '../export/export-context.js';
import type { ExportProfile } from '../export/export-profile.js';
import { openEmbeddedExportState } from '../export/embedded-export-state.js';
import type { ExportStateStore } from '../export/export-state.js';
import { loadExportProfile } from '../export/load-export-profile.js';
import { nodeAccess } from '../providers/node-access.js';
import { EnvironmentResolver } from '../secrets/environment-resolver.js';
import { withGroupLock } from './group-lock.js';

/** Options every `hubsync export` command takes. */
export interface ProfileOptions {
  readonly profile: string;
  readonly state?: string;
  readonly json?: boolean;
}

export function addProfileOptions(command: Command): Command {
  return command
    .requiredOption('-p, --profile <file>', 'export profile (JSON)')
    .option('--state <file>', 'state file (default: .hubsync/<profile>.export.db beside the profile)')
    .option('--json', 'print the result as one JSON object');
}

export interface ProfileSession {
  readonly profile: ExportProfile;
  readonly access: ExportAccess;
  readonly state: ExportStateStore;
  /** Open the source and the destination for `work` (closed afterwards). */
  withDatabases<T>(work: (context: ExportContext) => Promise<T>): Promise<T>;
}

/**
 * Load the profile and open its state file; the state is closed whatever happens. Commands that
 * write (`lock`) take the profile's lock: two runs of one profile at once would race.
 * `ephemeralState` keeps commands that promise to change nothing from creating a state file.
 */
export async function withProfileSession<T>(
  options: ProfileOptions,
  work: (session: ProfileSession) => Promise<T>,
  { lock, ephemeralState = false }: { lock?: { wait: boolean }; ephemeralState?: boolean } = {},
): Promise<T> {
  const loaded = await loadExportProfile(options.profile);
  const path = options.state === undefined ? join(loaded.directory, '.hubsync', `${loaded.profile.name}.export.db`) : resolve(options.state);
  const resolver = new EnvironmentResolver(loaded.directory);
  const access: ExportAccess = { resolver, openProvider: nodeAccess(resolver).openProvider };
  const run = async (): Promise<T> => {
    const state = openEmbeddedExportState(ephemeralState ? ':memory:' : path);
    try {
      return await work({
        profile: loaded.profile,
        access,
        state,
        withDatabases: (inner) => withExportContext(loaded.profile, access, state, inner),
      });
    } finally {
      await state.close();
    }
  };
  return lock === undefined ? run() : withGroupLock(`${path}.lock`, loaded.profile.name, lock.wait, run);
}
