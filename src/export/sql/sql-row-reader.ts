import type { SyncValue, TableSchema } from '../../engine/types.js';
import { keyValues, toJsonValue } from '../../engine/values.js';
import type { ExportDialect } from './export-dialect.js';
import { ReplicaSql } from './replica-sql.js';
import type { SqlConnection } from './sql-connection.js';

/**
 * A SQL source's current rows by primary key. The provider has no such read yet; this stays
 * beside the export until one exists (the failed-record retry of sync groups needs it too).
 */
export class SqlRowReader {
  private readonly sql: ReplicaSql;

  constructor(
    private readonly connection: SqlConnection,
    private readonly dialect: ExportDialect,
    schema: string,
  ) {
    this.sql = new ReplicaSql(dialect, schema);
  }

  async read(table: TableSchema, keys: readonly (readonly SyncValue[])[]): Promise<(SyncValue[] | null)[]> {
    const found = new Map<string, SyncValue[]>();
    for (const statement of this.sql.selectByKeys(table.name, table, keys)) {
      for (const row of await this.connection.query(statement.sql, statement.params)) {
        const values = table.columns.map((column, index) => this.dialect.decode(row[index], column.type));
        found.set(keyText(keyValues(table, values)), values);
      }
    }
    return keys.map((key) => found.get(keyText(key)) ?? null);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function keyText(key: readonly SyncValue[]): string {
  return JSON.stringify(key.map(toJsonValue));
}
