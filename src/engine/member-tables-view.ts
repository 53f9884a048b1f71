import { ErrorCode, HubsyncError } from '../errors.js';
import type { MemberDefinition, SyncGroup } from './group.js';
import type { Provider } from './provider.js';
import { inDatabase, tableId, withoutDefaultSchema, type TableName } from './table-name.js';
import type { TableSchema } from './types.js';

/**
 * Where one member keeps each synced table: under the hub's schema and name unless the group maps
 * it (memberNames). Built from the configuration alone, so a table that cannot exist on the
 * member stops a run before any database is opened or changed.
 */
export class MemberTableNames {
  /** By the table's id on the hub: its name there and on the member. */
  private readonly byHubId = new Map<string, { readonly hub: TableName; readonly member: TableName }>();
  /** The hub's id of each table by its id on the member. */
  private readonly hubIdByLocalId = new Map<string, string>();

  constructor(group: SyncGroup, member: MemberDefinition) {
    const where = `member "${member.name}"`;
    for (const selection of group.tables) {
      const hub = withoutDefaultSchema(selection, group.hub.provider);
      const mapped = selection.memberNames?.[member.name];
      const onMember =
        mapped === undefined
          ? inDatabase(hub, member.provider, where, ' (give the table a name there with "memberNames", see README)')
          : inDatabase(mapped, member.provider, where);
      const localId = tableId(onMember);
      const other = this.hubIdByLocalId.get(localId);
      if (other !== undefined) {
        throw new HubsyncError(
          ErrorCode.ConfigInvalid,
          `${where}: tables "${other}" and "${tableId(hub)}" would both be table "${localId}" there; give one another name with "memberNames"`,
        );
      }
      this.byHubId.set(tableId(hub), { hub, member: onMember });
      this.hubIdByLocalId.set(localId, tableId(hub));
    }
  }

  /** Whether every table keeps its hub name on the member. */
  get identity(): boolean {
    return [...this.hubIdByLocalId].every(([localId, hubId]) => localId === hubId);
  }

  /** The hub's table addressed to the member. A table outside the group passes unchanged. */
  locate<T extends TableName>(table: T): T {
    const names = this.byHubId.get(tableId(table));
    return names === undefined ? table : renamed(table, names.member);
  }

  /**
   * A member table as the hub names it. Null for a member table that only shares its name with a
   * synced table the member keeps elsewhere: it is not that table.
   */
  onHub<T extends TableName>(table: T): T | null {
    const hubId = this.hubIdByLocalId.get(tableId(table));
    if (hubId !== undefined) {
      const names = this.byHubId.get(hubId);
      return names === undefined ? null : renamed(table, names.hub);
    }
    return this.byHubId.has(tableId(table)) ? null : table;
  }

  /** A member's id of a table (a positions key, a tracked table) as the hub names it, or null (see onHub). */
  hubIdOf(localId: string): string | null {
    return this.hubIdByLocalId.get(localId) ?? (this.byHubId.has(localId) ? null : localId);
  }
}

function renamed<T extends TableName>(table: T, to: TableName): T {
  const { schema: _schema, ...rest } = table;
  // Only the name fields differ, so the result is still a T.
  return { ...rest, ...to } as T;
}

/**
 * The member's provider as the engine sees it: every table addressed by its hub name, every table
 * name it returns translated back. The engine never needs to know that a member calls a table
 * something else; the member's own records (tracked tables, positions) use the member's names.
 */
export function memberTablesView(names: MemberTableNames, provider: Provider): Provider {
  if (names.identity) return provider;
  const hubKeys = <V>(entries: Iterable<readonly [string, V]>): Map<string, V> =>
    new Map([...entries].flatMap(([localId, value]) => {
      const hubId = names.hubIdOf(localId);
      return hubId === null ? [] : [[hubId, value] as const];
    }));
  return {
    engine: provider.engine,
    capabilities: provider.capabilities,
    introspect: async () => (await provider.introspect()).flatMap((info) => names.onHub(info) ?? []),
    createTable: (table: TableSchema) => provider.createTable(names.locate(table)),
    provision: (tables: readonly TableSchema[]) => provider.provision(tables.map((table) => names.locate(table))),
    provisionedTables: async () => [...hubKeys((await provider.provisionedTables()).map((id) => [id, id] as const)).keys()],
    deprovision: () => provider.deprovision(),
    watermark: () => provider.watermark(),
    readChanges: (request) => provider.readChanges({ ...request, table: names.locate(request.table) }),
    changedTables: async (request) => {
      const located = request.tables.map((entry) => ({ ...entry, table: names.locate(entry.table) }));
      const changed = await provider.changedTables({ ...request, tables: located });
      return new Set(
        request.tables.flatMap((entry, index) => {
          const local = located[index];
          return local !== undefined && changed.has(tableId(local.table)) ? [tableId(entry.table)] : [];
        }),
      );
    },
    openSnapshot: (request) => provider.openSnapshot({ ...request, table: names.locate(request.table) }),
    bulkLoad: (request) => provider.bulkLoad({ ...request, table: names.locate(request.table) }),
    readRows: (request) => provider.readRows({ ...request, table: names.locate(request.table) }),
    readPositions: async (sourceScope) => hubKeys(await provider.readPositions(sourceScope)),
    applyChanges: (request) => provider.applyChanges({ ...request, table: names.locate(request.table) }),
    close: () => provider.close(),
  };
}
