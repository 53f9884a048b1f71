import { PostgresConnection } from '../../providers/postgres/postgres-connection.js';
import type { SqlConnection } from './sql-connection.js';

export async function openPostgresSqlConnection(connectionString: string): Promise<SqlConnection> {
  const connection = await PostgresConnection.open(connectionString);
  return {
    query: (sql, params) => connection.queryArrays(sql, params),
    transaction: (work) => connection.transaction((session) => work({ query: (sql, params) => session.queryArrays(sql, params) })),
    close: () => connection.close(),
  };
}
