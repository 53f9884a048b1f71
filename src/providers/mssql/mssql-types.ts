import type { LogicalType, SyncValue } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { quoteIdentifier } from './mssql-identifiers.js';

/** A column as sys.columns describes it; the type is the system type (alias types resolved). */
export interface NativeColumn {
  readonly name: string;
  /** System type name, lowercase: "nvarchar", "decimal", "datetime2"; a CLR type's own name. */
  readonly typeName: string;
  /** Bytes; -1 for (max). */
  readonly maxLength: number;
  readonly precision: number;
  readonly scale: number;
  readonly nullable: boolean;
  readonly identity: boolean;
  readonly collation: string | null;
  /** Why the column cannot be written or read as a value, whatever its type; null when it can. */
  readonly unwritable: 'computed' | 'generated always' | 'FILESTREAM' | 'xml schema collection' | null;
}

const unicodeText = new Set(['nchar', 'nvarchar', 'ntext']);
const text = new Set(['char', 'varchar', 'text', ...unicodeText]);
const binary = new Set(['binary', 'varbinary', 'image']);
/** Types SQL Server cannot compare or sort (no = and no ORDER BY): never a key, compared through a conversion. */
const incomparable = new Set(['text', 'ntext', 'image', 'xml', 'json']);

/**
 * The logical type of a column, or null when hubsync cannot sync it (the same list Azure SQL Data
 * Sync skips: spatial, hierarchyid, sql_variant, rowversion, CLR types, typed xml, computed,
 * FILESTREAM).
 */
export function logicalTypeOf(column: NativeColumn): LogicalType | null {
  if (column.unwritable !== null) return null;
  const length = characters(column);
  switch (column.typeName) {
    case 'bit':
      return { kind: 'boolean' };
    case 'tinyint':
    case 'smallint':
      // tinyint is unsigned (0-255): a 16-bit integer holds all of it.
      return { kind: 'int16' };
    case 'int':
      return { kind: 'int32' };
    case 'bigint':
      return { kind: 'int64' };
    case 'decimal':
    case 'numeric':
      return { kind: 'decimal', precision: column.precision, scale: column.scale };
    case 'money':
      return { kind: 'decimal', precision: 19, scale: 4 };
    case 'smallmoney':
      return { kind: 'decimal', precision: 10, scale: 4 };
    case 'real':
      return { kind: 'float32' };
    case 'float':
      return column.precision <= 24 ? { kind: 'float32' } : { kind: 'float64' };
    case 'char':
    case 'nchar':
      // Padded with spaces to n: a member must pad too, or its values would differ (see canHold).
      return length === undefined ? { kind: 'text' } : { kind: 'text', maxLength: length, fixedLength: true };
    case 'varchar':
    case 'nvarchar':
      return length === undefined ? { kind: 'text' } : { kind: 'text', maxLength: length };
    case 'text':
    case 'ntext':
    case 'xml':
    case 'time':
      // time has no logical type of its own yet: its canonical text "HH:MM:SS.fffffff" keeps all 7 digits.
      return { kind: 'text' };
    case 'binary':
    case 'varbinary':
      return column.maxLength < 0 ? { kind: 'binary' } : { kind: 'binary', maxLength: column.maxLength };
    case 'image':
      return { kind: 'binary' };
    case 'uniqueidentifier':
      return { kind: 'uuid' };
    case 'date':
      return { kind: 'date' };
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime':
      return { kind: 'timestamp' };
    case 'datetimeoffset':
      return { kind: 'timestamptz' };
    case 'json':
      return { kind: 'json' };
    default:
      return null;
  }
}

/** Length in characters of a (n)char/(n)varchar column; undefined for (max). */
function characters(column: NativeColumn): number | undefined {
  if (column.maxLength < 0) return undefined;
  return unicodeText.has(column.typeName) ? column.maxLength / 2 : column.maxLength;
}

/** Whether two values of this column compare exactly, as a primary key must: no floats, nothing incomparable. */
export function comparesExactly(column: NativeColumn): boolean {
  return !incomparable.has(column.typeName) && column.typeName !== 'real' && column.typeName !== 'float';
}

/** The type as a column definition spells it, with its collation: used for tracking-table key columns and messages. */
export function nativeSpelling(column: NativeColumn, withCollation = false): string {
  const collation = withCollation && column.collation !== null ? ` COLLATE ${plainWord(column.collation)}` : '';
  switch (column.typeName) {
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
      return `${column.typeName}(${characters(column) ?? 'max'})${collation}`;
    case 'binary':
    case 'varbinary':
      return `${column.typeName}(${column.maxLength < 0 ? 'max' : column.maxLength})`;
    case 'decimal':
    case 'numeric':
      return `${column.typeName}(${column.precision},${column.scale})`;
    case 'float':
      return `float(${column.precision})`;
    case 'datetime2':
    case 'datetimeoffset':
    case 'time':
      return `${column.typeName}(${column.scale})`;
    default:
      return `${plainWord(column.typeName)}${collation}`;
  }
}

