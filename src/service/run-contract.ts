import { randomBytes } from 'node:crypto';

/**
 * The contract between the service and the sync orchestration: the service starts the
 * orchestration by this name, with this input, under this instance id. One instance id per group
 * is what makes "one run per group at a time" hold: the task hub refuses to start an id that is
 * still active, so two starters racing cannot both win.
 */
export const syncGroupRunOrchestration = 'syncGroupRun';

export interface SyncGroupRunInput {
  readonly group: string;
  readonly runId: string;
}

export function runInstanceId(group: string): string {
  return `syncgroup-${group}`;
}

/** Sortable by start time, unique, and a valid route name. */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '').replace('T', 't').replace('Z', 'z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

export function readRunInput(value: unknown): SyncGroupRunInput | null {
  if (typeof value !== 'object' || value === null) return null;
  const { group, runId } = value as Record<string, unknown>;
  return typeof group === 'string' && typeof runId === 'string' ? { group, runId } : null;
}
