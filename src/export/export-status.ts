import type { ExportProfile } from './export-profile.js';
import { replicaTableName } from './export-profile.js';
import type { ExportRunRecord, ExportStateStore } from './export-state.js';

export interface ExportStatus {
  readonly profile: string;
  readonly lastRun: ExportRunRecord | null;
  readonly tables: readonly ExportTableStatus[];
}

export interface ExportTableStatus {
  readonly table: string;
  /** The destination table it is written to. */
  readonly destination: string;
  readonly rowsExported: number;
  /** Records out of tries (`resync failed` writes them). */
  readonly failedRecords: number;
  /** Records rejected and waiting for their next try. */
  readonly retryingRecords: number;
  readonly lastSuccessAt: string | null;
  readonly stoppedReason: string | null;
  /** Source commit to destination commit over the last hour; null when nothing was exported in it. */
  readonly latency: { readonly p50Ms: number; readonly p95Ms: number; readonly samples: number } | null;
}

const latencyWindowMs = 3600_000;

/** Status from the state store alone: no database is opened, so it answers while a database is down. */
export async function exportStatus(profile: ExportProfile, state: ExportStateStore, now: Date = new Date()): Promise<ExportStatus> {
  const saved = new Map((await state.listTables(profile.name)).map((entry) => [entry.table, entry]));
  const failures = await state.listFailures(profile.name);
  const since = new Date(now.getTime() - latencyWindowMs).toISOString();
  const tables: ExportTableStatus[] = [];
  for (const { name } of profile.tables) {
    const entry = saved.get(name);
    const ofTable = failures.filter((failure) => failure.table === name);
    tables.push({
      table: name,
      destination: replicaTableName(profile, name),
      rowsExported: entry?.rowsExported ?? 0,
      failedRecords: ofTable.filter((failure) => failure.status === 'failed').length,
      retryingRecords: ofTable.filter((failure) => failure.status === 'retrying').length,
      lastSuccessAt: entry?.lastSuccessAt ?? null,
      stoppedReason: entry?.stoppedReason ?? null,
      latency: percentiles(await state.listLatency(profile.name, name, since)),
    });
  }
  const [lastRun = null] = await state.listRuns(profile.name, 1);
  return { profile: profile.name, lastRun, tables };
}

/** Nearest-rank percentiles. */
function percentiles(samples: readonly number[]): ExportTableStatus['latency'] {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((left, right) => left - right);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return { p50Ms: rank(50), p95Ms: rank(95), samples: sorted.length };
}
