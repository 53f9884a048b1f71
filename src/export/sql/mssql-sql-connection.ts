import { openMssqlDatabase, type MssqlDatabase, type SqlParameter } from '../../providers/mssql/mssql-connection.js';
import type { SqlConnection } from './sql-connection.js';

export async function openMssqlSqlConnection(connectionString: string): Promise<SqlConnection> {
  return mssqlSqlConnection(await openMssqlDatabase(connectionString));
}

/** Parameters are the dialect's SqlParameter values (mssql-export-dialect.ts binds them so). */
export function mssqlSqlConnection(database: MssqlDatabase): SqlConnection {
  const asParameters = (params: readonly unknown[]): SqlParameter[] => params as SqlParameter[];
  return {
    query: (sql, params) => database.queryArrays(sql, asParameters(params)),
    transaction: (work) => database.transaction((session) => work({ query: (sql, params) => session.queryArrays(sql, asParameters(params)) })),
    close: () => database.close(),
  };
}
