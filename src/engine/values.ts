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

/**
 * A canonical value in JSON (state store, digests, CLI output). Binary becomes base64. JSON has no
 * NaN, Infinity or -0 (JSON.stringify writes null, null and 0), so those floats become the strings
 * "NaN", "Infinity", "-Infinity" and "-0": a digest then tells them from NULL and 0, and a logged
 * row version keeps them. Floats are numbers everywhere else, so the column type tells them apart
 * from text when they are read back.
 */
export function toJsonValue(value: SyncValue): JsonValue {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Object.is(value, -0)) return '-0';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

export function fromJsonValue(value: JsonValue, type: LogicalType): SyncValue {
  if (typeof value !== 'string') return value;
  switch (type.kind) {
    case 'binary':
      return Buffer.from(value, 'base64');
    case 'float32':
    case 'float64':
      return specialFloats.has(value) ? Number(value) : value;
    default:
      return value;
  }
}

const specialFloats: ReadonlySet<string> = new Set(['NaN', 'Infinity', '-Infinity', '-0']);

export function rowToJson(table: TableSchema, values: readonly SyncValue[]): Record<string, JsonValue> {
  return Object.fromEntries(table.columns.map((column, index) => [column.name, toJsonValue(values[index] ?? null)]));
}

export function keyToJson(table: TableSchema, values: readonly SyncValue[]): Record<string, JsonValue> {
  const positions = keyPositions(table);
  return Object.fromEntries(
    table.primaryKey.map((name, index) => [name, toJsonValue(values[positions[index] ?? -1] ?? null)]),
  );
}
