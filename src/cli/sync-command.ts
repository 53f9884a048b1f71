import type { Command } from 'commander';
import { syncGroup, type RunResult } from '../engine/sync-group.js';
import { ExitCode, ExitError } from './exit-codes.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { formatDuration, formatTable, printJson, printLines, printWarning } from './output.js';
import { startProgress } from './progress.js';

interface SyncOptions extends GroupOptions {
  readonly json?: boolean;
  readonly wait?: boolean;
}

export function registerSyncCommand(program: Command): void {
  addGroupOptions(
    program
      .command('sync')
      .description('run one sync: every member uploads to the hub, then the hub downloads to every member')
      .option('--json', 'print the run result as one JSON object')
      .option('--wait', 'when another command is working on the group, wait for it instead of exiting with status 2'),
  ).action(async (options: SyncOptions) => {
    const json = options.json === true;
    const result = await withGroupSession(
      options,
      async ({ group, context }) => {
        const progress = startProgress(group, json);
        try {
          return await syncGroup(group, { ...context, onProgress: progress.onProgress });
        } finally {
          progress.stop();
        }
      },
      { lock: { wait: options.wait === true } },
    );
    if (json) printJson(jsonResult(result));
    else printLines(humanResult(result));
    for (const warning of result.warnings) printWarning(`${warning.table}: ${warning.message}`);
    for (const notice of result.notices) printWarning(notice);
    failIfIncomplete(result);
  });
}

/** Exactly the documented fields: scripts depend on this shape (fields are only ever added). */
function jsonResult(result: RunResult): object {
  return {
    group: result.group,
    runId: result.runId,
    status: result.status,
    members: result.members.map(({ name, uploaded, downloaded, conflicts, failed }) => ({
      name,
      uploaded,
      downloaded,
      conflicts,
      failed,
    })),
    durationMs: result.durationMs,
    // Only when the run retried failed records, like the run record's `retried`.
    ...(result.retried.attempted > 0 ? { retried: result.retried } : {}),
  };
}

function humanResult(result: RunResult): string[] {
  const rows = result.members.map((member) => [
    member.name,
    String(member.uploaded),
    String(member.downloaded),
    String(member.conflicts),
    String(member.failed),
  ]);
  return [
    `run ${result.runId} of group ${result.group}: ${result.status} in ${formatDuration(result.durationMs)}`,
    ...formatTable(['member', 'uploaded', 'downloaded', 'conflicts', 'failed'], rows),
    ...(result.retried.attempted > 0
      ? [`retried ${result.retried.attempted} failed record(s): ${result.retried.cleared} cleared, ${result.retried.stillFailing} still failing`]
      : []),
  ];
}

function failIfIncomplete(result: RunResult): void {
  if (result.status === 'failed') {
    throw new ExitError(`run ${result.runId} failed: ${result.errors.join('; ')}`, ExitCode.Failure);
  }
  if (result.status === 'succeededWithFailures') {
    const failed = result.members.reduce((sum, member) => sum + member.failed, 0);
    throw new ExitError(
      `run ${result.runId} finished with ${failed} failed row(s), kept as failed records in the state file`,
      ExitCode.Failure,
    );
  }
}
