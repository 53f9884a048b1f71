import { ErrorCode, HubsyncError } from '../errors.js';
import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';

/**
 * Refuse a group in which two nodes are one database: a member on the hub's own database, or two
 * members on the same database or file. Their tracking tables and scopes would collide and every
 * change would echo between them, so such a group can never work. Located without connecting,
 * so nothing is opened or created before the refusal. Messages name nodes, never connections.
 */
export async function assertDistinctDatabases(group: SyncGroup, context: EngineContext): Promise<void> {
  const owners = new Map<string, string>();
  for (const node of [group.hub, ...group.members]) {
    const location = `${node.provider}:${await context.locateDatabase(node)}`;
    const owner = owners.get(location);
    if (owner !== undefined) {
      throw new HubsyncError(
        ErrorCode.ConfigInvalid,
        owner === group.hub.name
          ? `member "${node.name}" is on the hub's own database; a member must be another database`
          : `members "${owner}" and "${node.name}" are on the same database; each member must be a database of its own`,
      );
    }
    owners.set(location, node.name);
  }
}
