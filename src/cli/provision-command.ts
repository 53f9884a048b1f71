import type { Command } from 'commander';
import { provisionGroup } from '../engine/provision-group.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { printLines } from './output.js';
import { formatNodes, formatPlan } from './plan-output.js';

export function registerProvisionCommand(program: Command): void {
  addGroupOptions(
    program
      .command('provision')
      .description('create missing member tables and hubsync change tracking in every database of the group'),
  ).action(async (options: GroupOptions) => {
    await withGroupSession(options, async ({ group, context }) => {
      const plan = await provisionGroup(group, context);
      printLines([
        `provisioned group ${group.name}: change tracking for ${plan.tables.length} table(s) in every node`,
        "member tables that were missing have been created from the hub's definition",
        '',
        ...formatNodes(group),
        ...formatPlan(group, plan),
      ]);
    }, { lock: { wait: false } });
  });
}