/** Catalogue words spliced into DDL (type and collation names) may hold only letters, digits and "_". */
function plainWord(word: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(word)) throw new HubsyncError(ErrorCode.SchemaMismatch, `Unexpected type or collation name ${quoteIdentifier(word)}`);
  return word;
}

/** SQL Server keeps at most 900 bytes in a clustered key: a key column without a length gets the most that fits. */
const keyTextLength = 450;

/** The SQL Server type hubsync creates for a logical type; chosen so every canonical value round-trips. */
export function nativeTypeOf(type: LogicalType, isKey: boolean): string {
  switch (type.kind) {
    case 'int16':
      return 'smallint';
    case 'int32':
      return 'int';
    case 'int64':
      return 'bigint';
    case 'decimal':
      if (type.precision === undefined || type.precision > 38 || (type.scale ?? 0) < 0) {
        // Refused rather than rounded: a value with more digits would change silently (no silent loss).
        throw new HubsyncError(
          ErrorCode.SchemaMismatch,
          'SQL Server keeps decimals of at most 38 digits with a fixed scale; create the member table with a decimal(p,s) that holds the values',
        );
      }
      return `decimal(${whole(type.precision)},${whole(type.scale ?? 0)})`;
    case 'float32':
      return 'real';
    case 'float64':
      return 'float';
    case 'text':
      if (type.maxLength !== undefined && type.maxLength <= 4000) return `${type.fixedLength === true ? 'nchar' : 'nvarchar'}(${whole(type.maxLength)})`;
      return isKey ? `nvarchar(${keyTextLength})` : 'nvarchar(max)';
    case 'boolean':
      return 'bit';
    case 'date':
      return 'date';
    case 'timestamp':
      return 'datetime2(7)';
    case 'timestamptz':
      return 'datetimeoffset(7)';
    case 'binary':
      if (type.maxLength !== undefined && type.maxLength <= 8000) return `varbinary(${whole(type.maxLength)})`;
      return isKey ? 'varbinary(900)' : 'varbinary(max)';
    case 'uuid':
      return 'uniqueidentifier';
    case 'json':
      // nvarchar(max), not Azure's json type: json must keep its text exactly, and the json type is not everywhere.
      return 'nvarchar(max)';
  }
}

function whole(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new HubsyncError(ErrorCode.SchemaMismatch, `Invalid type modifier ${String(value)}`);
  return String(value);
}

/**
 * A SQL expression reading `sql` (a column of type `column`) as its canonical value, or as
 * something fromDriver turns into it. Conversions happen in SQL where the driver would lose
 * digits (bigint, decimal, money) or apply a time zone (every date and time type).
 */
export function readExpression(column: NativeColumn, sql: string): string {
  switch (column.typeName) {
    case 'bigint':
      return `CONVERT(varchar(20), ${sql})`;
    case 'decimal':
    case 'numeric':
      return `CONVERT(varchar(42), ${sql})`;
    case 'money':
      return `CONVERT(varchar(42), CONVERT(decimal(19,4), ${sql}))`;
    case 'smallmoney':
      return `CONVERT(varchar(42), CONVERT(decimal(10,4), ${sql}))`;
    case 'date':
      return `CONVERT(char(10), ${sql}, 23)`;
    case 'datetime':
    case 'datetime2':
    case 'smalldatetime':
      return `CONVERT(varchar(27), CONVERT(datetime2(7), ${sql}), 121)`;
    case 'datetimeoffset':
      // Local time and offset, so the offset is kept: "2026-01-02 03:04:05.1234567" + "+05:30".
      return `CONVERT(varchar(27), CONVERT(datetime2(7), ${sql}), 121) + DATENAME(tzoffset, ${sql})`;
    case 'time':
      return `CONVERT(varchar(16), CONVERT(time(7), ${sql}))`;
    case 'uniqueidentifier':
      return `LOWER(CONVERT(char(36), ${sql}))`;
    case 'xml':
    case 'json':
      return `CONVERT(nvarchar(max), ${sql})`;
    default:
      return sql;
  }
}

/**
 * An expression whose equality means "the same canonical value": text compared by its bytes (a
 * case-insensitive collation must not hide a change of case, nor trailing spaces), types SQL
 * Server cannot compare through their text, times with their offset.
 */
