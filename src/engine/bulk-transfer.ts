import { ErrorCode, isHubsyncError } from '../errors.js';
import { completedCursor, encodeCursor } from './cursor.js';
import type { ApplyResult } from './provider.js';
import type { Transfer } from './transfer.js';

/**
 * A table's first transfer into a destination that holds none of it (every first sync, every new
 * member) as one bulk load instead of batches, where the destination can take it. Null when it
 * cannot: the table holds rows already, the position moved meanwhile, or rows were rejected (then
 * batches isolate them and keep them as failed records). The load is one transaction, so a kill
 * leaves nothing of it behind and the next run starts it again.
 */
export async function bulkTransfer(transfer: Transfer): Promise<ApplyResult | null> {
  const snapshot = await transfer.source.openSnapshot({
    table: transfer.table,
    before: transfer.before,
    excludeScope: transfer.excludeScope,
  });
  try {
    return await transfer.destination.bulkLoad({
      table: transfer.table,
      snapshot,
      sourceScope: transfer.sourceScope,
      through: encodeCursor(completedCursor(transfer.before)),
      pageSize: transfer.batchSize,
    });
  } catch (error) {
    if (isHubsyncError(error) && (error.code === ErrorCode.DataRejected || error.code === ErrorCode.PositionMoved)) return null;
    throw error;
  }
}
