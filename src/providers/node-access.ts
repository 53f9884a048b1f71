import type { EngineContext } from '../engine/engine-context.js';
import type { Provider } from '../engine/provider.js';
import type { ConnectionResolver } from '../secrets/connection-resolver.js';

/**
 * How the CLI and the service reach a node: resolve its connection reference, then open or locate its
 * engine's database. Each engine's module (and so its driver: pg, better-sqlite3's native module,
 * mssql) is imported only when a node of that engine is used.
 */
export function nodeAccess(resolver: ConnectionResolver): Pick<EngineContext, 'openProvider' | 'locateDatabase'> {
  return {
    async openProvider(node, { create }): Promise<Provider> {
      const connection = await resolver.resolve(node);
      switch (node.provider) {
        case 'postgres':
          return (await import('./postgres/postgres-provider.js')).openPostgresProvider(connection);
        case 'sqlite':
          return (await import('./sqlite/sqlite-provider.js')).openSqliteProvider(connection, { create });
        case 'mssql':
          return (await import('./mssql/mssql-provider.js')).openMssqlProvider(connection);
      }
    },
    async locateDatabase(node): Promise<string> {
      const connection = await resolver.resolve(node);
      switch (node.provider) {
        case 'postgres':
          return (await import('./postgres/postgres-connection-string.js')).postgresLocation(connection);
        case 'sqlite':
          return (await import('./sqlite/sqlite-location.js')).sqliteLocation(connection);
        case 'mssql':
          return (await import('./mssql/mssql-connection-string.js')).mssqlLocation(connection);
      }
    },
  };
}
