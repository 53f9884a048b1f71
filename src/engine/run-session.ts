import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { GroupNodes } from './group-connections.js';
import { planSchema, type SyncPlan } from './sync-plan.js';

/**
 * What every step of a run works with: the group, its databases (opened on demand) and the sync
 * plan validated against the hub's catalogue. The CLI keeps one for a whole run; a Functions
 * activity builds one per invocation.
 */
export interface RunSession {
  readonly group: SyncGroup;
  readonly context: EngineContext;
  readonly nodes: GroupNodes;
  readonly plan: SyncPlan;
}

export interface RunSessionOptions {
  /**
   * The session will use every member (a whole run in one process): they are opened while the
   * hub's plan is read. A session for one step (a Functions activity) opens only what it uses.
   */
  readonly everyMember?: boolean;
}

/** Open the hub, plan, run `work`, and close every database it opened whatever happens. */
export async function withRunSession<T>(
  group: SyncGroup,
  context: EngineContext,
  work: (session: RunSession) => Promise<T>,
  options: RunSessionOptions = {},
): Promise<T> {
  const nodes = new GroupNodes(group, context, { create: true });
  try {
    if (options.everyMember === true) nodes.openMembersEarly();
    const plan = planSchema(group, await (await nodes.hub()).introspect());
    return await work({ group, context, nodes, plan });
  } finally {
    await nodes.close();
  }
}
