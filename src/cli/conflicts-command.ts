import type { Command } from 'commander';
import { reapplyConflict } from '../engine/reapply-conflict.js';
import type { ConflictRecord, RowVersion } from '../engine/state-store.js';
import { readPages } from '../state/read-pages.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { formatTable, printJson, printLines } from './output.js';

interface ListOptions extends GroupOptions {
  readonly json?: boolean;
}

export function registerConflictsCommand(program: Command): void {
  const conflicts = program.command('conflicts').description('list logged conflicts, or re-apply the losing version of one');

  addGroupOptions(
    conflicts
      .command('list', { isDefault: true })
      .description('list the conflict log with both versions of every conflict (the default)')
      .option('--json', 'print the conflicts as one JSON object'),
  ).action(async (options: ListOptions) => {
    await withGroupSession(options, async ({ group, context }) => {
      const logged = await readPages((page) => context.state.listConflicts(group.name, page));
      if (options.json === true) printJson({ group: group.name, conflicts: logged });
      else printLines(logged.length === 0 ? [`no conflicts logged for group ${group.name}`] : logged.flatMap(formatConflict));
    });
  });

  addGroupOptions(
    conflicts
      .command('reapply')
      .description("write a conflict's losing version to the hub; the next sync carries it to every member")
      .argument('<id>', 'conflict id, as listed by `hubsync conflicts`'),
  ).action(async (id: string, options: GroupOptions) => {
    await withGroupSession(options, async ({ group, context }) => {
      await reapplyConflict(group, id, context);
      printLines([
        `re-applied the losing version of conflict ${id} to hub ${group.hub.name}`,
        'the next `hubsync sync` carries it to the members',
      ]);
    });
  });
}

function formatConflict(conflict: ConflictRecord): string[] {
  const version = (label: string, row: RowVersion): string[] => [
    label,
    row.node,
    row.operation,
    row.changedAt,
    row.values === null ? '(deleted)' : JSON.stringify(row.values),
  ];
  const reapplied = conflict.reappliedAt === null ? [] : [`  re-applied at ${conflict.reappliedAt}`];
  const versions = formatTable(
    ['version', 'node', 'operation', 'changed at', 'values'],
    [version('kept', conflict.winning), version('lost', conflict.losing)],
  );
  return [
    `conflict ${conflict.id}: table ${conflict.table}, key ${JSON.stringify(conflict.key)}, ${conflict.kind}`,
    `  member ${conflict.member}, policy ${conflict.policy}, winner ${conflict.winner}, detected ${conflict.detectedAt}`,
    ...versions.map((line) => `  ${line}`),
    ...reapplied,
    '',
  ];
}
