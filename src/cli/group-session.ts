import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadGroupConfig, type LoadedConfig } from '../config/load-config.js';
import type { EngineContext } from '../engine/engine-context.js';
import type { SyncGroup } from '../engine/group.js';
import { EnvironmentResolver } from '../secrets/environment-resolver.js';
import { openEmbeddedStateStore } from '../state/embedded-state-store.js';
import { withGroupLock } from './group-lock.js';
import { nodeAccess } from '../providers/node-access.js';

/** Options every command that works on a sync group takes. */
export interface GroupOptions {
  readonly config: string;
  readonly state?: string;
}

export function addGroupOptions(command: Command): Command {
  return command
    .requiredOption('-c, --config <file>', 'sync group config file (JSON)')
    .option('--state <file>', 'state file (default: .hubsync/<group>.state.db beside the config file)');
}

export interface GroupSession {
  readonly group: SyncGroup;
  readonly context: EngineContext;
}

/**
 * Load the config, open the state store and hand the engine its context; the state store is
 * closed whatever happens. `ephemeralState` keeps commands that promise to change nothing from
 * creating a state file.
 */
export async function withGroupSession<T>(
  options: GroupOptions,
  work: (session: GroupSession) => Promise<T>,
  { ephemeralState = false, lock }: { ephemeralState?: boolean; lock?: { wait: boolean } } = {},
): Promise<T> {
  const config = await loadGroupConfig(options.config);
  const path = statePath(config, options.state);
  const run = async (): Promise<T> => {
    const state = await openEmbeddedStateStore(ephemeralState ? ':memory:' : path);
    try {
      const context: EngineContext = { ...nodeAccess(new EnvironmentResolver(config.directory)), state };
      return await work({ group: config.group, context });
    } finally {
      await state.close();
    }
  };
  // Commands that change databases or state take the group's lock: two at once would race.
  return lock === undefined ? run() : withGroupLock(`${path}.lock`, config.group.name, lock.wait, run);
}

function statePath(config: LoadedConfig, override: string | undefined): string {
  return override === undefined ? join(config.directory, '.hubsync', `${config.group.name}.state.db`) : resolve(override);
}
