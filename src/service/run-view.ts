import type { MemberRunSummary, RunRecord } from '../engine/state-store.js';
import type { InstanceState } from './orchestration-client.js';

/** A run as the API shows it (issue 8's shape, exactly these keys). */
export interface RunView {
  readonly runId: string;
  readonly status: 'running' | 'succeeded' | 'succeededWithFailures' | 'failed' | 'cancelled';
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly members: readonly MemberRunSummary[];
  readonly error: string | null;
}

export function runView(run: RunRecord): RunView {
  // The API has no "abandoned": to a caller a run whose process was killed has failed.
  const abandoned = run.status === 'abandoned';
  return {
    runId: run.runId,
    status: abandoned ? 'failed' : run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    members: run.members.map(({ name, uploaded, downloaded, conflicts, failed }) => ({ name, uploaded, downloaded, conflicts, failed })),
    error: abandoned ? (run.error ?? 'the run was interrupted before it finished') : run.error,
  };
}

/** A run the orchestration has not recorded yet, known only from its active instance. */
export function startingRun(group: string, runId: string, instance: InstanceState): RunRecord {
  return {
    group,
    runId,
    status: 'running',
    startedAt: instance.createdTime.toISOString(),
    finishedAt: null,
    members: [],
    error: null,
  };
}
