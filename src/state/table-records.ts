import { randomUUID } from 'node:crypto';
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { Page, PageRequest } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { decodeContinuationToken, encodeContinuationToken, pageLimit } from './continuation-token.js';
import { escapeKey, keysUnder, nextSequence, sequenceKey } from './table-keys.js';
import { groupParts, partProperties, partsPerEntity, readParts, requestBytes, splitText } from './table-record-parts.js';
import { isConflictStatus, statusOf } from './table-status.js';

/** A record as stored, with its revision: opaque, new with every write. */
export interface Revised<T> {
  readonly value: T;
  readonly revision: string;
}

/** Where a kind of record lists: its ordering time, and whether newest comes first. */
export interface RecordOrder<T> {
  /** A key-safe string (escaped) that sorts as the list should. */
  readonly timeKey: (value: T) => string;
  readonly descending: boolean;
}

/**
 * One kind of record (conflicts, failed records, runs, groups) in one table, a partition per
 * group. Each record is three kinds of entity in its partition:
 *
 *   i|<id>                   index: where the head is, the insertion sequence, the revision
 *   o|<time>|<sequence>|<id> head: the record (or its first parts), in list order
 *   c|<revision>|<n>         chunks: the rest of a record too large for one entity
 *
 * A write replaces the index under its etag in the same transaction as the head, so of two
 * writers that read the same record one fails and re-reads (compare and set). Chunks are named
 * by the revision they belong to and written before the head that points at them, so a reader
 * never sees half a record; those of the replaced revision are deleted afterwards.
 */
export class TableRecords<T> {
  constructor(
    private readonly client: TableClient,
    private readonly order: RecordOrder<T>,
    private readonly ready: () => Promise<void>,
  ) {}

  async get(partition: string, id: string): Promise<Revised<T> | null> {
    await this.ready();
    // A read racing a replacement can find the head or chunks it needs already gone; reading
    // again finds the new revision.
    for (let attempt = 1; ; attempt += 1) {
      const index = await this.getIndex(partition, id);
      if (index === null) return null;
      const head = await this.getEntity(partition, index.head);
      const record = head === null ? undefined : await this.assemble(partition, head);
      if (record !== undefined) return record;
      giveUpAfter(attempt, id);
    }
  }

  /**
   * Write the record `decide` returns from the stored one (null: none). `decide` may throw to
   * refuse; it runs again when another writer got in first. Returns the new revision.
   */
  async write(partition: string, id: string, decide: (stored: Revised<T> | null) => T): Promise<string> {
    await this.ready();
    for (let attempt = 1; ; attempt += 1) {
      const index = await this.getIndex(partition, id);
      const head = index === null ? null : await this.getEntity(partition, index.head);
      const stored = head === null ? null : ((await this.assemble(partition, head)) ?? null);
      if (index !== null && stored === null) {
        giveUpAfter(attempt, id);
        continue;
      }
      const value = decide(stored);
      const sequence = index?.sequence ?? String(nextSequence());
      const revision = randomUUID();
      // The id makes the key unique even when two processes draw the same sequence.
      const headKey = `o|${this.order.timeKey(value)}|${sequenceKey(Number(sequence), this.order.descending)}|${escapeKey(id)}`;
      const [headParts = [], ...chunkParts] = groupParts(splitText(JSON.stringify(value)));
      const parts = headParts.length + chunkParts.reduce((sum, chunk) => sum + chunk.length, 0);

      const chunks: TransactionAction[] = chunkParts.map((chunk, n) => [
        'upsert',
        { partitionKey: partition, rowKey: chunkKey(revision, n), ...partProperties(chunk) },
        'Replace',
      ]);
      const indexEntity = { partitionKey: partition, rowKey: indexKey(id), head: headKey, sequence, revision };
      const actions: TransactionAction[] = [
        index === null ? ['create', indexEntity] : ['update', indexEntity, 'Replace', { etag: index.etag }],
        ['upsert', { partitionKey: partition, rowKey: headKey, id, revision, parts, ...partProperties(headParts) }, 'Replace'],
      ];
      if (index !== null && index.head !== headKey) actions.push(['delete', { partitionKey: partition, rowKey: index.head }]);

      // Chunks go in the same transaction when they fit; otherwise before the head that points at them.
      const together = fitsOneTransaction([...chunkParts, headParts]);
      if (!together) await this.writeChunks(chunkParts, chunks);
      if (await this.commit(together ? [...chunks, ...actions] : actions)) {
        if (head !== null) await this.deleteChunks(partition, head);
        return revision;
      }
      if (!together) await this.deleteChunks(partition, { revision, parts });
      giveUpAfter(attempt, id);
    }
  }

  /** Returns whether there was one. */
  async delete(partition: string, id: string): Promise<boolean> {
    await this.ready();
    const index = await this.getIndex(partition, id);
    if (index === null) return false;
    const head = await this.getEntity(partition, index.head);
    const actions: TransactionAction[] = [['delete', { partitionKey: partition, rowKey: indexKey(id) }]];
    if (head !== null) actions.push(['delete', { partitionKey: partition, rowKey: index.head }]);
    // A concurrent delete of the same record got there first (404): it was there, but not ours to report.
    if (!(await this.commit(actions, [404]))) return false;
    if (head !== null) await this.deleteChunks(partition, head);
    return true;
  }

