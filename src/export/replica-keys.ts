import type { SyncValue, TableSchema } from '../engine/types.js';
import { keyPositions, keyToJson, toJsonValue } from '../engine/values.js';

/** The delete log's RecordId: the key's value for a one-column key, JSON of the key for a composite one. */
export function recordIdOf(table: TableSchema, values: readonly SyncValue[]): string {
  const [only] = keyPositions(table);
  if (table.primaryKey.length === 1 && only !== undefined) return String(toJsonValue(values[only] ?? null));
  return JSON.stringify(keyToJson(table, values));
}

/** A row of `table` holding only a key (in primary-key order): what a delete needs. */
export function valuesWithKey(table: TableSchema, key: readonly SyncValue[]): SyncValue[] {
  return table.columns.map((column) => {
    const index = table.primaryKey.indexOf(column.name);
    return index < 0 ? null : (key[index] ?? null);
  });
}
