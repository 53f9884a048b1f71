import type { ColumnInfo, IndexInfo, TableInfo } from '../../engine/types.js';
import type { QueryRunner, SqlParameter } from './mssql-connection.js';
import { comparesExactly, logicalTypeOf, nativeSpelling, type NativeColumn } from './mssql-types.js';
import { schemaOf, trackingSchema } from './mssql-identifiers.js';
import { tableId, withoutDefaultSchema, type TableName } from '../../engine/table-name.js';

interface ColumnRow extends Record<string, unknown> {
  schema_name: string;
  table_name: string;
  column_name: string;
  type_name: string;
  max_length: number;
  precision: number;
  scale: number;
  is_nullable: boolean;
  is_identity: boolean;
  collation_name: string | null;
  unwritable: NativeColumn['unwritable'];
}

/**
 * User tables: with @p1 NULL those of every schema but the system's, hubsync's and Azure SQL Data
 * Sync's (its tracking tables are not the user's); else those of schema @p1, or one table when
 * @p2 names it.
 */
const userTables = `
  t.is_ms_shipped = 0 AND (@p2 IS NULL OR t.name = @p2)
  AND (CASE WHEN @p1 IS NULL
            THEN CASE WHEN SCHEMA_NAME(t.schema_id) IN (N'sys', N'INFORMATION_SCHEMA', N'${trackingSchema}', N'DataSync') THEN 0 ELSE 1 END
            WHEN t.schema_id = SCHEMA_ID(@p1) THEN 1 ELSE 0 END) = 1`;

/**
 * Columns of user tables. The type is the system type (an alias type such as
 * sysname reads as nvarchar); CLR types (geography, geometry, hierarchyid, user assemblies) keep
 * their own name and map to no logical type.
 */
const columnsSql = `
SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, c.name AS column_name,
       LOWER(CASE WHEN ty.is_assembly_type = 1 THEN ty.name ELSE TYPE_NAME(c.system_type_id) END) AS type_name,
       c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.collation_name,
       CASE WHEN c.is_computed = 1 THEN 'computed'
            WHEN c.generated_always_type <> 0 THEN 'generated always'
            WHEN c.is_filestream = 1 THEN 'FILESTREAM'
            WHEN c.xml_collection_id <> 0 THEN 'xml schema collection' END AS unwritable
FROM sys.tables t
JOIN sys.columns c ON c.object_id = t.object_id
JOIN sys.types ty ON ty.user_type_id = c.user_type_id
WHERE ${userTables}
ORDER BY SCHEMA_NAME(t.schema_id), t.name, c.column_id`;

/** Key columns in key order; "plain" indexes can be recreated from their column list alone. */
const indexesSql = `
SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, i.name AS index_name, i.is_primary_key, i.is_unique,
       CASE WHEN i.has_filter = 0 AND i.type IN (1, 2) THEN 1 ELSE 0 END AS plain,
       c.name AS column_name
FROM sys.indexes i
JOIN sys.tables t ON t.object_id = i.object_id
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal > 0
JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE ${userTables}
ORDER BY SCHEMA_NAME(t.schema_id), t.name, i.name, ic.key_ordinal`;

/**
 * Azure SQL Data Sync's own objects on these tables: its `*_dss_*` triggers. hubsync leaves them
 * alone (a database can be migrated while both run) and says it found them.
 */
const dataSyncSql = `
SELECT SCHEMA_NAME(t.schema_id) AS schema_name, t.name AS table_name, tr.name AS trigger_name
FROM sys.triggers tr JOIN sys.tables t ON t.object_id = tr.parent_id
WHERE ${userTables} AND tr.name LIKE N'%[_]dss[_]%'
ORDER BY SCHEMA_NAME(t.schema_id), t.name, tr.name`;

/** All user tables, or one. */
function nameParams(table: TableName | null): SqlParameter[] {
  return [
    { type: 'nvarchar', value: table === null ? null : schemaOf(table) },
    { type: 'nvarchar', value: table?.name ?? null },
  ];
}

/** Rows name tables by schema and name; the map keys are table ids. */
function idOf(row: { schema_name: string; table_name: string }): string {
  return tableId(tableNameOf(row));
}

function tableNameOf(row: { schema_name: string; table_name: string }): TableName {
  return withoutDefaultSchema({ schema: row.schema_name, name: row.table_name }, 'mssql');
}

