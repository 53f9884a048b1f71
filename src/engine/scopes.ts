import type { SyncGroup } from './group.js';

/**
 * The scope id a node's changes carry once applied elsewhere. Namespaced by group so a database
 * taking part in two groups keeps the changes of each apart.
 */
export function scopeOf(group: SyncGroup, nodeName: string): string {
  return `${group.name}:${nodeName}`;
}

/**
 * Under this scope a toHub member records how much of the hub existed when it last synced: it
 * never downloads, so hub changes after that are the ones its uploads conflict with. Kept apart
 * from the hub's own scope so a member that later becomes bidirectional still downloads
 * everything it never received.
 */
export function hubSeenScope(hubScope: string): string {
  return `${hubScope}#seen`;
}
