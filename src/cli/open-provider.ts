import type { EngineContext } from '../engine/engine-context.js';
import type { Provider } from '../engine/provider.js';
import { openPostgresProvider } from '../providers/postgres/postgres-provider.js';
import { openSqliteProvider } from '../providers/sqlite/sqlite-provider.js';
import type { ConnectionResolver } from '../secrets/connection-resolver.js';

/** The CLI's way to reach a node: resolve its connection reference, then open its engine's provider. */
export function providerOpener(resolver: ConnectionResolver): EngineContext['openProvider'] {
  return async (node, { create }): Promise<Provider> => {
    const connection = await resolver.resolve(node);
    switch (node.provider) {
      case 'postgres':
        return openPostgresProvider(connection);
      case 'sqlite':
        return openSqliteProvider(connection, { create });
    }
  };
}
