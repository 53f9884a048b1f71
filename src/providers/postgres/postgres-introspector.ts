import type { ColumnInfo, IndexInfo, TableInfo } from '../../engine/types.js';
import type { QueryRunner } from './postgres-connection.js';
import { logicalTypeOf } from './postgres-types.js';
import { schemaOf, trackingSchema } from './postgres-identifiers.js';
import { tableId, withoutDefaultSchema, type TableName } from '../../engine/table-name.js';

interface ColumnRow extends Record<string, unknown> {
  schema_name: string;
  table_name: string;
  column_name: string;
  native_type: string;
  type_oid: number;
  typmod: number;
  not_null: boolean;
  generated: boolean;
  identity: string;
}

interface IndexRow extends Record<string, unknown> {
  schema_name: string;
  table_name: string;
  index_name: string;
  is_primary: boolean;
  is_unique: boolean;
  plain: boolean;
  columns: string[];
}

/**
 * The schemas that hold user tables: not the system's, not hubsync's own. With $1 and $2 set,
 * one table.
 */
const userTables = `
  (CASE WHEN $1::text IS NULL
        THEN n.nspname NOT IN ('pg_catalog', 'information_schema', '${trackingSchema}') AND n.nspname NOT LIKE 'pg\\_%'
        ELSE n.nspname = $1 END)
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND ($2::text IS NULL OR c.relname = $2)`;

/**
 * Ordinary and partitioned tables, not partitions: a partition's rows are synced through its
 * parent. Generated columns cannot be written, so they are reported with no logical type.
 */
const columnsSql = `
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attnum AS position, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS native_type,
       a.atttypid AS type_oid, a.atttypmod AS typmod, a.attnotnull AS not_null,
       a.attgenerated <> '' AS generated, a.attidentity::text AS identity
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE ${userTables}
ORDER BY n.nspname, c.relname, a.attnum`;

/**
 * Key columns only (not INCLUDE columns). An index is "plain" when it can be recreated from its
 * column list alone: a btree without expressions or a predicate.
 */
const indexesSql = `
SELECT n.nspname AS schema_name, c.relname AS table_name, i.relname AS index_name, x.indisprimary AS is_primary,
       x.indisunique AS is_unique,
       (x.indexprs IS NULL AND x.indpred IS NULL AND am.amname = 'btree') AS plain,
       ARRAY(SELECT a.attname::text
             FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE k.position <= x.indnkeyatts
             ORDER BY k.position) AS columns
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = i.relam
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${userTables}
ORDER BY n.nspname, c.relname, i.relname`;

/**
 * Both lists in one statement: a run opens its connections anew, and a second query in flight
 * would make the pool open a second connection, which costs more than the catalogue read itself.
 */
const catalogueSql = `
SELECT (SELECT coalesce(json_agg(c ORDER BY c.schema_name, c.table_name, c.position), '[]') FROM (${columnsSql}) c) AS columns,
       (SELECT coalesce(json_agg(i ORDER BY i.schema_name, i.table_name, i.index_name), '[]') FROM (${indexesSql}) i) AS indexes`;

/** The user's tables in every schema as the catalogue describes them; one table when `table` is given. */
export async function introspectTables(runner: QueryRunner, table: TableName | null = null): Promise<TableInfo[]> {
  const params = table === null ? [null, null] : [schemaOf(table), table.name];
  // json comes back as text: the pool keeps json's text form (postgres-connection.ts).
  const { rows } = await runner.query<{ columns: string; indexes: string }>(catalogueSql, params);
  const columns = { rows: JSON.parse(rows[0]?.columns ?? '[]') as ColumnRow[] };
  const indexes = { rows: JSON.parse(rows[0]?.indexes ?? '[]') as IndexRow[] };
  const tables = new Map<string, { name: TableName; columns: ColumnInfo[]; primaryKey: string[]; indexes: IndexInfo[] }>();
  for (const row of columns.rows) {
    const name = tableNameOf(row);
    let entry = tables.get(tableId(name));
    if (entry === undefined) {
      entry = { name, columns: [], primaryKey: [], indexes: [] };
      tables.set(tableId(name), entry);
    }
    entry.columns.push({
      name: row.column_name,
      nativeType: row.generated ? `${row.native_type} generated` : row.native_type,
      type: row.generated ? null : logicalTypeOf(Number(row.type_oid), row.typmod),
      nullable: !row.not_null,
      ...(row.generated ? { generated: true } : {}),
      ...identityOf(row.identity),
    });
  }
  for (const row of indexes.rows) {
    const entry = tables.get(tableId(tableNameOf(row)));
    if (entry === undefined) continue;
    if (row.is_primary) entry.primaryKey = row.columns;
    else if (row.plain && row.columns.length > 0) {
      entry.indexes.push({ name: row.index_name, columns: row.columns, unique: row.is_unique });
    }
  }
  return [...tables.values()].map(({ name, ...entry }) => ({ ...name, ...entry }));
}

function tableNameOf(row: { schema_name: string; table_name: string }): TableName {
  return withoutDefaultSchema({ schema: row.schema_name, name: row.table_name }, 'postgres');
}

/** pg_attribute.attidentity: 'a' GENERATED ALWAYS, 'd' BY DEFAULT, '' none. */
function identityOf(code: string): Pick<ColumnInfo, 'identity'> {
  if (code === 'a') return { identity: 'always' };
  return code === 'd' ? { identity: 'byDefault' } : {};
}

/** The native type of each column of one table, spelled by format_type so it is valid SQL as-is. */
export async function columnNativeTypes(runner: QueryRunner, table: TableName): Promise<Map<string, string> | null> {
  const columns = await runner.query<ColumnRow>(columnsSql, [schemaOf(table), table.name]);
  return columns.rows.length === 0 ? null : new Map(columns.rows.map((row) => [row.column_name, row.native_type]));
}
