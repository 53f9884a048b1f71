import { app, type InvocationContext, type Timer } from '@azure/functions';
import { durableClientInput } from '../src/service/orchestration-client.js';
import { startDueGroups, startDueProfiles, type SchedulerOutcome } from '../src/service/scheduler.js';
import { exportDeps } from '../src/service/service-deps.js';

/** Starts every scheduled group and active export profile that is due and not running; the tick is the app setting's. */
export async function runScheduler(_timer: Timer, context: InvocationContext): Promise<void> {
  const deps = await exportDeps(context);
  log(context, 'group', await startDueGroups(deps));
  log(context, 'profile', await startDueProfiles(deps));
}

function log(context: InvocationContext, subject: 'group' | 'profile', outcome: SchedulerOutcome): void {
  const prefix = subject === 'group' ? 'run' : 'exportRun';
  for (const { group, runId } of outcome.started) context.info(JSON.stringify({ event: `${prefix}Started`, [subject]: group, runId }));
  for (const name of outcome.skipped) context.info(JSON.stringify({ event: `${prefix}Skipped`, [subject]: name, reason: 'in progress' }));
  for (const { group, message } of outcome.failed) context.warn(JSON.stringify({ event: `${prefix}NotStarted`, [subject]: group, message }));
}

app.timer('scheduler', { schedule: '%HUBSYNC_SCHEDULER%', extraInputs: [durableClientInput], handler: runScheduler });
