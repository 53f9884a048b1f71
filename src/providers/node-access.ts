import type { EngineContext } from '../engine/engine-context.js';
import type { Provider } from '../engine/provider.js';
import { postgresLocation } from './postgres/postgres-connection-string.js';
import { openPostgresProvider } from './postgres/postgres-provider.js';
import { sqliteLocation } from './sqlite/sqlite-location.js';
import { openSqliteProvider } from './sqlite/sqlite-provider.js';
import type { ConnectionResolver } from '../secrets/connection-resolver.js';

/** How the CLI and the service reach a node: resolve its connection reference, then open or locate its engine's database. */
export function nodeAccess(resolver: ConnectionResolver): Pick<EngineContext, 'openProvider' | 'locateDatabase'> {
  return {
    async openProvider(node, { create }): Promise<Provider> {
      const connection = await resolver.resolve(node);
      switch (node.provider) {
        case 'postgres':
          return openPostgresProvider(connection);
        case 'sqlite':
          return openSqliteProvider(connection, { create });
      }
    },
    async locateDatabase(node): Promise<string> {
      const connection = await resolver.resolve(node);
      switch (node.provider) {
        case 'postgres':
          return postgresLocation(connection);
        case 'sqlite':
          return sqliteLocation(connection);
      }
    },
  };
}
