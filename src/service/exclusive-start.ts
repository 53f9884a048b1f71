import type { HubsyncError } from '../errors.js';
import { isActive, type InstanceState, type OrchestrationClient } from './orchestration-client.js';

/**
 * Starts an orchestration under a fixed instance id unless that instance is active; `busy` makes
 * the error then (409). The status check answers the common case; the fixed id settles a race
 * between two starters: the task hub refuses the second start of an active id, and the loser finds
 * the winner's instance active when it looks again.
 */
export async function startExclusive(
  client: OrchestrationClient,
  orchestration: string,
  instanceId: string,
  input: unknown,
  busy: (active: InstanceState) => HubsyncError,
): Promise<void> {
  const throwIfActive = async (): Promise<void> => {
    const instance = await client.getInstance(instanceId);
    if (isActive(instance)) throw busy(instance);
  };
  await throwIfActive();
  try {
    await client.start(orchestration, instanceId, input);
  } catch (error) {
    await throwIfActive();
    throw error;
  }
}
