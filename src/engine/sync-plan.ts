import { ErrorCode, HubsyncError } from '../errors.js';
import type { ConflictPolicy, SyncGroup, TableSelection } from './group.js';
import { assertNamesFitMembers } from './name-case-clashes.js';
import { inDatabase, sameTable, tableId, withoutDefaultSchema, type TableName } from './table-name.js';
import type { ColumnInfo, ColumnSchema, TableInfo, TableSchema } from './types.js';

export interface PlanWarning {
  readonly table: string;
  /** Empty when the warning is about the whole table. */
  readonly column: string;
  readonly message: string;
}

export interface SyncPlan {
  readonly tables: readonly TableSchema[];
  readonly warnings: readonly PlanWarning[];
}

/**
 * Turn the group's table selection into validated table schemas, using the hub's catalogue as the
 * single source of names: nothing the user typed reaches SQL unless it matched a real name.
 */
export function planSchema(group: SyncGroup, hubTables: readonly TableInfo[]): SyncPlan {
  const warnings: PlanWarning[] = [];
  const tables = group.tables.map((selection) => planTable(group, selection, hubTables, warnings));
  assertNamesFitMembers(group, tables);
  return { tables, warnings };
}

/** The policy for a synced table, named by its tableId. */
export function policyFor(group: SyncGroup, table: string): ConflictPolicy {
  return selectionOf(group, table)?.conflictPolicy ?? group.conflictPolicy;
}

/** The group's entry for a synced table, named by its tableId. */
function selectionOf(group: SyncGroup, table: string): TableSelection | undefined {
  return group.tables.find((selection) => tableId(withoutDefaultSchema(selection, group.hub.provider)) === table);
}

function planTable(
  group: SyncGroup,
  selection: TableSelection,
  hubTables: readonly TableInfo[],
  warnings: PlanWarning[],
): TableSchema {
  const wanted = inDatabase(selection, group.hub.provider, `hub "${group.hub.name}"`);
  const info = hubTables.find((table) => sameTable(table, wanted));
  if (!info) throw notInHub(group, wanted, hubTables);
  const id = tableId(info);
  if (info.primaryKey.length === 0) {
    throw new HubsyncError(
      ErrorCode.NoPrimaryKey,
      `table "${id}" has no primary key; hubsync matches rows across databases by primary key`,
    );
  }
  for (const note of info.notes ?? []) warnings.push({ table: id, column: '', message: note });
  const selected = selectedColumnNames(selection, info);
  for (const key of info.primaryKey) {
    if (!selected.has(key)) {
      throw new HubsyncError(
        ErrorCode.PrimaryKeyColumnExcluded,
        `table "${id}": primary-key column "${key}" must be among the synced columns`,
      );
    }
  }
  const columns: ColumnSchema[] = [];
  for (const column of info.columns) {
    if (!selected.has(column.name)) continue;
    if (column.type === null) {
      if (info.primaryKey.includes(column.name)) {
        throw new HubsyncError(
          ErrorCode.SchemaMismatch,
          `table "${id}": primary-key column "${column.name}" has ${unsyncableType(column)}, which hubsync cannot sync`,
        );
      }
      warnings.push({ table: id, column: column.name, message: skippedMessage(column) });
      continue;
    }
    columns.push({
      name: column.name,
      type: column.type,
      nullable: column.nullable,
      ...(column.identity === undefined ? {} : { identity: column.identity }),
    });
  }
  const synced = new Set(columns.map((column) => column.name));
  const indexes = info.indexes.filter((index) => index.columns.every((name) => synced.has(name)));
  return { ...(info.schema === undefined ? {} : { schema: info.schema }), name: info.name, columns, primaryKey: [...info.primaryKey], indexes };
}

/** Says whether the schema or only the table is unknown, and which table was probably meant. */
function notInHub(group: SyncGroup, wanted: TableName, hubTables: readonly TableInfo[]): HubsyncError {
  const hub = `hub "${group.hub.name}"`;
  if (wanted.schema !== undefined && !hubTables.some((table) => table.schema === wanted.schema)) {
    return new HubsyncError(
      ErrorCode.TableNotFound,
      `table "${tableId(wanted)}" does not exist in ${hub}: it has no schema "${wanted.schema}" with tables`,
    );
  }
  const folded = tableId(wanted).toLowerCase();
  const similar = hubTables.find((table) => tableId(table).toLowerCase() === folded);
  const hint = similar ? ` (did you mean "${tableId(similar)}"?)` : '';
  return new HubsyncError(ErrorCode.TableNotFound, `table "${tableId(wanted)}" does not exist in ${hub}${hint}`);
}

/**
 * A generated column is computed by its database and cannot be written, so it is left out on
 * purpose: a member table hubsync creates does not get it, a member that has one computes its own.
 */
function skippedMessage(column: ColumnInfo): string {
  if (column.generated === true) {
    return `column "${column.name}" is a generated column, computed by each database; it is never synced`;
  }
  return `column "${column.name}" has ${unsyncableType(column)} and cannot be synced; it is skipped`;
}

/** How messages name the type of a column hubsync cannot sync; a SQLite column may have none at all. */
export function unsyncableType(column: ColumnInfo): string {
  return column.nativeType.trim() === '' ? 'no declared type' : `type ${column.nativeType}`;
}

function selectedColumnNames(selection: TableSelection, info: TableInfo): Set<string> {
  if (!selection.columns) return new Set(info.columns.map((column) => column.name));
  const known = new Set(info.columns.map((column) => column.name));
  for (const name of selection.columns) {
    if (!known.has(name)) {
      throw new HubsyncError(ErrorCode.ColumnNotFound, `table "${tableId(info)}" has no column "${name}"`);
    }
  }
  return new Set(selection.columns);
}
