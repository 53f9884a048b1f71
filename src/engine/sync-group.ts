import { randomUUID } from 'node:crypto';
import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { type ConnectedMember, withHub, withMembers } from './group-connections.js';
import { syncMemberTables } from './member-sync.js';
import { provisionNodes } from './provision-group.js';
import type { Provider } from './provider.js';
import type { MemberRunSummary, RunRecord, RunStatus } from './state-store.js';
import { type PlanWarning, planSchema, type SyncPlan } from './sync-plan.js';
import { completedCursor } from './values.js';

export interface RunResult {
  readonly group: string;
  readonly runId: string;
  readonly status: RunStatus;
  readonly members: readonly MemberRunSummary[];
  readonly durationMs: number;
  readonly warnings: readonly PlanWarning[];
  /** Why members failed, one line each; empty on success. Never holds a connection string. */
  readonly errors: readonly string[];
}

/**
 * One sync run: every member uploads to the hub first, then the hub downloads to every member,
 * so with no concurrent writes all copies are equal after a single run (invariant 5).
 */
export async function syncGroup(group: SyncGroup, context: EngineContext): Promise<RunResult> {
  const startedAt = new Date();
  return withHub(group, context, async (hub) => {
    const plan = planSchema(group, await hub.introspect());
    return withMembers(group, context, { create: true }, async (members) => {
      await provisionNodes(hub, members, plan);
      return runPhases(group, context, hub, members, plan, startedAt);
    });
  });
}

async function runPhases(
  group: SyncGroup,
  context: EngineContext,
  hub: Provider,
  members: readonly ConnectedMember[],
  plan: SyncPlan,
  startedAt: Date,
): Promise<RunResult> {
  const runId = randomUUID();
  const tally = new Map(members.map((member) => [member.definition.name, emptySummary(member.definition.name)]));
  const errors: string[] = [];
  const record = (status: RunStatus, finished: Date | null): RunRecord => ({
    group: group.name,
    runId,
    status,
    startedAt: startedAt.toISOString(),
    finishedAt: finished?.toISOString() ?? null,
    members: [...tally.values()],
    error: errors.length > 0 ? errors.join('; ') : null,
  });
  await context.state.saveRun(record('running', null));

  const failedMembers = new Set<string>();
  const guarded = (work: (member: ConnectedMember) => Promise<void>) => async (member: ConnectedMember) => {
    if (failedMembers.has(member.definition.name)) return;
    try {
      await work(member);
    } catch (error) {
      failedMembers.add(member.definition.name);
      errors.push(`member "${member.definition.name}": ${messageOf(error)}`);
    }
  };
  const shared = { group, context, hub, tables: plan.tables, runId, tally };

  try {
    const uploaders = members.filter((member) => member.definition.direction !== 'fromHub');
    await forEach(uploaders, hub.capabilities.concurrentApply, guarded((member) =>
      syncMemberTables({ ...shared, member, direction: 'upload' }),
    ));
    const hubWatermark = await hub.watermark();
    const downloaders = members.filter((member) => member.definition.direction !== 'toHub');
    await forEach(downloaders, true, guarded((member) =>
      syncMemberTables({ ...shared, member, direction: 'download', hubWatermark }),
    ));
    const uploadOnly = members.filter(
      (member) => member.definition.direction === 'toHub' && !failedMembers.has(member.definition.name),
    );
    await markHubSeen(group, context, uploadOnly, plan, hubWatermark);
  } catch (error) {
    // The hub or the state store failed: no member can go on, and the run must not stay "running".
    errors.push(`hub "${group.hub.name}": ${messageOf(error)}`);
  }

  const summaries = [...tally.values()];
  const status: RunStatus =
    errors.length > 0 ? 'failed' : summaries.some((summary) => summary.failed > 0) ? 'succeededWithFailures' : 'succeeded';
  const finishedAt = new Date();
  await context.state.saveRun(record(status, finishedAt));
  return {
    group: group.name,
    runId,
    status,
    members: summaries,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    warnings: plan.warnings,
    errors,
  };
}

/**
 * A toHub member never downloads, so its download checkpoint instead records how much of the
 * hub existed at its last sync: hub changes after that are the ones its uploads conflict with.
 */
async function markHubSeen(
  group: SyncGroup,
  context: EngineContext,
  uploadOnlyMembers: readonly ConnectedMember[],
  plan: SyncPlan,
  hubWatermark: string,
): Promise<void> {
  for (const member of uploadOnlyMembers) {
    for (const table of plan.tables) {
      const key = { group: group.name, member: member.definition.name, table: table.name, direction: 'download' } as const;
      await context.state.compareAndSetCheckpoint(key, await context.state.getCheckpoint(key), completedCursor(hubWatermark));
    }
  }
}

async function forEach<T>(items: readonly T[], parallel: boolean, work: (item: T) => Promise<void>): Promise<void> {
  if (parallel) {
    await Promise.all(items.map(work));
    return;
  }
  for (const item of items) await work(item);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function emptySummary(name: string): MemberRunSummary {
  return { name, uploaded: 0, downloaded: 0, conflicts: 0, failed: 0 };
}
