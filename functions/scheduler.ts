import { app, type InvocationContext, type Timer } from '@azure/functions';
import { durableClientInput, orchestrationClient } from '../src/service/orchestration-client.js';
import { startDueGroups } from '../src/service/scheduler.js';
import { serviceStateStore } from '../src/service/service-context.js';

/** Starts every scheduled group that is due and not running; the schedule is the app setting's. */
export async function runScheduler(_timer: Timer, context: InvocationContext): Promise<void> {
  const deps = { store: await serviceStateStore(), client: orchestrationClient(context), now: () => new Date() };
  const outcome = await startDueGroups(deps);
  for (const { group, runId } of outcome.started) context.info(JSON.stringify({ event: 'runStarted', group, runId }));
  for (const group of outcome.skipped) context.info(JSON.stringify({ event: 'runSkipped', group, reason: 'in progress' }));
  for (const { group, message } of outcome.failed) context.warn(JSON.stringify({ event: 'runNotStarted', group, message }));
}

app.timer('scheduler', { schedule: '%HUBSYNC_SCHEDULER%', extraInputs: [durableClientInput], handler: runScheduler });
