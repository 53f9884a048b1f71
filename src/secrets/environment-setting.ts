import { ErrorCode, HubsyncError } from '../errors.js';
import type { NodeDefinition } from '../engine/group.js';
import { describeNode } from './connection-resolver.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** The value of the environment variable an `env:NAME` reference of `node` names. */
export function readEnvironmentSetting(environment: Environment, name: string, node: NodeDefinition): string {
  const value = environment[name];
  // An empty variable is treated as unset: an empty connection string can only fail later and less clearly.
  if (value === undefined || value === '') {
    throw new HubsyncError(
      ErrorCode.SecretNotFound,
      `environment variable ${name} is not set (referenced by ${describeNode(node)})`,
    );
  }
  return value;
}
