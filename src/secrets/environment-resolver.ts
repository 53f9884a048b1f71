import { isAbsolute, resolve } from 'node:path';
import { ErrorCode, HubsyncError } from '../errors.js';
import type { NodeDefinition } from '../engine/group.js';
import { describeNode, type ConnectionResolver } from './connection-resolver.js';

const envPrefix = 'env:';

/**
 * The CLI's resolver: `env:NAME` reads an environment variable, a relative SQLite path is taken
 * from the config file's folder (so a config works from any working directory), anything else
 * is used as written.
 */
export class EnvironmentResolver implements ConnectionResolver {
  constructor(
    private readonly configDirectory: string,
    private readonly environment: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  async resolve(node: NodeDefinition): Promise<string> {
    const connection = node.connection.startsWith(envPrefix) ? this.fromEnvironment(node) : node.connection;
    return node.provider === 'sqlite' && !isAbsolute(connection)
      ? resolve(this.configDirectory, connection)
      : connection;
  }

  private fromEnvironment(node: NodeDefinition): string {
    const name = node.connection.slice(envPrefix.length);
    const value = this.environment[name];
    // An empty variable is treated as unset: an empty connection string can only fail later and less clearly.
    if (value === undefined || value === '') {
      throw new HubsyncError(
        ErrorCode.SecretNotFound,
        `environment variable ${name} is not set (referenced by ${describeNode(node)})`,
      );
    }
    return value;
  }
}
