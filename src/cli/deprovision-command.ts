import type { Command } from 'commander';
import { deprovisionGroup } from '../engine/provision-group.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { printLines } from './output.js';

export function registerDeprovisionCommand(program: Command): void {
  addGroupOptions(
    program
      .command('deprovision')
      .description("remove every object hubsync created in the group's databases and forget its checkpoints")
      .option('--force', 'deprovision even though changes have not been delivered yet (they are lost)'),
  ).action(async (options: DeprovisionOptions) => {
    await withGroupSession(options, async ({ group, context }) => {
      await deprovisionGroup(group, context, { force: options.force === true });
      const nodes = [group.hub, ...group.members].map((node) => node.name).join(', ');
      printLines([
        `deprovisioned group ${group.name}: removed hubsync change tracking from ${nodes} and cleared its checkpoints`,
        'user tables and data are untouched; the conflict log and run history are kept in the state file',
      ]);
    }, { lock: { wait: false } });
  });
}

interface DeprovisionOptions extends GroupOptions {
  readonly force?: boolean;
}
