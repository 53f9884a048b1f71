import { type Command, InvalidArgumentError } from 'commander';
import { deprovisionExport } from '../export/export-deprovision.js';
import { resyncAll, resyncFailed } from '../export/export-resync.js';
import { runExport, type ExportRunResult } from '../export/export-run.js';
import { exportStatus } from '../export/export-status.js';
import { validateExport } from '../export/validate-export.js';
import { ExitCode, ExitError } from './exit-codes.js';
import { formatExportPlan, formatExportRun, formatExportStatus, formatFailures } from './export-output.js';
import { addProfileOptions, type ProfileOptions, withProfileSession } from './export-session.js';
import { printJson, printLines } from './output.js';

interface RunOptions extends ProfileOptions {
  readonly wait?: boolean;
}

interface ResyncOptions extends RunOptions {
  readonly failed?: boolean;
  readonly all?: boolean;
  readonly tables?: string[];
}

interface FailuresOptions extends ProfileOptions {
  readonly from?: string;
  readonly to?: string;
}

interface DeprovisionOptions extends ProfileOptions {
  readonly dropDestination?: boolean;
  readonly sourceTracking?: boolean;
}

/** `hubsync export ...`: export profiles, the Data Export Service's continuous one-way copies. */
export function registerExportCommand(program: Command): void {
  const group = program
    .command('export')
    .description('export profiles: continuous one-way replication of tables into a reporting database (replaces the Data Export Service)');

  addProfileOptions(group.command('validate').description('check the profile against its source and destination without changing anything')).action(
    async (options: ProfileOptions) => {
      const plan = await withProfileSession(options, ({ profile, access }) => validateExport(profile, access), { ephemeralState: true });
      if (options.json === true) printJson(plan);
      else printLines(formatExportPlan(plan));
    },
  );

  addProfileOptions(
    group
      .command('run')
      .description('export what changed since the last run (the first run copies every selected table)')
      .option('--wait', 'when another command is working on the profile, wait for it instead of exiting with status 2'),
  ).action(async (options: RunOptions) => {
    const result = await withProfileSession(options, (session) => session.withDatabases((context) => runExport(context)), {
      lock: { wait: options.wait === true },
    });
    report(result, options);
  });

  addProfileOptions(
    group
      .command('resync')
      .description('retry failed records now (--failed), or re-export tables without dropping them (--all)')
      .option('--failed', 'write every failed record again with the source row as it is now')
      .option('--all', 're-export every row, and remove destination rows the source no longer has')
      .option('--tables <names>', 'comma-separated tables (default: every table of the profile)', parseList)
      .option('--wait', 'when another command is working on the profile, wait for it instead of exiting with status 2'),
  ).action(async (options: ResyncOptions) => {
    if ((options.failed === true) === (options.all === true)) throw new ExitError('resync needs exactly one of --failed and --all', ExitCode.InputError);
    const resync = options.failed === true ? resyncFailed : resyncAll;
    const result = await withProfileSession(options, (session) => session.withDatabases((context) => resync(context, options.tables)), {
      lock: { wait: options.wait === true },
    });
    report(result, options);
  });

  addProfileOptions(group.command('status').description('rows exported, failed records, last successful run and latency per table')).action(
    async (options: ProfileOptions) => {
      const status = await withProfileSession(options, ({ profile, state }) => exportStatus(profile, state));
      if (options.json === true) printJson(status);
      else printLines(formatExportStatus(status));
    },
  );

  addProfileOptions(
    group
      .command('failures')
      .description('list failed records (table, key, change, time and the database reason), oldest first')
      .option('--from <time>', 'only records last tried at or after this ISO 8601 time', parseTime)
      .option('--to <time>', 'only records last tried before this ISO 8601 time', parseTime),
  ).action(async (options: FailuresOptions) => {
    const { profile, failures } = await withProfileSession(options, async ({ profile, state }) => ({
      profile: profile.name,
      failures: await state.listFailures(profile.name, { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) }),
    }));
    if (options.json === true) printJson({ profile, failures });
    else printLines(failures.length === 0 ? ['no failed records'] : formatFailures(failures));
  });

  addProfileOptions(
    group
      .command('deprovision')
      .description("forget the profile's positions in the destination; its tables and data stay unless asked")
      .option('--drop-destination', 'also drop the exported tables and the delete log')
      .option('--source-tracking', "also remove the source's change tracking (shared with sync groups whose hub it is)"),
  ).action(async (options: DeprovisionOptions) => {
    await withProfileSession(
      options,
      ({ withDatabases }) =>
        withDatabases((context) =>
          deprovisionExport(context, { dropDestination: options.dropDestination === true, sourceTracking: options.sourceTracking === true }),
        ),
      { lock: { wait: false } },
    );
    if (options.json === true) printJson({ deprovisioned: true });
    else printLines(['deprovisioned: the destination no longer records positions for this profile']);
  });
}

function report(result: ExportRunResult, options: ProfileOptions): void {
  if (options.json === true) printJson(result);
  else printLines(formatExportRun(result));
  if (result.status === 'succeededWithFailures') {
    const failed = result.tables.reduce((sum, table) => sum + table.failed, 0);
    const stopped = result.tables.filter((table) => table.stopped !== null).map((table) => `${table.table}: ${table.stopped ?? ''}`);
    throw new ExitError(
      [
        ...(failed > 0 ? [`${failed} record(s) failed and are kept as failed records (hubsync export failures)`] : []),
        ...stopped.map((line) => `stopped ${line}`),
      ].join('; '),
      ExitCode.Failure,
    );
  }
}

function parseList(value: string): string[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new InvalidArgumentError('expected comma-separated table names');
  return names;
}

function parseTime(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2026-01-02T03:04:05Z');
  return new Date(time).toISOString();
}
