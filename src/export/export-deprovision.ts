import type { ExportContext } from './export-context.js';
import { deleteLogName, replicaTableName } from './export-profile.js';

export interface DeprovisionOptions {
  /** Drop the replica tables and the delete log too (default: they stay, with their data). */
  readonly dropDestination: boolean;
  /** Remove the source's change tracking too: shared with any sync group whose hub is that database. */
  readonly sourceTracking: boolean;
}

/** Delete a profile from its databases: its positions always, its tables and the source tracking when asked. */
export async function deprovisionExport(context: ExportContext, options: DeprovisionOptions): Promise<void> {
  const { profile, target } = context;
  // A profile that never ran has no position table yet; made here, it goes again below when empty.
  await target.prepare(null);
  if (options.dropDestination) {
    for (const table of profile.tables) {
      await target.dropReplica(profile.name, { name: replicaTableName(profile, table.name), source: { name: table.name, columns: [], primaryKey: [], indexes: [] } });
    }
  }
  await target.dropProfile(profile.name, options.dropDestination ? deleteLogName({ ...profile, writeDeleteLog: true }) : null);
  if (options.sourceTracking) await context.source.untrack();
}
