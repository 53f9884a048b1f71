import type { Command } from 'commander';
import { retryGroupFailures, type RetryFailuresResult, type RetryOutcome } from '../engine/retry-failures.js';
import type { FailedRecord } from '../engine/state-store.js';
import { readPages } from '../state/read-pages.js';
import { ExitCode, ExitError } from './exit-codes.js';
import { addGroupOptions, type GroupOptions, withGroupSession } from './group-session.js';
import { formatTable, printJson, printLines, printWarning } from './output.js';

interface ListOptions extends GroupOptions {
  readonly json?: boolean;
}

interface RetryOptions extends ListOptions {
  readonly all?: boolean;
  readonly wait?: boolean;
}

export function registerFailuresCommand(program: Command): void {
  const failures = program.command('failures').description('list the rows a destination rejected, or retry them now');

  addGroupOptions(
    failures
      .command('list', { isDefault: true })
      .description('list the failed records with their values, attempts, status and the reason (the default)')
      .option('--json', 'print the failed records as one JSON object'),
  ).action(async (options: ListOptions) => {
    await withGroupSession(options, async ({ group, context }) => {
      const listed = await readPages((page) => context.state.listFailures(group.name, page));
      if (options.json === true) printJson({ group: group.name, failures: listed });
      else printLines(listed.length === 0 ? [`no failed records for group ${group.name}`] : formatFailures(listed));
    });
  });

  addGroupOptions(
    failures
      .command('retry')
      .description("retry failed records now with each row's current source version; exits 1 while any still fails")
      .option('--all', 'every record, also those whose retries are used up, without waiting for their next attempt')
      .option('--json', 'print the outcome as one JSON object')
      .option('--wait', 'when another command is working on the group, wait for it instead of exiting with status 2'),
  ).action(async (options: RetryOptions) => {
    const all = options.all === true;
    const result = await withGroupSession(options, ({ group, context }) => retryGroupFailures(group, context, { all }), {
      lock: { wait: options.wait === true },
    });
    const { attempted, cleared, stillFailing } = result;
    if (options.json === true) printJson({ attempted, cleared, stillFailing, records: result.outcomes, notices: result.notices, more: result.more });
    else printLines(formatRetry(result, all));
    for (const notice of result.notices) printWarning(notice);
    if (stillFailing > 0 || result.notices.length > 0) {
      const waiting = result.notices.length > 0 ? '; some members could not be reached' : '';
      throw new ExitError(`${stillFailing} failed record(s) still failing${waiting}`, ExitCode.Failure);
    }
  });
}

function formatFailures(failures: readonly FailedRecord[]): string[] {
  const rows = failures.map((failure) => [
    failure.failedAt,
    failure.table,
    JSON.stringify(failure.key),
    `${failure.direction} ${failure.member}`,
    failure.operation,
    String(failure.attempts),
    failure.status,
    failure.nextAttemptAt ?? '-',
    failure.lastError,
  ]);
  return formatTable(['failed at', 'table', 'key', 'direction', 'operation', 'attempts', 'status', 'next attempt', 'reason'], rows);
}

function formatRetry(result: RetryFailuresResult, all: boolean): string[] {
  if (result.attempted === 0) return [all ? 'no failed records to retry' : 'no failed records due for a retry (--all retries every one)'];
  const rows = result.outcomes.map((outcome: RetryOutcome) => [
    outcome.table,
    JSON.stringify(outcome.key),
    `${outcome.direction} ${outcome.member}`,
    outcome.result === 'cleared' ? 'cleared' : 'still failing',
    outcome.error ?? '',
  ]);
  return [
    `retried ${result.attempted} failed record(s): ${result.cleared} cleared, ${result.stillFailing} still failing`,
    ...formatTable(['table', 'key', 'direction', 'result', 'reason'], rows),
  ];
}
