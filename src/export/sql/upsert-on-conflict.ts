import type { UpsertRows, UpsertShape } from './export-dialect.js';

/**
 * INSERT ... ON CONFLICT DO UPDATE, spelt the same by PostgreSQL and SQLite: rows are inserted, or
 * the row with the same key takes the new values.
 */
export function onConflictUpsert(table: string, shape: UpsertShape, rows: UpsertRows): string {
  const { columns, keys, created, version } = shape;
  const updated = columns.filter((column) => !keys.includes(column) && !created.includes(column));
  const values = 'select' in rows ? rows.select : `VALUES ${rows.values.map((row) => `(${row.join(', ')})`).join(', ')}`;
  const guard = version === null ? '' : ` WHERE d.${version} IS NULL OR d.${version} <= excluded.${version}`;
  const action = updated.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${updated.map((column) => `${column} = excluded.${column}`).join(', ')}${guard}`;
  return `INSERT INTO ${table} AS d (${columns.join(', ')}) ${values} ON CONFLICT (${keys.join(', ')}) ${action}`;
}
