import type { TableSchema } from '../../engine/types.js';
import { quoteIdentifier, quoteIdentifiers } from './sqlite-identifiers.js';
import { declaredTypeOf } from './sqlite-types.js';

/**
 * DDL for a member table hubsync creates from the hub's definition: columns, primary key, indexes.
 * Index names are kept as the hub spells them so introspection shows the same table on both
 * sides; they are already unique among the hub's indexes.
 */
export function createTableDdl(table: TableSchema): string[] {
  const keys = new Set(table.primaryKey);
  const columns = table.columns.map(
    (column) =>
      `${quoteIdentifier(column.name)} ${declaredTypeOf(column.type)}${column.nullable && !keys.has(column.name) ? '' : ' NOT NULL'}`,
  );
  const primaryKey = table.primaryKey.length === 0 ? [] : [`PRIMARY KEY (${quoteIdentifiers(table.primaryKey)})`];
  return [
    `CREATE TABLE ${quoteIdentifier(table.name)} (${[...columns, ...primaryKey].join(', ')})`,
    ...table.indexes.map(
      (index) =>
        `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(index.name)} ` +
        `ON ${quoteIdentifier(table.name)} (${quoteIdentifiers(index.columns)})`,
    ),
  ];
}

