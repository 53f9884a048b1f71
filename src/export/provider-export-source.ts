import type { SyncGroup } from '../engine/group.js';
import type { Change, Cursor, Provider, Stamp } from '../engine/provider.js';
import { planSchema } from '../engine/sync-plan.js';
import type { SyncValue, TableSchema } from '../engine/types.js';
import type { ExportProfile, ExportTableSelection } from './export-profile.js';
import type { ExportSource } from './export-source.js';
import type { SqlRowReader } from './sql/sql-row-reader.js';

/**
 * No writer ever tags its changes with this scope, so reading with it excludes nothing: an export
 * copies local writes and changes a sync group brought in alike.
 */
const exportScope = 'hubsync-export';

/** A database source tracked exactly as a hub is: the provider's triggers, watermark and (stamp, key) reads. */
export class ProviderExportSource implements ExportSource {
  constructor(
    private readonly profile: ExportProfile,
    private readonly provider: Provider,
    private readonly rows: SqlRowReader,
  ) {}

  async describe(selection: readonly ExportTableSelection[]): Promise<TableSchema[]> {
    // The sync plan's checks, with the source in the hub's place and no members to fit.
    const group: SyncGroup = {
      name: this.profile.name,
      hub: this.profile.source,
      members: [],
      conflictPolicy: 'hubWins',
      tables: selection,
      batchSize: this.profile.batchSize,
    };
    return [...planSchema(group, await this.provider.introspect()).tables];
  }

  track(tables: readonly TableSchema[]): Promise<void> {
    return this.provider.provision(tables);
  }

  async watermark(): Promise<Stamp> {
    return (await this.provider.watermark()).stamp;
  }

  readChanges(table: TableSchema, after: Cursor, before: Stamp, limit: number): Promise<Change[]> {
    return this.provider.readChanges({ table, after, before, excludeScope: exportScope, limit });
  }

  readRows(table: TableSchema, keys: readonly (readonly SyncValue[])[]): Promise<(SyncValue[] | null)[]> {
    return this.rows.read(table, keys);
  }

  untrack(): Promise<void> {
    return this.provider.deprovision();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.provider.close(), this.rows.close()]);
  }
}