export function comparableExpression(column: NativeColumn, sql: string): string {
  if (text.has(column.typeName) || column.typeName === 'xml' || column.typeName === 'json' || column.typeName === 'datetimeoffset') {
    return `CONVERT(varbinary(max), ${readExpression(column, sql)})`;
  }
  if (column.typeName === 'image') return `CONVERT(varbinary(max), ${sql})`;
  return sql;
}

/** How a canonical value travels to the server: the driver type and the SQL type a staging column declares. */
export type WireType = 'bit' | 'smallint' | 'int' | 'real' | 'float' | 'nvarchar' | 'varchar' | 'varbinary';

/** Canonical values travel as themselves where the driver is exact, and as text SQL converts exactly otherwise. */
export function wireTypeOf(type: LogicalType, column: NativeColumn | null): WireType {
  switch (type.kind) {
    case 'boolean':
      return 'bit';
    case 'int16':
      return 'smallint';
    case 'int32':
      return 'int';
    case 'float32':
      return 'real';
    case 'float64':
      return 'float';
    case 'binary':
      return 'varbinary';
    case 'text':
      // A varchar key compared with an nvarchar parameter would be converted row by row and lose its index.
      return column !== null && (column.typeName === 'varchar' || column.typeName === 'char') ? 'varchar' : 'nvarchar';
    default:
      return 'nvarchar';
  }
}

export function wireSqlType(wire: WireType): string {
  switch (wire) {
    case 'nvarchar':
      return 'nvarchar(max)';
    case 'varchar':
      return 'varchar(max)';
    case 'varbinary':
      return 'varbinary(max)';
    default:
      return wire;
  }
}

/**
 * The SQL converting a staged or bound value `sql` of logical type `type` to column `column`.
 * Times are parsed with ISO 8601 styles (126, 127), which no DATEFORMAT or language changes, and
 * through datetime2(7)/datetimeoffset(7) first so a legacy datetime column rounds rather than fails.
 */
export function conversionTo(column: NativeColumn, type: LogicalType, sql: string): string {
  const target = nativeSpelling(column);
  switch (type.kind) {
    case 'date':
      return `CONVERT(${target}, CONVERT(date, ${sql}, 23))`;
    case 'timestamp':
      return `CONVERT(${target}, CONVERT(datetime2(7), ${sql}, 126))`;
    case 'timestamptz':
      return `CONVERT(${target}, CONVERT(datetimeoffset(7), ${sql}, 127))`;
    default:
      return `CONVERT(${target}, ${sql})`;
  }
}

/** A canonical value as the driver sends it for `wire`. */
export function toWire(type: LogicalType, value: SyncValue): string | number | boolean | Buffer | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // SQL Server's float and real hold no NaN or infinity: a refused row is visible, a changed one is not.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new HubsyncError(ErrorCode.DataRejected, `${String(value)} cannot be stored in a SQL Server ${type.kind === 'float32' ? 'real' : 'float'}`);
  }
  if (typeof value !== 'string') return value;
  switch (type.kind) {
    case 'timestamp':
      return value.replace(' ', 'T');
    case 'timestamptz':
      // "+00" (as PostgreSQL writes UTC) becomes the "+00:00" ISO 8601 needs.
      return value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
    default:
      return value;
  }
}

/** Narrows a value the driver read from a readExpression to its canonical form. */
export function fromDriver(type: LogicalType, value: unknown): SyncValue {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'float32':
      return typeof value === 'number' ? shortestFloat32(value) : unexpected(value);
    case 'timestamp':
      return typeof value === 'string' ? trimFraction(value) : unexpected(value);
    case 'timestamptz':
      return typeof value === 'string' ? canonicalOffset(value) : unexpected(value);
    default:
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Uint8Array) return value;
      return unexpected(value);
  }
}

function unexpected(value: unknown): never {
  throw new HubsyncError(ErrorCode.DatabaseError, `Unexpected value of type ${typeof value} read from SQL Server`);
}

/**
 * The driver widens a real to the double of the same value (0.1 reads as 0.10000000149011612);
 * canonical float32 values are the shortest decimal that reads back as the same real, as
 * PostgreSQL prints them.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  for (let digits = 1; digits <= 9; digits += 1) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

/** "2026-01-02 03:04:05.1200000" -> "2026-01-02 03:04:05.12": trailing zeros trimmed, as the canonical form says. */
export function trimFraction(value: string): string {
  return value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
}

/** "2026-01-02 03:04:05.1200000+00:00" -> "...05.12+00"; a non-zero offset stays as "+05:30". */
export function canonicalOffset(value: string): string {
  const match = /^(.*?)([+-]\d\d:\d\d)$/.exec(value);
  if (match === null) return unexpected(value);
  const [, local = '', offset = ''] = match;
  return `${trimFraction(local)}${offset === '+00:00' || offset === '-00:00' ? '+00' : offset}`;
}
