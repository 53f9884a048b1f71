import { join } from 'node:path';
import { nodeAccess } from '../src/providers/node-access.js';
import type { EngineContext } from '../src/engine/engine-context.js';
import { defaultRetryPolicy, type MemberDefinition, type NodeDefinition, type SyncGroup } from '../src/engine/group.js';
import { provisionGroup } from '../src/engine/provision-group.js';
import { type RunResult, syncGroup } from '../src/engine/sync-group.js';
import { EnvironmentResolver } from '../src/secrets/environment-resolver.js';
import { openEmbeddedStateStore } from '../src/state/embedded-state-store.js';
import { throwIfStopping } from './cleanup.js';
import { timed } from './measure.js';

/**
 * Drives hubsync the way the CLI does: a SyncGroup, the environment resolver and the embedded
 * state store in a file of its own.
 */
export function benchGroup(options: {
  readonly name: string;
  readonly hub: NodeDefinition;
  readonly members: readonly MemberDefinition[];
  readonly tables: readonly string[];
  readonly batchSize: number;
}): SyncGroup {
  return {
    name: options.name,
    hub: options.hub,
    members: options.members,
    conflictPolicy: 'hubWins',
    tables: options.tables.map((name) => ({ name })),
    batchSize: options.batchSize,
    ...defaultRetryPolicy,
  };
}

export function postgresNode(name: string, url: string): NodeDefinition {
  return { name, provider: 'postgres', connection: url };
}

export function sqliteNode(name: string, path: string): NodeDefinition {
  return { name, provider: 'sqlite', connection: path };
}

/** Members are bidirectional, the default of Azure SQL Data Sync and the most work per run. */
export function member(node: NodeDefinition): MemberDefinition {
  return { ...node, direction: 'bidirectional' };
}

/** A state file per group and run folder, so every initial sync really starts from nothing. */
async function withContext<T>(folder: string, stateName: string, work: (context: EngineContext) => Promise<T>): Promise<T> {
  throwIfStopping();
  const state = await openEmbeddedStateStore(join(folder, `${stateName}.state.db`));
  try {
    return await work({ ...nodeAccess(new EnvironmentResolver(folder)), state });
  } finally {
    await state.close();
  }
}

/**
 * Provisions the hub only (tracking tables, triggers, back-fill of existing rows): users do
 * this once, so it is set-up, not part of a timed sync.
 */
export async function provisionHub(group: SyncGroup, folder: string): Promise<number> {
  const { ms } = await withContext(folder, `${group.name}-provision`, (context) =>
    timed(() => provisionGroup({ ...group, members: [] }, context)),
  );
  return ms;
}

/** One sync run, timed end to end (opening connections, provisioning members, every batch). */
export async function timedSync(group: SyncGroup, folder: string, stateName: string): Promise<{ ms: number; result: RunResult }> {
  return withContext(folder, stateName, async (context) => {
    const outcome = await timed(() => syncGroup(group, context));
    if (outcome.result.status !== 'succeeded') {
      throw new Error(`sync run ended "${outcome.result.status}": ${outcome.result.errors.join('; ') || 'see failed records'}`);
    }
    return outcome;
  });
}

/** Rows moved to members by a run. */
export function downloaded(result: RunResult): number {
  return result.members.reduce((total, summary) => total + summary.downloaded, 0);
}
