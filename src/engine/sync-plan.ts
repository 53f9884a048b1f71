import { ErrorCode, HubsyncError } from '../errors.js';
import type { ConflictPolicy, SyncGroup, TableSelection } from './group.js';
import { assertNamesFitMembers } from './name-case-clashes.js';
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

export function policyFor(group: SyncGroup, table: string): ConflictPolicy {
  return group.tables.find((selection) => selection.name === table)?.conflictPolicy ?? group.conflictPolicy;
}

function planTable(
  group: SyncGroup,
  selection: TableSelection,
  hubTables: readonly TableInfo[],
  warnings: PlanWarning[],
): TableSchema {
  const info = hubTables.find((table) => table.name === selection.name);
  if (!info) {
    const similar = hubTables.find((table) => table.name.toLowerCase() === selection.name.toLowerCase());
    const hint = similar ? ` (did you mean "${similar.name}"?)` : '';
    throw new HubsyncError(
      ErrorCode.TableNotFound,
      `table "${selection.name}" does not exist in hub "${group.hub.name}"${hint}`,
    );
  }
  if (info.primaryKey.length === 0) {
    throw new HubsyncError(
      ErrorCode.NoPrimaryKey,
      `table "${info.name}" has no primary key; hubsync matches rows across databases by primary key`,
    );
  }
  for (const note of info.notes ?? []) warnings.push({ table: info.name, column: '', message: note });
  const selected = selectedColumnNames(selection, info);
  for (const key of info.primaryKey) {
    if (!selected.has(key)) {
      throw new HubsyncError(
        ErrorCode.PrimaryKeyColumnExcluded,
        `table "${info.name}": primary-key column "${key}" must be among the synced columns`,
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
          `table "${info.name}": primary-key column "${column.name}" has ${unsyncableType(column)}, which hubsync cannot sync`,
        );
      }
      warnings.push({ table: info.name, column: column.name, message: skippedMessage(column) });
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
  return { name: info.name, columns, primaryKey: [...info.primaryKey], indexes };
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
      throw new HubsyncError(ErrorCode.ColumnNotFound, `table "${info.name}" has no column "${name}"`);
    }
  }
  return new Set(selection.columns);
}
