import { quoteIdentifier } from '../../providers/sqlite/sqlite-identifiers.js';
import { declaredTypeOf, toCanonical, toParameter, type SqliteValue } from '../../providers/sqlite/sqlite-types.js';
import type { ExportDialect, SelectOptions } from './export-dialect.js';
import { onConflictUpsert } from './upsert-on-conflict.js';

export const sqliteExportDialect: ExportDialect = {
  engine: 'sqlite',
  defaultSchema: 'main',
  // SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32766.
  maxParameters: 30_000,
  maxRows: 5_000,
  quote: quoteIdentifier,
  table: (schema, name) => `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`,
  parameter: () => '?',
  bind: (value, type) => toParameter(value, type),
  read: (sql) => sql,
  decode: (value, type) => toCanonical(value as SqliteValue, type),
  columnType: (type) => declaredTypeOf(type),
  timeType: 'TEXT',
  now: `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
  identityKey: `${quoteIdentifier('Id')} INTEGER PRIMARY KEY`,
  createSchema: () => null,
  createTable: (table, _schema, _name, definitions) => `CREATE TABLE IF NOT EXISTS ${table} (${definitions.join(', ')})`,
  addColumn: (table, definition) => `ALTER TABLE ${table} ADD COLUMN ${definition}`,
  // SQLite enforces no length and no precision: a widened source column needs nothing here.
  widenColumn: () => null,
  dropTable: (table) => `DROP TABLE IF EXISTS ${table}`,
  upsert: onConflictUpsert,
  // One writer: the transaction (BEGIN IMMEDIATE) already holds what FOR UPDATE would lock.
  select: (options: SelectOptions) =>
    `SELECT ${options.columns.join(', ')} FROM ${options.table} WHERE ${options.where}` +
    (options.orderBy ? ` ORDER BY ${options.orderBy.join(', ')}` : '') +
    (options.limit === undefined ? '' : ` LIMIT ${Math.trunc(options.limit)}`),
};
