import type { SyncGroup } from './group.js';

/**
 * The scope id a node's changes carry once applied elsewhere. Namespaced by group so a database
 * taking part in two groups keeps the changes of each apart.
 */
export function scopeOf(group: SyncGroup, nodeName: string): string {
  return `${group.name}:${nodeName}`;
}
