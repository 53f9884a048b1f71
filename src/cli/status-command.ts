import { type Command, InvalidArgumentError } from 'commander';
import type { RunRecord } from '../engine/state-store.js';
import { readPages } from '../state/read-pages.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { formatDuration, formatTable, printJson, printLines } from './output.js';

interface StatusOptions extends GroupOptions {
  readonly json?: boolean;
  readonly limit: number;
}

export function registerStatusCommand(program: Command): void {
  addGroupOptions(
    program
      .command('status')
      .description('show the most recent sync runs, newest first')
      .option('--limit <n>', 'how many runs to show', parseLimit, 10)
      .option('--json', 'print the runs as one JSON object'),
  ).action(async (options: StatusOptions) => {
    await withGroupSession(options, async ({ group, context }) => {
      const runs = await readPages((page) => context.state.listRuns(group.name, page), options.limit);
      if (options.json === true) printJson({ group: group.name, runs });
      else printLines(runs.length === 0 ? [`no runs recorded for group ${group.name}`] : formatRuns(runs));
    });
  });
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return limit;
}

function formatRuns(runs: readonly RunRecord[]): string[] {
  const total = (run: RunRecord, field: 'uploaded' | 'downloaded' | 'conflicts' | 'failed'): string =>
    String(run.members.reduce((sum, member) => sum + member[field], 0));
  const rows = runs.map((run) => [
    run.runId,
    run.status,
    run.startedAt,
    run.finishedAt === null ? '-' : formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)),
    total(run, 'uploaded'),
    total(run, 'downloaded'),
    total(run, 'conflicts'),
    total(run, 'failed'),
  ]);
  const errors = runs.filter((run) => run.error !== null).map((run) => `${run.runId}: ${run.error}`);
  return [
    ...formatTable(['run', 'status', 'started', 'duration', 'uploaded', 'downloaded', 'conflicts', 'failed'], rows),
    ...(errors.length > 0 ? ['', 'errors:', ...errors.map((line) => `  ${line}`)] : []),
  ];
}
