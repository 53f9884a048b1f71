import type { Command } from 'commander';
import { compareGroup } from '../engine/compare-group.js';
import { ExitCode, ExitError } from './exit-codes.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { formatTable, printJson, printLines } from './output.js';

interface CompareOptions extends GroupOptions {
  readonly json?: boolean;
}

export function registerCompareCommand(program: Command): void {
  addGroupOptions(
    program
      .command('compare')
      .description('check that every receiving member holds exactly the hub\'s rows on the synced columns')
      .option('--json', 'print the comparison as one JSON object'),
  ).action(async (options: CompareOptions) => {
    await withGroupSession(
      options,
      async ({ group, context }) => {
        const tables = await compareGroup(group, context);
        const equal = tables.every((table) => table.equal);
        if (options.json === true) printJson({ group: group.name, equal, tables });
        else {
          printLines(
            formatTable(
              ['member', 'table', 'hub rows', 'member rows', 'result'],
              tables.map((table) => [
                table.member,
                table.table,
                String(table.hubRows),
                String(table.memberRows),
                table.equal ? 'equal' : 'DIFFERENT',
              ]),
            ),
          );
        }
        if (!equal) throw new ExitError('some members differ from the hub', ExitCode.Failure);
      },
      { ephemeralState: true },
    );
  });
}
