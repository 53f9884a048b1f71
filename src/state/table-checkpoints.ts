import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Cursor } from '../engine/provider.js';
import type { CheckpointEntry, CheckpointKey, TransferDirection } from '../engine/state-store.js';
import { decodeCursorKey, encodeCursorKey } from '../engine/cursor.js';
import { escapeKey, joinKey } from './table-keys.js';
import { isConflictStatus, statusOf } from './table-status.js';

interface CheckpointProperties {
  readonly member: string;
  readonly tableName: string;
  readonly direction: TransferDirection;
  readonly stamp: string;
  /** Absent when the cursor has no key: Table storage keeps no null properties. */
  readonly cursorKey?: string;
  readonly updatedAt: string;
}

/**
 * Checkpoints in Table storage: a partition per group, a row per (member, table, direction).
 * Compare and set reads the row, compares its cursor (by encoded form) and replaces it under
 * the etag it read, so a writer that lost the race gets 412 instead of moving it back.
 */
export class TableCheckpoints {
  constructor(
    private readonly client: TableClient,
    private readonly ready: () => Promise<void>,
  ) {}

  async get(key: CheckpointKey): Promise<Cursor | null> {
    const entity = await this.read(key);
    return entity === null ? null : cursorOf(entity);
  }

  async compareAndSet(key: CheckpointKey, expected: Cursor | null, next: Cursor): Promise<boolean> {
    const cursorKey = encodeCursorKey(next.key);
    const entity = {
      partitionKey: escapeKey(key.group),
      rowKey: joinKey(key.member, key.table, key.direction),
      member: key.member,
      tableName: key.table,
      direction: key.direction,
      stamp: next.stamp,
      ...(cursorKey === null ? {} : { cursorKey }),
      updatedAt: new Date().toISOString(),
    } satisfies CheckpointProperties & { partitionKey: string; rowKey: string };
    try {
      if (expected === null) {
        await this.ready();
        await this.client.createEntity(entity);
        return true;
      }
      const stored = await this.read(key);
      if (stored === null || stored.stamp !== expected.stamp || (stored.cursorKey ?? null) !== encodeCursorKey(expected.key)) {
        return false;
      }
      await this.client.updateEntity(entity, 'Replace', { etag: stored.etag });
      return true;
    } catch (error) {
      if (isConflictStatus(statusOf(error)) || statusOf(error) === 404) return false;
      throw error;
    }
  }

  async list(group: string, only: { readonly member?: string; readonly table?: string } = {}): Promise<CheckpointEntry[]> {
    await this.ready();
    let filter = odata`PartitionKey eq ${escapeKey(group)}`;
    if (only.member !== undefined) filter += odata` and member eq ${only.member}`;
    if (only.table !== undefined) filter += odata` and tableName eq ${only.table}`;
    const entries: CheckpointEntry[] = [];
    for await (const entity of this.client.listEntities<CheckpointProperties>({ queryOptions: { filter } })) {
      entries.push({
        key: { group, member: entity.member, table: entity.tableName, direction: entity.direction },
        cursor: cursorOf(entity),
        updatedAt: entity.updatedAt,
      });
    }
    return entries;
  }

  async reset(group: string, only: { readonly member?: string; readonly table?: string } = {}): Promise<void> {
    const doomed = await this.list(group, only);
    // One partition: deleted a transaction (at most 100 operations) at a time.
    for (let start = 0; start < doomed.length; start += 100) {
      const actions = doomed.slice(start, start + 100).map(
        ({ key }): TransactionAction => ['delete', { partitionKey: escapeKey(group), rowKey: joinKey(key.member, key.table, key.direction) }],
      );
      try {
        await this.client.submitTransaction(actions);
      } catch (error) {
        // One of them was deleted meanwhile, which failed the whole transaction: list again.
        if (statusOf(error) !== 404) throw error;
        return this.reset(group, only);
      }
    }
  }

  private async read(key: CheckpointKey): Promise<(CheckpointProperties & { etag: string }) | null> {
    await this.ready();
    try {
      return await this.client.getEntity<CheckpointProperties>(escapeKey(key.group), joinKey(key.member, key.table, key.direction));
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }
}

function cursorOf(entity: CheckpointProperties): Cursor {
  return { stamp: entity.stamp, key: decodeCursorKey(entity.cursorKey ?? null) };
}
