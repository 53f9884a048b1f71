import { logicalTypeName } from '../engine/logical-type-name.js';
import { canHold } from '../engine/type-capacity.js';
import type { ColumnSchema, LogicalType, TableSchema } from '../engine/types.js';
import { sinkColumns, type ReplicaSchemaChange } from './export-target.js';

/** What a run must do to a replica table before writing to it. */
export type ReplicaSchemaPlan = { readonly kind: 'unchanged' } | ReplicaSchemaChange | { readonly kind: 'refused'; readonly reason: string };

/**
 * Compare the source columns the replica was built from with the source's columns now: new
 * columns are added, widened ones widened; a narrowed or retyped column, or a changed primary
 * key, cannot be followed without altering values already exported, so the table stops with
 * the reason. A column dropped at the source stays in the replica (its rows keep their values).
 */
export function planReplicaSchema(recorded: readonly ColumnSchema[] | null, current: TableSchema): ReplicaSchemaPlan {
  const clash = current.columns.find((column) => (Object.values(sinkColumns) as string[]).includes(column.name));
  if (clash) return { kind: 'refused', reason: `column "${clash.name}" has the name of a column every exported table gets` };
  if (recorded === null) return { kind: 'create' };
  const recordedKey = recorded.filter((column) => current.primaryKey.includes(column.name)).length;
  if (recordedKey !== current.primaryKey.length) {
    return { kind: 'refused', reason: `the primary key changed at the source to (${current.primaryKey.join(', ')})` };
  }
  const added: ColumnSchema[] = [];
  const widened: ColumnSchema[] = [];
  for (const column of current.columns) {
    const before = recorded.find((candidate) => candidate.name === column.name);
    if (before === undefined) added.push(column);
    else if (JSON.stringify(before.type) !== JSON.stringify(column.type)) {
      const refusal = widening(before.type, column.type);
      if (refusal !== true) return { kind: 'refused', reason: `column "${column.name}" ${refusal}` };
      if (current.primaryKey.includes(column.name)) {
        return { kind: 'refused', reason: `primary-key column "${column.name}" was widened; re-create the destination table` };
      }
      widened.push(column);
    }
  }
  return added.length === 0 && widened.length === 0 ? { kind: 'unchanged' } : { kind: 'alter', added, widened };
}

const integerWidth: Partial<Record<LogicalType['kind'], number>> = { int16: 1, int32: 2, int64: 3 };

/** True when `after` is the same kind of type as `before` (or a wider integer) and holds every value of it. */
function widening(before: LogicalType, after: LogicalType): true | string {
  const change = `changed from ${logicalTypeName(before)} to ${logicalTypeName(after)} at the source`;
  const sameFamily = before.kind === after.kind || ((integerWidth[before.kind] ?? 0) > 0 && (integerWidth[after.kind] ?? 0) > 0);
  if (!sameFamily) return `${change}: a retyped column cannot be followed; re-create the destination table`;
  if (canHold(after, before) !== true) return `${change}: a narrowed column cannot be followed without cutting exported values`;
  return true;
}
