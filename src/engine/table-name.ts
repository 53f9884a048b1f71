import { ErrorCode, HubsyncError } from '../errors.js';
import type { EngineName } from './provider.js';

/**
 * Where a table lives in one database. `schema` is omitted for the engine's default schema, so
 * a table in PostgreSQL's `public` and one in SQL Server's `dbo` have the same name, and every
 * name hubsync printed or stored before schemas existed stays what it was.
 */
export interface TableName {
  readonly schema?: string;
  readonly name: string;
}

interface SchemaRules {
  /** The schema a plain table name means. */
  readonly defaultSchema: string;
  /** Whether tables can live in other schemas (SQLite: only `main`; attached files are not synced). */
  readonly otherSchemas: boolean;
}

/** Typed by engine, so a new engine does not compile until it says how its schemas work. */
export const schemaRules: Readonly<Record<EngineName, SchemaRules>> = {
  postgres: { defaultSchema: 'public', otherSchemas: true },
  mssql: { defaultSchema: 'dbo', otherSchemas: true },
  sqlite: { defaultSchema: 'main', otherSchemas: false },
};

/**
 * The one text form of a table in outputs, state-store keys and positions: `name` in the default
 * schema, `schema.name` elsewhere, a part written in double quotes (quotes doubled) when it holds a
 * dot or starts with a quote, so the text reads back to the same table (parseTableName).
 */
export function tableId(table: TableName): string {
  return table.schema === undefined ? table.name : `${idPart(table.schema)}.${idPart(table.name)}`;
}

function idPart(part: string): string {
  return part.includes('.') || part.startsWith('"') ? `"${part.replaceAll('"', '""')}"` : part;
}

/**
 * A table as a user writes it: `table` (the default schema), `schema.table`, and either part in
 * double quotes when it holds a dot (`"sales.eu".orders`). Null when the text is not of that form.
 */
export function parseTableName(text: string): TableName | null {
  const parts: string[] = [];
  let rest = text;
  while (parts.length < 2) {
    const quoted = /^"((?:[^"]|"")+)"/.exec(rest);
    if (quoted === null && rest.startsWith('"')) return null;
    // Unquoted, a part runs to the next dot and may hold quotes after its first character.
    const part = quoted ? (quoted[1] ?? '').replaceAll('""', '"') : (/^[^.]+/.exec(rest)?.[0] ?? '');
    if (part === '') return null;
    parts.push(part);
    rest = rest.slice(quoted ? quoted[0].length : part.length);
    if (rest === '') break;
    if (!rest.startsWith('.')) return null;
    rest = rest.slice(1);
  }
  if (rest !== '' || parts.length === 0) return null;
  const [first, second] = parts as [string, string | undefined];
  return second === undefined ? { name: first } : { schema: first, name: second };
}

/**
 * The same table with the engine's default schema left out, so `public.orders` and `orders` are
 * one table on PostgreSQL. A schema the engine cannot have is a configuration error.
 */
export function inDatabase(table: TableName, engine: EngineName, where: string, hint = ''): TableName {
  const rules = schemaRules[engine];
  const located = withoutDefaultSchema(table, engine);
  if (located.schema !== undefined && !rules.otherSchemas) {
    throw new HubsyncError(
      ErrorCode.ConfigInvalid,
      `${where}: table "${tableId(table)}" cannot exist there: ${engine} has only the schema "${rules.defaultSchema}"${hint}`,
    );
  }
  return located;
}

/** The table with its schema left out when it is the engine's default one. */
export function withoutDefaultSchema(table: TableName, engine: EngineName): TableName {
  return table.schema === undefined || table.schema === schemaRules[engine].defaultSchema
    ? { name: table.name }
    : { schema: table.schema, name: table.name };
}

export function sameTable(a: TableName, b: TableName): boolean {
  return a.name === b.name && a.schema === b.schema;
}
