import { createHash } from 'node:crypto';

/** The schema that holds every object hubsync creates, so deprovisioning can find them all. */
export const trackingSchema = 'hubsync';

/** Quotes an identifier so any name, including one containing quotes or SQL, is taken literally. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A string literal for DDL, where bind parameters cannot be used. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A short, stable prefix for names derived from a table name. PostgreSQL truncates identifiers
 * at 63 bytes, so deriving names by appending to the table name could collide or be cut off.
 */
export function derivedPrefix(table: string): string {
  return `t_${createHash('md5').update(table, 'utf8').digest('hex').slice(0, 16)}`;
}

/** hubsync's own tables in the tracking schema; a user table of the same name must not collide. */
const reservedTrackingNames: ReadonlySet<string> = new Set(['meta', 'tracked', 'positions']);

/** Tracking tables carry the user's table name for readability unless it is one of ours. */
export function trackingTableName(table: string): string {
  return reservedTrackingNames.has(table) ? derivedPrefix(table) : table;
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
