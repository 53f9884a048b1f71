import type { SyncGroup } from '../engine/group.js';
import { maxKeysPerRead, type Change, type Cursor, type Provider, type Stamp } from '../engine/provider.js';
import { planSchema } from '../engine/sync-plan.js';
import type { SyncValue, TableSchema } from '../engine/types.js';
import { keyValues, toJsonValue } from '../engine/values.js';
import type { ExportProfile, ExportTableSelection } from './export-profile.js';
import type { ExportSource } from './export-source.js';

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
      retryCount: this.profile.retryCount,
      retryIntervalSeconds: this.profile.retryIntervalSeconds,
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

  /** The current rows through the source's tracking, so a row deleted since reads as null. */
  async readRows(table: TableSchema, keys: readonly (readonly SyncValue[])[]): Promise<(SyncValue[] | null)[]> {
    const found = new Map<string, readonly SyncValue[]>();
    for (let start = 0; start < keys.length; start += maxKeysPerRead) {
      const chunk = keys.slice(start, start + maxKeysPerRead);
      for (const change of await this.provider.readRows({ table, keys: chunk, excludeScope: exportScope })) {
        if (change.operation !== 'delete') found.set(keyText(keyValues(table, change.values)), change.values);
      }
    }
    return keys.map((key) => {
      const values = found.get(keyText(key));
      return values === undefined ? null : [...values];
    });
  }

  untrack(): Promise<void> {
    return this.provider.deprovision();
  }

  close(): Promise<void> {
    return this.provider.close();
  }
}

function keyText(key: readonly SyncValue[]): string {
  return JSON.stringify(key.map(toJsonValue));
}
