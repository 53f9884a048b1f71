import type { StateStore } from '../engine/state-store.js';

/**
 * Whether the API cancelled this run. Terminating the run's orchestration stops neither an activity
 * already running nor the sub-orchestrations it started (Durable Functions terminates only the
 * instance named), so every step asks first and does nothing for a cancelled run.
 */
export async function isRunCancelled(store: StateStore, group: string, runId: string): Promise<boolean> {
  return (await store.getRun(group, runId))?.status === 'cancelled';
}