export function nativeColumnOf(row: ColumnRow): NativeColumn {
  return {
    name: row.column_name,
    typeName: row.type_name,
    maxLength: row.max_length,
    precision: row.precision,
    scale: row.scale,
    nullable: row.is_nullable,
    identity: row.is_identity,
    collation: row.collation_name,
    unwritable: row.unwritable,
  };
}

/**
 * SQL Server's IDENTITY takes an explicit value only on insert under SET IDENTITY_INSERT and is
 * never updated: PostgreSQL's GENERATED ALWAYS semantics. Computed columns and the period and
 * ledger columns the server writes itself (GENERATED ALWAYS AS ROW START, ...) are generated.
 */
function engineFlags(column: NativeColumn): Pick<ColumnInfo, 'identity' | 'generated'> {
  const generated = column.unwritable === 'computed' || column.unwritable === 'generated always';
  return { ...(column.identity ? { identity: 'always' } : {}), ...(generated ? { generated: true } : {}) };
}

/** The user's tables in every schema as the catalogue describes them; one table when `table` is given. */
export async function introspectTables(runner: QueryRunner, table: TableName | null = null): Promise<TableInfo[]> {
  const columns = await runner.query<ColumnRow>(columnsSql, nameParams(table));
  const indexes = await runner.query<{ schema_name: string; table_name: string; index_name: string; is_primary_key: boolean; is_unique: boolean; plain: number; column_name: string }>(
    indexesSql,
    nameParams(table),
  );
  const dataSync = await runner.query<{ schema_name: string; table_name: string; trigger_name: string }>(dataSyncSql, nameParams(table));
  const tables = new Map<string, { name: TableName; columns: ColumnInfo[]; primaryKey: string[]; indexes: IndexInfo[]; notes: string[] }>();
  const native = new Map<string, NativeColumn>();
  for (const row of columns) {
    let entry = tables.get(idOf(row));
    if (entry === undefined) {
      entry = { name: tableNameOf(row), columns: [], primaryKey: [], indexes: [], notes: [] };
      tables.set(idOf(row), entry);
    }
    const column = nativeColumnOf(row);
    native.set(`${idOf(row)}\u0000${column.name}`, column);
    entry.columns.push({
      name: column.name,
      nativeType: column.unwritable === null ? nativeSpelling(column) : `${nativeSpelling(column)} ${column.unwritable}`,
      type: logicalTypeOf(column),
      nullable: column.nullable,
      ...engineFlags(column),
    });
  }
  const byIndex = new Map<string, { table: string; name: string; primary: boolean; unique: boolean; plain: boolean; columns: string[] }>();
  for (const row of indexes) {
    const id = `${idOf(row)}\u0000${row.index_name}`;
    const index = byIndex.get(id) ?? { table: idOf(row), name: row.index_name, primary: row.is_primary_key, unique: row.is_unique, plain: row.plain === 1, columns: [] };
    index.columns.push(row.column_name);
    byIndex.set(id, index);
  }
  for (const index of byIndex.values()) {
    const entry = tables.get(index.table);
    if (entry === undefined) continue;
    if (index.primary) entry.primaryKey = index.columns;
    else if (index.plain) entry.indexes.push({ name: index.name, columns: index.columns, unique: index.unique });
  }
  for (const [name, entry] of tables) {
    // A key SQL Server cannot compare exactly (float, real) would match rows by approximation: refused like an unsyncable type.
    entry.columns = entry.columns.map((column) => {
      const nativeColumn = native.get(`${name}\u0000${column.name}`);
      return entry.primaryKey.includes(column.name) && nativeColumn !== undefined && !comparesExactly(nativeColumn)
        ? { ...column, nativeType: `${column.nativeType} (not exactly comparable)`, type: null }
        : column;
    });
  }
  for (const row of dataSync) {
    tables.get(idOf(row))?.notes.push(
      `Azure SQL Data Sync trigger ${row.trigger_name} found; hubsync leaves it and the DataSync schema untouched`,
    );
  }
  return [...tables.values()].map(({ name, notes, ...entry }) => ({ ...name, ...entry, ...(notes.length > 0 ? { notes } : {}) }));
}

/** The catalogue's description of one table's columns by name; null when the table does not exist. */
export async function nativeColumns(runner: QueryRunner, table: TableName): Promise<Map<string, NativeColumn> | null> {
  const rows = await runner.query<ColumnRow>(columnsSql, nameParams(table));
  return rows.length === 0 ? null : new Map(rows.map((row) => [row.column_name, nativeColumnOf(row)]));
}
