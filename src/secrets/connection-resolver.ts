import type { NodeDefinition } from '../engine/group.js';

/**
 * Turns a node's connection reference (literal, path, env:NAME, secret name) into what its
 * provider opens. The result is a secret: callers hand it to the provider and nowhere else.
 */
export interface ConnectionResolver {
  resolve(node: NodeDefinition): Promise<string>;
}

/** `member "store1"` or `hub "hub"`, for messages about a node. */
export function describeNode(node: NodeDefinition): string {
  return `${'direction' in node ? 'member' : 'hub'} "${node.name}"`;
}
