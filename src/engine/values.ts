import type { JsonValue } from './state-store.js';
import type { LogicalType, SyncValue, TableSchema } from './types.js';

export function valuesEqual(left: readonly SyncValue[], right: readonly SyncValue[]): boolean {
  return left.length === right.length && left.every((value, index) => valueEquals(value, right[index] ?? null));
}

function valueEquals(left: SyncValue, right: SyncValue): boolean {
  if (left instanceof Uint8Array && right instanceof Uint8Array) return Buffer.from(left).equals(Buffer.from(right));
  return left === right;
}

/** Positions of the primary-key columns within the table's columns. */
export function keyPositions(table: TableSchema): number[] {
  return table.primaryKey.map((name) => table.columns.findIndex((column) => column.name === name));
}

export function keyValues(table: TableSchema, values: readonly SyncValue[]): SyncValue[] {
  return keyPositions(table).map((position) => values[position] ?? null);
}

/** Binary values become base64 so a row can live in JSON (state store, CLI output). */
export function toJsonValue(value: SyncValue): JsonValue {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}

export function fromJsonValue(value: JsonValue, type: LogicalType): SyncValue {
  return type.kind === 'binary' && typeof value === 'string' ? Buffer.from(value, 'base64') : value;
}

export function rowToJson(table: TableSchema, values: readonly SyncValue[]): Record<string, JsonValue> {
  return Object.fromEntries(table.columns.map((column, index) => [column.name, toJsonValue(values[index] ?? null)]));
}

export function keyToJson(table: TableSchema, values: readonly SyncValue[]): Record<string, JsonValue> {
  const positions = keyPositions(table);
  return Object.fromEntries(
    table.primaryKey.map((name, index) => [name, toJsonValue(values[positions[index] ?? -1] ?? null)]),
  );
}
