import { randomUUID } from 'node:crypto';
import type { TableSchema } from '../engine/types.js';
import type { ExportContext } from './export-context.js';
import { deleteLogName, replicaTableName } from './export-profile.js';
import type { ExportRunKind, ExportRunRecord, ExportTableRun } from './export-state.js';
import { exportTable, pastDeadline } from './export-table.js';

export interface ExportRunResult extends ExportRunRecord {
  readonly durationMs: number;
  /** Some table has changes below the watermark left: the deadline came first. */
  readonly more: boolean;
}

/** Latency samples older than this are dropped; status reports the last hour. */
const latencyKeptMs = 24 * 3600_000;

/**
 * One run of a profile: the first copies every selected table, later ones move what changed
 * since. `tables` narrows the run to some of the profile's tables.
 */
export function runExport(context: ExportContext, tables?: readonly string[]): Promise<ExportRunResult> {
  return recordedRun(context, 'run', async (source) => {
    const runs: ExportTableRun[] = [];
    const before = await context.source.watermark();
    const recorded = await context.target.recorded(context.profile.name);
    const saved = new Map((await context.state.listTables(context.profile.name)).map((entry) => [entry.table, entry]));
    for (const table of selected(source, tables)) {
      // Past the deadline, a call that has written something leaves the next table for the next call.
      const progressed = runs.some((run) => run.exported + run.failed > 0);
      if (progressed && pastDeadline(context)) runs.push({ table: table.name, exported: 0, failed: 0, resolved: 0, stopped: null, more: true });
      else runs.push(await exportTable(context, { table, recorded: recorded.get(table.name), saved: saved.get(table.name), before }));
    }
    await dropRemovedTables(context, source, [...recorded.keys()]);
    return runs;
  });
}

/**
 * Run `work` with the source's tables described and tracked and the destination prepared,
 * recording the run (running, then its outcome) in the state store.
 */
export async function recordedRun(
  context: ExportContext,
  kind: ExportRunKind,
  work: (tables: readonly TableSchema[]) => Promise<ExportTableRun[]>,
): Promise<ExportRunResult> {
  const { profile, state } = context;
  const started = Date.now();
  const record: ExportRunRecord = {
    profile: profile.name,
    runId: randomUUID(),
    kind,
    status: 'running',
    startedAt: new Date(started).toISOString(),
    finishedAt: null,
    tables: [],
    error: null,
  };
  await state.saveRun(record);
  try {
    const tables = await context.source.describe(profile.tables);
    await context.source.track(tables);
    await context.target.prepare(deleteLogName(profile));
    const runs = await work(tables);
    const troubled = runs.some((run) => run.failed > 0 || run.stopped !== null);
    const finished = { ...record, status: troubled ? 'succeededWithFailures' : 'succeeded', finishedAt: new Date().toISOString(), tables: runs } as const;
    await state.saveRun(finished);
    await housekeeping(context);
    return { ...finished, durationMs: Date.now() - started, more: runs.some((run) => run.more) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await state.saveRun({ ...record, status: 'failed', finishedAt: new Date().toISOString(), error: message.replace(/\s*\n\s*/g, ' ') });
    throw error;
  }
}

export function selected(tables: readonly TableSchema[], only: readonly string[] | undefined): readonly TableSchema[] {
  return only === undefined ? tables : tables.filter((table) => only.includes(table.name));
}

/** A table taken out of the profile keeps its destination table unless the profile asks for `dropDestination`. */
async function dropRemovedTables(context: ExportContext, tables: readonly TableSchema[], recorded: readonly string[]): Promise<void> {
  if (!context.profile.dropDestination) return;
  const kept = new Set(tables.map((table) => table.name));
  for (const name of recorded.filter((table) => !kept.has(table))) {
    const source: TableSchema = { name, columns: [], primaryKey: [], indexes: [] };
    await context.target.dropReplica(context.profile.name, { name: replicaTableName(context.profile, name), source });
  }
}

async function housekeeping(context: ExportContext): Promise<void> {
  const { profile, state } = context;
  const now = Date.now();
  await state.purgeFailures(profile.name, new Date(now - profile.failureRetentionDays * 86_400_000).toISOString());
  await state.pruneLatency(profile.name, new Date(now - latencyKeptMs).toISOString());
}
