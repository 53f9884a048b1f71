import { ErrorCode, isHubsyncError } from '../errors.js';
import { withHub } from '../engine/group-connections.js';
import { logicalTypeName } from '../engine/logical-type-name.js';
import { planSchema, unsyncableType, type PlanWarning } from '../engine/sync-plan.js';
import type { ColumnInfo, TableInfo } from '../engine/types.js';
import { loadSyncGroup, serviceEngineContext } from './group-engine.js';
import type { ServiceDeps } from './service-deps.js';
import { tableId } from '../engine/table-name.js';

export interface HubColumnView {
  readonly name: string;
  /** `unsupported` when hubsync cannot sync the column's type. */
  readonly logicalType: string;
  readonly nativeType: string;
  readonly nullable: boolean;
  readonly primaryKey: boolean;
  readonly syncable: boolean;
  readonly reason?: string;
}

export interface HubTableView {
  readonly name: string;
  readonly primaryKey: readonly string[];
  readonly syncable: boolean;
  readonly reason?: string;
  readonly columns: readonly HubColumnView[];
}

export interface HubSchemaView {
  readonly tables: readonly HubTableView[];
  /** What syncing the group's current table selection would skip, as `sync` reports it. */
  readonly warnings: readonly PlanWarning[];
  /** Why the group's current selection cannot be synced against this hub; null when it can. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

/**
 * The hub's catalogue as hubsync sees it (the input for choosing a group's tables), checked
 * against the group's current selection with the same planning a run does.
 */
export async function refreshHubSchema(deps: ServiceDeps, groupName: string): Promise<HubSchemaView> {
  const group = await loadSyncGroup(deps.store, groupName);
  const tables = await withHub(group, serviceEngineContext(deps.store), (hub) => hub.introspect());
  const views = tables.map(tableView);
  try {
    return { tables: views, warnings: planSchema(group, tables).warnings, error: null };
  } catch (error) {
    if (!isHubsyncError(error) || !error.isInputError || error.code === ErrorCode.ConnectionFailed) throw error;
    return { tables: views, warnings: [], error: { code: error.code, message: error.message } };
  }
}

function tableView(table: TableInfo): HubTableView {
  const keyless = table.primaryKey.length === 0;
  return {
    // As a group's table list accepts it: "schema.table" outside the default schema.
    name: tableId(table),
    primaryKey: table.primaryKey,
    syncable: !keyless,
    ...(keyless ? { reason: 'no primary key: hubsync matches rows across databases by primary key' } : {}),
    columns: table.columns.map((column) => columnView(table, column)),
  };
}

function columnView(table: TableInfo, column: ColumnInfo): HubColumnView {
  const base = {
    name: column.name,
    nativeType: column.nativeType,
    nullable: column.nullable,
    primaryKey: table.primaryKey.includes(column.name),
  };
  if (column.type === null) {
    return { ...base, logicalType: 'unsupported', syncable: false, reason: `${unsyncableType(column)}, which hubsync cannot sync` };
  }
  return { ...base, logicalType: logicalTypeName(column.type), syncable: true };
}
