import type { Command } from 'commander';
import type { FailedRecord } from '../engine/state-store.js';
import { readPages } from '../state/read-pages.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { formatTable, printJson, printLines } from './output.js';

interface FailuresOptions extends GroupOptions {
  readonly json?: boolean;
}

export function registerFailuresCommand(program: Command): void {
  addGroupOptions(
    program
      .command('failures')
      .description('list the rows a destination rejected, with their values and the reason')
      .option('--json', 'print the failed records as one JSON object'),
  ).action(async (options: FailuresOptions) => {
    await withGroupSession(options, async ({ group, context }) => {
      const failures = await readPages((page) => context.state.listFailures(group.name, page));
      if (options.json === true) printJson({ group: group.name, failures });
      else printLines(failures.length === 0 ? [`no failed records for group ${group.name}`] : formatFailures(failures));
    });
  });
}

function formatFailures(failures: readonly FailedRecord[]): string[] {
  const rows = failures.map((failure) => [
    failure.failedAt,
    failure.table,
    JSON.stringify(failure.key),
    `${failure.direction} ${failure.member}`,
    failure.operation,
    failure.error,
  ]);
  return formatTable(['failed at', 'table', 'key', 'direction', 'operation', 'reason'], rows);
}
