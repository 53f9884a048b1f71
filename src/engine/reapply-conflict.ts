import { ErrorCode, HubsyncError } from '../errors.js';
import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { withHub } from './group-connections.js';
import type { Change } from './provider.js';
import { scopeOf } from './scopes.js';
import { planSchema } from './sync-plan.js';
import { fromJsonValue } from './values.js';
import { streamStart } from './cursor.js';
import { tableId } from './table-name.js';

/**
 * Write a conflict's losing version into the hub as a new change. The next sync carries it to
 * every member like any hub edit, so the user's choice wins everywhere (invariant 6).
 */
export async function reapplyConflict(group: SyncGroup, conflictId: string, context: EngineContext): Promise<void> {
  const conflict = await context.state.getConflict(group.name, conflictId);
  if (!conflict) throw new HubsyncError(ErrorCode.NotFound, `no conflict with id "${conflictId}" in group "${group.name}"`);
  await withHub(group, context, async (hub) => {
    const plan = planSchema(group, await hub.introspect());
    const table = plan.tables.find((candidate) => tableId(candidate) === conflict.table);
    if (!table) {
      throw new HubsyncError(ErrorCode.TableNotFound, `table "${conflict.table}" is no longer synced by group "${group.name}"`);
    }
    const losing = conflict.losing;
    const source = losing.values ?? conflict.key;
    const change: Change = {
      stamp: streamStart.stamp,
      operation: losing.operation === 'delete' ? 'delete' : 'update',
      values: table.columns.map((column) => fromJsonValue(source[column.name] ?? null, column.type)),
      changedAt: new Date().toISOString().replace('Z', '000Z'),
    };
    await hub.applyChanges({
      table,
      changes: [change],
      // A scope no member has, so the re-applied version reaches every member.
      sourceScope: scopeOf(group, `reapply-${conflictId}`),
      seen: null,
      position: null,
      resolve: async (candidates) => candidates.map(() => true),
    });
  });
  await context.state.markConflictReapplied(group.name, conflictId, new Date().toISOString());
}
