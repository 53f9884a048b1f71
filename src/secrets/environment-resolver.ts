import { isAbsolute, resolve } from 'node:path';
import type { NodeDefinition } from '../engine/group.js';
import type { ConnectionResolver } from './connection-resolver.js';
import { readEnvironmentSetting, type Environment } from './environment-setting.js';

const envPrefix = 'env:';

/**
 * The CLI's resolver: `env:NAME` reads an environment variable, a relative SQLite path is taken
 * from the config file's folder (so a config works from any working directory), anything else
 * is used as written.
 */
export class EnvironmentResolver implements ConnectionResolver {
  constructor(
    private readonly configDirectory: string,
    private readonly environment: Environment = process.env,
  ) {}

  async resolve(node: NodeDefinition): Promise<string> {
    const connection = node.connection.startsWith(envPrefix)
      ? readEnvironmentSetting(this.environment, node.connection.slice(envPrefix.length), node)
      : node.connection;
    return node.provider === 'sqlite' && !isAbsolute(connection)
      ? resolve(this.configDirectory, connection)
      : connection;
  }
}
