import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { withHub, withMembers } from './group-connections.js';
import { planSchema } from './sync-plan.js';
import { digestTable } from './table-digest.js';
import { tableId } from './table-name.js';

export interface TableComparison {
  readonly table: string;
  readonly member: string;
  readonly hubRows: number;
  readonly memberRows: number;
  readonly equal: boolean;
}

/**
 * Compare every member that receives from the hub with the hub, table by table, on the synced
 * columns. toHub members are left out: they are not meant to hold the hub's rows.
 */
export async function compareGroup(group: SyncGroup, context: EngineContext): Promise<TableComparison[]> {
  return withHub(group, context, async (hub) => {
    const plan = planSchema(group, await hub.introspect());
    return withMembers(group, context, { create: false }, async (members) => {
      const comparisons: TableComparison[] = [];
      for (const table of plan.tables) {
        const expected = await digestTable(hub, table);
        for (const member of members.filter((candidate) => candidate.definition.direction !== 'toHub')) {
          const actual = await digestTable(member.provider, table);
          comparisons.push({
            table: tableId(table),
            member: member.definition.name,
            hubRows: expected.rows,
            memberRows: actual.rows,
            equal: actual.rows === expected.rows && actual.digest === expected.digest,
          });
        }
      }
      return comparisons;
    });
  });
}