  /**
   * In list order, after the head key a token holds: keyset paging, so records written between
   * pages neither repeat nor shift the rest. One head more than asked for tells whether another
   * page follows, so the last page has no token.
   */
  async list(partition: string, page: PageRequest = {}): Promise<Page<Revised<T>>> {
    await this.ready();
    const limit = pageLimit(page.limit, 1000);
    const heads = keysUnder('o');
    const after = page.continuationToken ? decodeContinuationToken(page.continuationToken, isHeadKey) : heads.from;
    const filter = odata`PartitionKey eq ${partition} and RowKey gt ${after} and RowKey lt ${heads.to}`;
    const found: TableEntityResult<Record<string, unknown>>[] = [];
    // The service may return fewer than asked per request (and a token to go on); follow it.
    for await (const sdkPage of this.client.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: limit + 1 })) {
      found.push(...sdkPage);
      if (found.length > limit) break;
    }
    const items = found.slice(0, limit);
    const records = await Promise.all(
      items.map(async (head) => (await this.assemble(partition, head)) ?? (await this.get(partition, String(head['id'])))),
    );
    const last = items[items.length - 1];
    return {
      items: records.filter((record): record is Revised<T> => record !== null),
      continuationToken: found.length > limit && last ? encodeContinuationToken(last.rowKey) : null,
    };
  }

  /** The record a head holds with its chunks; undefined when a chunk is gone (replaced meanwhile). */
  private async assemble(partition: string, head: Readonly<Record<string, unknown>>): Promise<Revised<T> | undefined> {
    const parts = Number(head['parts']);
    const revision = String(head['revision']);
    const text = readParts(head, Math.min(parts, partsPerEntity));
    if (text === undefined) return undefined;
    if (parts > partsPerEntity) {
      const range = keysUnder(`c|${revision}`);
      const filter = odata`PartitionKey eq ${partition} and RowKey gt ${range.from} and RowKey lt ${range.to}`;
      for await (const chunk of this.client.listEntities({ queryOptions: { filter } })) {
        text.push(...(readParts(chunk, Math.min(parts - text.length, partsPerEntity)) ?? []));
      }
      if (text.length !== parts) return undefined;
    }
    return { value: JSON.parse(text.join('')) as T, revision };
  }

  private async writeChunks(chunkParts: readonly string[][], chunks: readonly TransactionAction[]): Promise<void> {
    let batch: TransactionAction[] = [];
    let bytes = 0;
    for (const [n, action] of chunks.entries()) {
      const size = requestBytes(chunkParts[n] ?? []);
      if (batch.length > 0 && (batch.length === maxActions || bytes + size > maxTransactionBytes)) {
        await this.client.submitTransaction(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(action);
      bytes += size;
    }
    if (batch.length > 0) await this.client.submitTransaction(batch);
  }

  /** Delete the chunks of a replaced, deleted or refused revision; leftovers would only waste space. */
  private async deleteChunks(partition: string, head: Readonly<Record<string, unknown>>): Promise<void> {
    const count = Math.ceil(Math.max(0, Number(head['parts']) - partsPerEntity) / partsPerEntity);
    const revision = String(head['revision']);
    for (let start = 0; start < count; start += maxActions) {
      const actions: TransactionAction[] = Array.from({ length: Math.min(maxActions, count - start) }, (_, n) => [
        'delete',
        { partitionKey: partition, rowKey: chunkKey(revision, start + n) },
      ]);
      await this.commit(actions, [404]);
    }
  }

  /** Submit; false when a condition failed (another writer won), or on one of `alsoFalse`. */
  private async commit(actions: TransactionAction[], alsoFalse: readonly number[] = []): Promise<boolean> {
    try {
      await this.client.submitTransaction(actions);
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (isConflictStatus(status) || (status !== undefined && alsoFalse.includes(status))) return false;
      throw error;
    }
  }

  private async getIndex(partition: string, id: string): Promise<{ head: string; sequence: string; etag: string } | null> {
    const index = await this.getEntity(partition, indexKey(id));
    return index === null ? null : { head: String(index['head']), sequence: String(index['sequence']), etag: index.etag };
  }

  private async getEntity(partition: string, rowKey: string): Promise<TableEntityResult<Record<string, unknown>> | null> {
    try {
      return await this.client.getEntity<Record<string, unknown>>(partition, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }
}

/** Past this many tries, a record that keeps changing under a read or write is an error, not a loop. */
function giveUpAfter(attempt: number, id: string): void {
  if (attempt >= 20) throw new HubsyncError(ErrorCode.DatabaseError, `record "${id}" kept changing while it was read or written`);
}

/** Table storage's limits on one transaction: 100 operations and 4 MiB, less room for framing. */
const maxActions = 100;
const maxTransactionBytes = 3.5 * 1024 * 1024;

function fitsOneTransaction(entityParts: readonly (readonly string[])[]): boolean {
  const bytes = entityParts.reduce((sum, parts) => sum + requestBytes(parts), 0);
  // Room for the index entity and the deletion of a replaced head.
  return entityParts.length + 2 <= maxActions && bytes <= maxTransactionBytes;
}

function indexKey(id: string): string {
  return `i|${escapeKey(id)}`;
}

function chunkKey(revision: string, n: number): string {
  return `c|${revision}|${String(n).padStart(5, '0')}`;
}

function isHeadKey(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('o|');
}
