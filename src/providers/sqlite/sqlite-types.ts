import type { LogicalType, SyncValue } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';

/** A value as better-sqlite3 returns it with safe integers on (64-bit integers stay exact). */
export type SqliteValue = bigint | number | string | Buffer | null;

/** A value better-sqlite3 can bind (it refuses booleans and plain Uint8Arrays). */
export type SqliteParameter = bigint | number | string | Buffer | null;

/** SQLite's column affinity, which decides how values are stored and compared. */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

const declaredTypePattern = /^\s*([A-Za-z_][A-Za-z0-9_]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/;

const logicalByName: ReadonlyMap<string, LogicalType['kind']> = new Map<string, LogicalType['kind']>([
  // SQLite stores every integer in up to 8 bytes whatever the declared name says (a TINYINT
  // column holds 2^62 without complaint), so every integer name is 64-bit: reading one as 16 or
  // 32 bits would round or reject values the column really holds.
  ['TINYINT', 'int64'],
  ['SMALLINT', 'int64'],
  ['INT2', 'int64'],
  ['MEDIUMINT', 'int64'],
  ['INT', 'int64'],
  ['INT4', 'int64'],
  ['INTEGER', 'int64'],
  ['BIGINT', 'int64'],
  ['INT8', 'int64'],
  ['UNSIGNED BIG INT', 'int64'],
  ['BOOLEAN', 'boolean'],
  ['BOOL', 'boolean'],
  ['DECIMAL', 'decimal'],
  ['NUMERIC', 'decimal'],
  ['DECIMAL_TEXT', 'decimal'],
  // SQLite stores every floating-point value in 8 bytes whatever the declared name, so FLOAT4 is
  // a double too: read as float32 it would become a PostgreSQL real and come back rounded.
  ['REAL', 'float64'],
  ['DOUBLE', 'float64'],
  ['DOUBLE PRECISION', 'float64'],
  ['FLOAT', 'float64'],
  ['FLOAT8', 'float64'],
  ['FLOAT4', 'float64'],
  ['TEXT', 'text'],
  ['CLOB', 'text'],
  ['VARCHAR', 'text'],
  ['CHAR', 'text'],
  ['CHARACTER', 'text'],
  ['NCHAR', 'text'],
  ['NVARCHAR', 'text'],
  ['NATIVE CHARACTER', 'text'],
  ['VARYING CHARACTER', 'text'],
  ['CHARACTER VARYING', 'text'],
  ['DATE', 'date'],
  ['DATETIME', 'timestamp'],
  ['TIMESTAMP', 'timestamp'],
  ['TIMESTAMP WITHOUT TIME ZONE', 'timestamp'],
  ['TIMESTAMPTZ', 'timestamptz'],
  ['TIMESTAMP WITH TIME ZONE', 'timestamptz'],
  ['BLOB', 'binary'],
  ['BYTEA', 'binary'],
  ['UUID', 'uuid'],
  ['JSON', 'json'],
  ['JSON_TEXT', 'json'],
]);

/**
 * The logical type of a column from its declared type, which SQLite keeps as free text. Null for
 * an empty or unknown declaration: the engine skips such a column with a warning.
 */
export function logicalTypeOf(declared: string): LogicalType | null {
  const match = declaredTypePattern.exec(declared);
  const rawName = match?.[1];
  if (match === null || rawName === undefined) return null;
  const kind = logicalByName.get(rawName.toUpperCase().replace(/\s+/g, ' '));
  const first = match[2] === undefined ? undefined : Number(match[2]);
  const second = match[3] === undefined ? undefined : Number(match[3]);
  switch (kind) {
    case undefined:
      return null;
    case 'decimal':
      if (first === undefined) return { kind };
      return second === undefined ? { kind, precision: first } : { kind, precision: first, scale: second };
    case 'text':
    case 'binary':
      return first === undefined ? { kind } : { kind, maxLength: first };
    default:
      return { kind };
  }
}

/**
 * The declared type createTable writes for a logical type. Each maps back to the same logical
 * type or to one that holds every value of it (SQLite has no 16/32-bit integers, no 4-byte
 * floats, pads no char(n) and parses no JSON, so it reads those back as int64, float64, text(n)
 * and json), and its affinity stores the canonical values unchanged: decimals are declared
 * DECIMAL_TEXT because the TEXT in the name gives TEXT affinity, where DECIMAL would give NUMERIC
 * affinity and turn "12.30" into a 15-digit REAL.
 */
export function declaredTypeOf(type: LogicalType): string {
  switch (type.kind) {
    case 'int16':
      return 'SMALLINT';
    case 'int32':
      return 'INT';
    case 'int64':
      return 'BIGINT';
    case 'decimal':
      if (type.precision === undefined) return 'DECIMAL_TEXT';
      return type.scale === undefined ? `DECIMAL_TEXT(${type.precision})` : `DECIMAL_TEXT(${type.precision},${type.scale})`;
    case 'float32':
      return 'FLOAT4';
    case 'float64':
      return 'DOUBLE';
    case 'text':
      if (type.maxLength === undefined) return 'TEXT';
      // char(n) text arrives padded already; CHAR only keeps the declaration recognisable.
      return `${type.fixedLength === true ? 'CHAR' : 'VARCHAR'}(${type.maxLength})`;
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'binary':
      return type.maxLength === undefined ? 'BLOB' : `BLOB(${type.maxLength})`;
    case 'uuid':
      return 'UUID';
    case 'json':
      return 'JSON_TEXT';
  }
}

/** SQLite's affinity rules (https://sqlite.org/datatype3.html#determination_of_column_affinity), in their order. */
export function affinityOf(declared: string): Affinity {
  const upper = declared.toUpperCase();
  if (upper.includes('INT')) return 'INTEGER';
  if (upper.includes('CHAR') || upper.includes('CLOB') || upper.includes('TEXT')) return 'TEXT';
  if (upper.includes('BLOB') || upper.trim() === '') return 'BLOB';
  if (upper.includes('REAL') || upper.includes('FLOA') || upper.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/**
 * A stored value in the canonical form of src/engine/types.ts. SQLite lets any column hold any
 * storage class; a value the logical type cannot represent is passed on as it is, so that the
 * destination rejects that one row instead of this read failing the whole table.
 */
export function toCanonical(value: SqliteValue, type: LogicalType): SyncValue {
  if (value === null) return null;
  switch (type.kind) {
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64':
      return typeof value === 'bigint' ? Number(value) : value;
    case 'int64':
      if (typeof value === 'bigint') return value.toString();
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value).toString() : value;
    case 'decimal':
      return canonicalDecimal(value, type.scale);
    case 'boolean':
      if (typeof value === 'bigint') return value !== 0n;
      return typeof value === 'number' ? value !== 0 : value;
    case 'binary':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
        ? Buffer.from(String(value), 'utf8')
        : value;
    case 'uuid':
      return asText(value).toLowerCase();
    case 'timestamp':
      return canonicalTimestamp(asText(value), false);
    case 'timestamptz':
      return canonicalTimestamp(asText(value), true);
    case 'text':
    case 'json':
    case 'date':
      return asText(value);
  }
}

/** A canonical value as a parameter for a column of this logical type. */
export function toParameter(value: SyncValue, type: LogicalType): SqliteParameter {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (value instanceof Uint8Array) {
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  switch (type.kind) {
    case 'int16':
    case 'int32':
    case 'int64':
    case 'boolean':
      // Bound as integers so that a rowid alias accepts them and 64-bit values stay exact.
      if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
      return /^[-+]?\d+$/.test(value) ? int64(value) : value;
    case 'float32':
    case 'float64':
      // SQLite turns NaN into NULL without a word; a rejected row is visible, a changed one is not.
      if (typeof value === 'number' && Number.isNaN(value)) {
        throw new HubsyncError(ErrorCode.DataRejected, 'NaN cannot be stored in SQLite (it would become NULL)');
      }
      // A REAL (or NUMERIC) column stores a whole-number float as an integer, so -0 reads back as 0,
      // strict table or not: only untyped columns keep it, and those are not synced.
      if (Object.is(value, -0)) {
        throw new HubsyncError(ErrorCode.DataRejected, '-0 cannot be stored in a SQLite REAL column (it would become 0)');
      }
      return value;
    default:
      return value;
  }
}

const int64Range = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

function int64(digits: string): bigint {
  const value = BigInt(digits);
  if (value < int64Range.min || value > int64Range.max) {
    throw new HubsyncError(ErrorCode.DataRejected, 'An integer value does not fit in a 64-bit SQLite integer');
  }
  return value;
}

/**
 * SQLite's strftime('%f') gives milliseconds; the engine's change times are ISO 8601 UTC with
 * microseconds, so the fraction is padded (or cut) to six digits.
 */
export function isoMicros(stored: string): string {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(stored);
  if (match === null) return stored;
  return `${match[1] ?? ''}.${(match[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/**
 * isoMicros in SQL, for change times a bulk load copies from an attached database without
 * reading them: `text` (a column reference, used several times) with its fraction padded or cut
 * to six digits, or unchanged where isoMicros would leave it (for text without line breaks, which
 * no change time holds: GLOB's ? matches one, the regular expression's . does not).
 */
export function isoMicrosSql(text: string): string {
  const clock = 'T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]';
  const withoutZ = `substr(${text}, 1, length(${text}) - 1)`;
  // Up to and including the dot before the fraction: the fraction is the trailing run of digits.
  const head = `rtrim(${withoutZ}, '0123456789')`;
  // The two forms hubsync writes come first, matched without a leading * (linear): SQLite's
  // strftime('%f') time and a time with six digits already.
  const date = '??????????';
  return (
    `CASE WHEN ${text} GLOB '${date}${clock}.[0-9][0-9][0-9]Z' THEN substr(${text}, 1, 23) || '000Z' ` +
    `WHEN ${text} GLOB '${date}${clock}.[0-9][0-9][0-9][0-9][0-9][0-9]Z' THEN ${text} ` +
    `WHEN ${text} GLOB '*${clock}Z' THEN ${withoutZ} || '.000000Z' ` +
    `WHEN ${text} GLOB '*Z' AND ${head} GLOB '*${clock}.' AND length(${head}) < length(${withoutZ}) ` +
    `THEN ${head} || substr(substr(${withoutZ}, length(${head}) + 1) || '000000', 1, 6) || 'Z' ` +
    `ELSE ${text} END`
  );
}

function asText(value: bigint | number | string | Buffer): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** Text is kept as stored; a number (NUMERIC affinity in a user's DECIMAL column) gets the declared scale. */
function canonicalDecimal(value: bigint | number | string | Buffer, scale: number | undefined): SyncValue {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (typeof value === 'bigint') return scale === undefined || scale === 0 ? value.toString() : `${value}.${'0'.repeat(scale)}`;
  return scale === undefined || scale > 100 ? String(value) : value.toFixed(scale);
}

const timestampPattern = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Programs writing SQLite store timestamps in several ISO spellings ("T" separator, "Z" suffix,
 * millisecond fractions); the canonical form has one spelling, so the same instant compares equal
 * in every database. Text that is no ISO timestamp is kept as stored.
 * Throws HS_DATA_REJECTED for a non-zero offset in a column without a zone.
 */
function canonicalTimestamp(text: string, withZone: boolean): string {
  const match = timestampPattern.exec(text.trim());
  if (match === null) return text;
  const [, date = '', time = '', fractionDigits = '', zone] = match;
  const fraction = fractionDigits.slice(0, 6).replace(/0+$/, '');
  const fractionPart = fraction === '' ? '' : `.${fraction}`;
  const offset = zone === undefined ? 0 : offsetMinutes(zone);
  if (!withZone) {
    // Which instant "10:00+02:00" means in a column without a zone is unknowable: dropping the
    // offset or shifting to UTC would both alter the value, so the row is refused instead.
    if (offset !== 0) {
      throw new HubsyncError(
        ErrorCode.DataRejected,
        `a timestamp with a UTC offset (${zone ?? ''}) cannot be represented in a column without a time zone`,
      );
    }
    return `${date} ${time}${fractionPart}`;
  }
  if (offset === 0) return `${date} ${time}${fractionPart}+00`;
  const utc = new Date(new Date(`${date}T${time}Z`).getTime() - offset * 60_000).toISOString();
  return `${utc.slice(0, 10)} ${utc.slice(11, 19)}${fractionPart}+00`;
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}
