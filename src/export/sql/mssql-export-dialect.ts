import type { LogicalType } from '../../engine/types.js';
import { qualifiedName, quoteLiteral, quoteIdentifier } from '../../providers/mssql/mssql-identifiers.js';
import {
  conversionTo,
  fromDriver,
  nativeTypeOf,
  readExpression,
  toWire,
  wireTypeOf,
  type NativeColumn,
} from '../../providers/mssql/mssql-types.js';
import type { SqlParameter } from '../../providers/mssql/mssql-connection.js';
import type { ExportDialect, SelectOptions, UpsertRows, UpsertShape } from './export-dialect.js';

export const mssqlExportDialect: ExportDialect = {
  engine: 'mssql',
  defaultSchema: 'dbo',
  // A request carries at most 2100 parameters.
  maxParameters: 2_000,
  maxRows: 1_000,
  quote: quoteIdentifier,
  table: qualifiedName,
  // Text and binary go in unconverted: CONVERT(nvarchar(n), ...) would cut a long value silently,
  // where inserting it into the column fails the row (a failed record) as it should.
  parameter: (index, type) =>
    type.kind === 'text' || type.kind === 'binary' || type.kind === 'json' ? `@p${index}` : conversionTo(nativeColumnOf(type), type, `@p${index}`),
  bind: (value, type): SqlParameter => ({ type: wireTypeOf(type, null), value: toWire(type, value) }),
  read: (sql, type) => readExpression(nativeColumnOf(type), sql),
  decode: (value, type) => fromDriver(type, value),
  columnType: (type, isKey) => nativeTypeOf(type, isKey),
  timeType: 'datetime2(7)',
  now: 'SYSUTCDATETIME()',
  identityKey: `${quoteIdentifier('Id')} bigint IDENTITY(1,1) NOT NULL PRIMARY KEY`,
  createSchema: (schema) => `IF SCHEMA_ID(${quoteLiteral(schema)}) IS NULL EXEC(${quoteLiteral(`CREATE SCHEMA ${quoteIdentifier(schema)}`)})`,
  createTable: (table, _schema, _name, definitions) =>
    `IF OBJECT_ID(${quoteLiteral(table)}, N'U') IS NULL CREATE TABLE ${table} (${definitions.join(', ')})`,
  addColumn: (table, definition) => `ALTER TABLE ${table} ADD ${definition}`,
  widenColumn: (table, column, type, isKey) => `ALTER TABLE ${table} ALTER COLUMN ${column} ${type} ${isKey ? 'NOT NULL' : 'NULL'}`,
  dropTable: (table) => `DROP TABLE IF EXISTS ${table}`,
  upsert: mergeUpsert,
  select: (options: SelectOptions) =>
    `SELECT ${options.limit === undefined ? '' : `TOP (${Math.trunc(options.limit)}) `}${options.columns.join(', ')} ` +
    `FROM ${options.table}${options.forUpdate === true ? ' WITH (UPDLOCK, HOLDLOCK)' : ''} WHERE ${options.where}` +
    (options.orderBy ? ` ORDER BY ${options.orderBy.join(', ')}` : ''),
};

/** SQL Server has no INSERT ... ON CONFLICT: MERGE under HOLDLOCK, so two writers cannot both insert a key. */
function mergeUpsert(table: string, shape: UpsertShape, rows: UpsertRows): string {
  const { columns, keys, created, version } = shape;
  const updated = columns.filter((column) => !keys.includes(column) && !created.includes(column));
  const values = 'select' in rows ? rows.select : `VALUES ${rows.values.map((row) => `(${row.join(', ')})`).join(', ')}`;
  const guard = version === null ? '' : ` AND (d.${version} IS NULL OR d.${version} <= s.${version})`;
  const matched = updated.length === 0 ? '' : ` WHEN MATCHED${guard} THEN UPDATE SET ${updated.map((column) => `${column} = s.${column}`).join(', ')}`;
  return (
    `MERGE INTO ${table} WITH (HOLDLOCK) AS d USING (${values}) AS s (${columns.join(', ')}) ` +
    `ON ${keys.map((key) => `d.${key} = s.${key}`).join(' AND ')}${matched} ` +
    `WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((column) => `s.${column}`).join(', ')});`
  );
}

/** The catalogue description of the column nativeTypeOf creates, so the provider's read and conversion rules apply to it. */
function nativeColumnOf(type: LogicalType): NativeColumn {
  const spelling = nativeTypeOf(type, false);
  const [, typeName = spelling, first, second] = /^(\w+)(?:\((\w+)(?:,(\d+))?\))?$/.exec(spelling) ?? [];
  const size = first === undefined ? undefined : first === 'max' ? -1 : Number(first);
  const base = { name: '', typeName, maxLength: 0, precision: 0, scale: 0, nullable: true, identity: false, collation: null, unwritable: null };
  switch (typeName) {
    case 'nvarchar':
      return { ...base, maxLength: size === undefined || size < 0 ? -1 : size * 2 };
    case 'varbinary':
      return { ...base, maxLength: size ?? -1 };
    case 'decimal':
      return { ...base, precision: size ?? 18, scale: Number(second ?? 0) };
    case 'datetime2':
    case 'datetimeoffset':
      return { ...base, scale: size ?? 7 };
    case 'float':
      return { ...base, precision: 53 };
    default:
      return base;
  }
}
