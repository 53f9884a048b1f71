import { ErrorCode, HubsyncError } from '../../errors.js';
import type { LogicalType, SyncValue } from '../../engine/types.js';

/** Built-in type OIDs; fixed by PostgreSQL across versions. */
export const TypeOid = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

/** Length-limited types store their limit plus the 4-byte varlena header in atttypmod. */
const typmodHeader = 4;

/** The logical type of a catalogue column, or null when hubsync cannot sync it. */
export function logicalTypeOf(typeOid: number, typmod: number): LogicalType | null {
  switch (typeOid) {
    case TypeOid.int2:
      return { kind: 'int16' };
    case TypeOid.int4:
      return { kind: 'int32' };
    case TypeOid.int8:
      return { kind: 'int64' };
    case TypeOid.numeric:
      return numericType(typmod);
    case TypeOid.float4:
      return { kind: 'float32' };
    case TypeOid.float8:
      return { kind: 'float64' };
    case TypeOid.text:
      return { kind: 'text' };
    case TypeOid.varchar:
      return typmod >= typmodHeader ? { kind: 'text', maxLength: typmod - typmodHeader } : { kind: 'text' };
    case TypeOid.bpchar:
      // Only char(n) pads; a bare bpchar has no length and keeps text as it is.
      return typmod >= typmodHeader ? { kind: 'text', maxLength: typmod - typmodHeader, fixedLength: true } : { kind: 'text' };
    case TypeOid.bool:
      return { kind: 'boolean' };
    case TypeOid.date:
      return { kind: 'date' };
    case TypeOid.timestamp:
      return { kind: 'timestamp' };
    case TypeOid.timestamptz:
      return { kind: 'timestamptz' };
    case TypeOid.bytea:
      return { kind: 'binary' };
    case TypeOid.uuid:
      return { kind: 'uuid' };
    case TypeOid.json:
      return { kind: 'json' };
    case TypeOid.jsonb:
      return { kind: 'json', binary: true };
    default:
      return null;
  }
}

function numericType(typmod: number): LogicalType {
  if (typmod < typmodHeader) return { kind: 'decimal' };
  const packed = typmod - typmodHeader;
  // PostgreSQL 15 allows negative scales, stored as an 11-bit two's complement number.
  const scale = ((packed & 0x7ff) ^ 1024) - 1024;
  return { kind: 'decimal', precision: (packed >> 16) & 0xffff, scale };
}

/** The PostgreSQL type hubsync creates for a logical type; chosen so every canonical value round-trips. */
export function nativeTypeOf(type: LogicalType): string {
  switch (type.kind) {
    case 'int16':
      return 'smallint';
    case 'int32':
      return 'integer';
    case 'int64':
      return 'bigint';
    case 'decimal':
      if (type.precision === undefined) return 'numeric';
      return type.scale === undefined
        ? `numeric(${typeModifier(type.precision)})`
        : `numeric(${typeModifier(type.precision)},${typeModifier(type.scale, true)})`;
    case 'float32':
      return 'real';
    case 'float64':
      return 'double precision';
    case 'text':
      if (type.maxLength === undefined) return 'text';
      return `${type.fixedLength === true ? 'character' : 'character varying'}(${typeModifier(type.maxLength)})`;
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'timestamp(6) without time zone';
    case 'timestamptz':
      return 'timestamp(6) with time zone';
    case 'binary':
      return 'bytea';
    case 'uuid':
      return 'uuid';
    case 'json':
      // jsonb only where the source is jsonb: it rewrites whitespace and key order, json keeps its text.
      return type.binary === true ? 'jsonb' : 'json';
  }
}

/** Type modifiers are spliced into DDL, so only plain integers may pass. */
function typeModifier(value: number, allowNegative = false): string {
  if (!Number.isSafeInteger(value) || (!allowNegative && value < 1)) {
    throw new HubsyncError(ErrorCode.SchemaMismatch, `Invalid type modifier ${String(value)}`);
  }
  return String(value);
}

/**
 * The type a bind parameter is cast to when compared with a column of this logical type. Casting
 * to the family (numeric, not numeric(12,2)) never rounds the value being compared.
 */
export function parameterTypeOf(type: LogicalType): string {
  switch (type.kind) {
    case 'decimal':
      return 'numeric';
    case 'text':
      return 'text';
    case 'timestamp':
      return 'timestamp';
    case 'timestamptz':
      return 'timestamptz';
    default:
      return nativeTypeOf(type);
  }
}

/**
 * Narrows a driver value to a canonical value. The pool's type parsers already produce canonical
 * forms (see postgres-connection.ts); anything else means a type parser is missing.
 */
export function toSyncValue(value: unknown): SyncValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (value instanceof Uint8Array) return value;
  throw new HubsyncError(ErrorCode.DatabaseError, `Unexpected value of type ${typeof value} read from PostgreSQL`);
}

/** A canonical value as a bind parameter the driver sends as-is. */
export function toParameter(value: SyncValue): string | number | boolean | Buffer | null {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value);
  return value;
}
