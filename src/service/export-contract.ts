/**
 * The contract between the service and the export orchestration, as run-contract.ts is for sync
 * runs: one instance id per profile, so the task hub refuses a second run (or resync) of a
 * profile while one is going.
 */
export const exportProfileRunOrchestration = 'exportProfileRun';

/** `run`: the delta (the initial copy on the first run); the resyncs as `hubsync export resync`. */
export type ExportRunMode = 'run' | 'resyncFailed' | 'resyncAll';

export interface ExportProfileRunInput {
  readonly profile: string;
  readonly runId: string;
  readonly mode: ExportRunMode;
  /** Null: every table of the profile. */
  readonly tables: readonly string[] | null;
}

export function exportInstanceId(profile: string): string {
  return `exportprofile-${profile}`;
}

export function readExportRunInput(value: unknown): Pick<ExportProfileRunInput, 'runId'> | null {
  if (typeof value !== 'object' || value === null) return null;
  const { runId } = value as Record<string, unknown>;
  return typeof runId === 'string' ? { runId } : null;
}
