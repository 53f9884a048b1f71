import type { Command } from 'commander';
import { validateGroup } from '../engine/validate-group.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { printLines } from './output.js';
import { formatNodes, formatPlan } from './plan-output.js';

export function registerValidateCommand(program: Command): void {
  addGroupOptions(
    program
      .command('validate')
      .description('check the config against every database and print the sync plan; changes nothing'),
  ).action(async (options: GroupOptions) => {
    await withGroupSession(
      options,
      async ({ group, context }) => {
        const plan = await validateGroup(group, context);
        printLines([
          `group ${group.name} is valid: ${plan.tables.length} table(s), ${group.members.length} member(s), ` +
            `batch size ${group.batchSize}`,
          '',
          ...formatNodes(group),
          ...formatPlan(group, plan, plan.memberTypes),
        ]);
      },
      { ephemeralState: true },
    );
  });
}
