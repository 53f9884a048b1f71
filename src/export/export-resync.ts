import { cursorAfter, streamStart } from '../engine/cursor.js';
import type { Stamp } from '../engine/provider.js';
import type { SyncValue } from '../engine/types.js';
import type { ExportContext } from './export-context.js';
import { retryFailures } from './export-failures.js';
import { deleteLogName } from './export-profile.js';
import { recordedRun, runExport, selected, type ExportRunResult } from './export-run.js';
import type { ExportTableRun } from './export-state.js';
import type { ReplicaTable } from './export-target.js';
import { replicaOf } from './export-table.js';
import { valuesWithKey } from './replica-keys.js';

/** `resync failed`: every failed record of these tables (default: all) is tried once now, with the source's current row. */
export function resyncFailed(context: ExportContext, tables?: readonly string[]): Promise<ExportRunResult> {
  return recordedRun(context, 'resyncFailed', async (described) => {
    const runs: ExportTableRun[] = [];
    for (const table of selected(described, tables)) {
      const retried = await retryFailures(context, replicaOf(context, table), 'all');
      const left = await context.state.listFailures(context.profile.name, { tables: [table.name] });
      runs.push({ table: table.name, exported: retried.exported, failed: left.length, resolved: retried.resolved, stopped: null, more: false });
    }
    return runs;
  });
}

/**
 * `resync all`: re-export tables (default: all) without dropping them. A run first brings each
 * table up to the watermark; then every row below it is written again from the source, and
 * destination rows the source no longer has are deleted. Positions are never moved back, so an
 * interrupted resync leaves the export exactly as current as before, never behind.
 */
export async function resyncAll(context: ExportContext, tables?: readonly string[]): Promise<ExportRunResult> {
  const delta = await runExport(context, tables);
  const stopped = new Set(delta.tables.filter((run) => run.stopped !== null).map((run) => run.table));
  return recordedRun(context, 'resyncAll', async (described) => {
    const before = await context.source.watermark();
    const runs: ExportTableRun[] = [];
    for (const table of selected(described, tables)) {
      if (stopped.has(table.name)) continue;
      const replica = replicaOf(context, table);
      const rewritten = await rewriteAll(context, replica, before);
      const removed = await removeMissing(context, replica, before);
      runs.push({ table: table.name, exported: rewritten + removed, failed: 0, resolved: 0, stopped: null, more: false });
    }
    return runs;
  });
}

/** Every live row with a change below `before`, written again (deletes are left to removeMissing). */
async function rewriteAll(context: ExportContext, replica: ReplicaTable, before: Stamp): Promise<number> {
  let after = streamStart;
  let written = 0;
  for (;;) {
    const changes = await context.source.readChanges(replica.source, after, before, context.profile.batchSize);
    const upserts = changes.filter((change) => change.operation !== 'delete');
    if (upserts.length > 0) {
      const result = await context.target.apply({ profile: context.profile.name, replica, upserts, deletes: [], deleteLog: null, position: null });
      written += result.applied;
      context.onBatch?.(replica.source.name, result.applied, changes.length === context.profile.batchSize);
    }
    if (changes.length < context.profile.batchSize) return written;
    after = cursorAfter(replica.source, changes);
  }
}

/** Destination rows whose key the source no longer has are deleted (and logged, VersionNumber the watermark, when the profile keeps a delete log). */
async function removeMissing(context: ExportContext, replica: ReplicaTable, before: Stamp): Promise<number> {
  const { batchSize } = context.profile;
  let after: SyncValue[] | null = null;
  let removed = 0;
  for (;;) {
    const keys = await context.target.listKeys(replica, after, batchSize);
    const rows = await context.source.readRows(replica.source, keys);
    const missing = keys.filter((_, index) => rows[index] === null);
    if (missing.length > 0) {
      const deletes = missing.map((key) => ({ values: valuesWithKey(replica.source, key), stamp: before }));
      const result = await context.target.apply({
        profile: context.profile.name,
        replica,
        upserts: [],
        deletes,
        deleteLog: deleteLogName(context.profile),
        position: null,
      });
      removed += result.applied;
    }
    const last = keys[keys.length - 1];
    if (keys.length < batchSize || last === undefined) return removed;
    after = last;
  }
}
