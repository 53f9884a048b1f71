import { qualifiedName, quoteIdentifier } from '../../providers/postgres/postgres-identifiers.js';
import { nativeTypeOf, parameterTypeOf, toParameter, toSyncValue } from '../../providers/postgres/postgres-types.js';
import type { ExportDialect, SelectOptions } from './export-dialect.js';
import { onConflictUpsert } from './upsert-on-conflict.js';

export const postgresExportDialect: ExportDialect = {
  engine: 'postgres',
  defaultSchema: 'public',
  maxParameters: 30_000,
  maxRows: 5_000,
  quote: quoteIdentifier,
  table: qualifiedName,
  // Cast to the type's family (text, numeric), never to varchar(n): an explicit cast would cut a long
  // string silently, where the column's own limit rejects it as a failed record.
  parameter: (index, type) => `$${index}::${parameterTypeOf(type)}`,
  arrayParameter: (index, type) => `$${index}::${parameterTypeOf(type)}[]`,
  bind: (value) => toParameter(value),
  // The connection's type parsers already return canonical values.
  read: (sql) => sql,
  decode: (value) => toSyncValue(value),
  columnType: (type) => nativeTypeOf(type),
  timeType: 'timestamp(6) with time zone',
  now: 'pg_catalog.now()',
  identityKey: `${quoteIdentifier('Id')} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`,
  createSchema: (schema) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`,
  createTable: (table, _schema, _name, definitions) => `CREATE TABLE IF NOT EXISTS ${table} (${definitions.join(', ')})`,
  addColumn: (table, definition) => `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${definition}`,
  widenColumn: (table, column, type) => `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type}`,
  dropTable: (table) => `DROP TABLE IF EXISTS ${table}`,
  upsert: onConflictUpsert,
  select: (options: SelectOptions) =>
    `SELECT ${options.columns.join(', ')} FROM ${options.table} WHERE ${options.where}` +
    (options.orderBy ? ` ORDER BY ${options.orderBy.join(', ')}` : '') +
    (options.limit === undefined ? '' : ` LIMIT ${Math.trunc(options.limit)}`) +
    (options.forUpdate === true ? ' FOR UPDATE' : ''),
};
