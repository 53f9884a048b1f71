import { schemaRules, type TableName } from '../../engine/table-name.js';

export { derivedPrefix, trackingSchema, trackingTableName } from '../tracking-names.js';

/** Quotes an identifier so any name, including one containing quotes or SQL, is taken literally. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A string literal for DDL, where bind parameters cannot be used. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/** A user table, quoted and schema-qualified (a table without a schema is in "public"). */
export function qualifiedTableName(table: TableName): string {
  return qualifiedName(schemaOf(table), table.name);
}

export function schemaOf(table: TableName): string {
  return table.schema ?? schemaRules.postgres.defaultSchema;
}

/**
 * Dollar-quotes a function body with a tag that does not occur in it; identifiers inside the body
 * are user-chosen and could contain any fixed tag. The newlines keep a body that starts or ends
 * with part of a tag from forming the tag together with the quotes.
 */
export function dollarQuote(body: string): string {
  let tag = '$hs$';
  for (let attempt = 0; body.includes(tag); attempt += 1) tag = `$hs${attempt}$`;
  return `${tag}\n${body}\n${tag}`;
}
