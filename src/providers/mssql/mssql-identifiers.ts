import { schemaRules, type TableName } from '../../engine/table-name.js';

export { derivedPrefix, trackingSchema, trackingTableName } from '../tracking-names.js';

/**
 * Quotes an identifier in brackets, doubling any `]`, so any name (spaces, quotes, semicolons,
 * brackets) is taken literally. Brackets work whatever QUOTED_IDENTIFIER a session has.
 */
export function quoteIdentifier(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`;
}

export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/** A user table, quoted and schema-qualified (a table without a schema is in "dbo"). */
export function qualifiedTableName(table: TableName): string {
  return qualifiedName(schemaOf(table), table.name);
}

export function schemaOf(table: TableName): string {
  return table.schema ?? schemaRules.mssql.defaultSchema;
}

/** A Unicode string literal for the few places that take no parameters (DDL, OBJECT_ID in DDL batches). */
export function quoteLiteral(value: string): string {
  return `N'${value.replaceAll("'", "''")}'`;
}
