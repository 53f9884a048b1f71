import { decodeCursor, streamStart } from './cursor.js';
import type { GroupNodes } from './group-connections.js';
import type { Provider } from './provider.js';
import { scopeOf } from './scopes.js';
import type { SyncPlan } from './sync-plan.js';
import type { TableSchema } from './types.js';
import { tableId } from './table-name.js';

/** Changes not yet delivered one way for one table: what deprovisioning now would lose. */
export interface PendingChanges {
  readonly table: string;
  readonly from: string;
  readonly to: string;
  /** Counted up to `countLimit`; `atLeast` says there are more. */
  readonly count: number;
  readonly atLeast: boolean;
}

const countLimit = 1000;

/**
 * Every (table, direction) of every member with committed changes the other side has not applied:
 * changes past the destination's recorded position and below the source's watermark.
 */
export async function findPendingChanges(nodes: GroupNodes, plan: SyncPlan): Promise<PendingChanges[]> {
  const { group } = nodes;
  const hub = await nodes.hub();
  const hubScope = scopeOf(group, group.hub.name);
  const pending: PendingChanges[] = [];
  for (const member of await nodes.members()) {
    const memberScope = scopeOf(group, member.definition.name);
    const legs: Leg[] = [];
    if (member.definition.direction !== 'fromHub') {
      legs.push({ source: member.provider, destination: hub, from: member.definition.name, to: group.hub.name, sourceScope: memberScope, destinationScope: hubScope });
    }
    if (member.definition.direction !== 'toHub') {
      legs.push({ source: hub, destination: member.provider, from: group.hub.name, to: member.definition.name, sourceScope: hubScope, destinationScope: memberScope });
    }
    for (const leg of legs) pending.push(...(await pendingOn(leg, plan.tables)));
  }
  return pending;
}

interface Leg {
  readonly source: Provider;
  readonly destination: Provider;
  readonly from: string;
  readonly to: string;
  readonly sourceScope: string;
  readonly destinationScope: string;
}

async function pendingOn(leg: Leg, tables: readonly TableSchema[]): Promise<PendingChanges[]> {
  const tracked = new Set(await leg.source.provisionedTables());
  if (!tables.some((table) => tracked.has(tableId(table)))) return [];
  const [positions, watermark] = await Promise.all([leg.destination.readPositions(leg.sourceScope), leg.source.watermark()]);
  const found: PendingChanges[] = [];
  for (const table of tables.filter((candidate) => tracked.has(tableId(candidate)))) {
    const token = positions.get(tableId(table));
    const changes = await leg.source.readChanges({
      table,
      after: token === undefined ? streamStart : decodeCursor(token),
      before: watermark.stamp,
      excludeScope: leg.destinationScope,
      limit: countLimit + 1,
    });
    if (changes.length > 0) {
      found.push({ table: tableId(table), from: leg.from, to: leg.to, count: Math.min(changes.length, countLimit), atLeast: changes.length > countLimit });
    }
  }
  return found;
}

export function describePending(pending: PendingChanges): string {
  return `${pending.atLeast ? 'more than ' : ''}${pending.count} change(s) to table "${pending.table}" made on ${pending.from} not yet applied on ${pending.to}`;
}
