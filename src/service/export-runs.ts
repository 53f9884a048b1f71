import { ErrorCode, HubsyncError } from '../errors.js';
import type { ExportFailure } from '../export/export-state.js';
import { exportStatus, type ExportStatus } from '../export/export-status.js';
import { exportInstanceId, exportProfileRunOrchestration, readExportRunInput, type ExportProfileRunInput } from './export-contract.js';
import { requireProfile } from './export-engine.js';
import type { ExportRunRequest } from './export-input.js';
import { startExclusive } from './exclusive-start.js';
import { isActive } from './orchestration-client.js';
import { newRunId } from './run-contract.js';
import type { StartedRun } from './runs.js';
import type { ExportDeps } from './service-deps.js';

/** Starts a run (or resync) of the profile unless one is going: 409 HS_RUN_IN_PROGRESS then. */
export async function startExportRun(deps: ExportDeps, profile: string, request: ExportRunRequest): Promise<StartedRun> {
  await requireProfile(deps.exports, profile);
  const instanceId = exportInstanceId(profile);
  const runId = newRunId(deps.now());
  const input: ExportProfileRunInput = { profile, runId, ...request };
  await startExclusive(deps.client, exportProfileRunOrchestration, instanceId, input, (instance) => {
    const going = readExportRunInput(instance.input)?.runId;
    return new HubsyncError(ErrorCode.RunInProgress, `a run of export profile "${profile}" is in progress`, {
      details: going === undefined ? [] : [{ code: ErrorCode.RunInProgress, target: 'runId', message: `run ${going}` }],
    });
  });
  return { runId, instanceId };
}

/** Status from the state store alone (no database is opened), with whether the profile is active and running. */
export async function exportProfileStatus(
  deps: ExportDeps,
  name: string,
): Promise<ExportStatus & { readonly active: boolean; readonly running: boolean }> {
  const { definition } = await requireProfile(deps.exports, name);
  const status = await exportStatus(definition.profile, deps.exports, deps.now());
  return { ...status, active: definition.active, running: isActive(await deps.client.getInstance(exportInstanceId(name))) };
}

/** Failed and retrying records, oldest first, last tried within [from, to). */
export async function listExportFailures(deps: ExportDeps, name: string, from?: string, to?: string): Promise<ExportFailure[]> {
  await requireProfile(deps.exports, name);
  return deps.exports.listFailures(name, { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
}
