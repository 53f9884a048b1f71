import { ErrorCode, HubsyncError } from '../errors.js';
import { cursorAfter, streamStart } from './cursor.js';
import type { Change, EngineName, ReadChangesRequest, SnapshotRequest, TableSnapshot } from './provider.js';

/**
 * A snapshot read the way batches read it: page after page through readChanges, each page after
 * the last one in (stamp, key) order. No read needs to see the same moment as another: like a run
 * of batches, the pages together hold every change below the watermark, and a row changed while
 * they are read carries a later stamp and comes with the next run.
 */
export function pagedSnapshot(
  engine: EngineName,
  request: SnapshotRequest,
  readChanges: (read: ReadChangesRequest) => Promise<readonly Change[]>,
): TableSnapshot {
  return {
    engine,
    request,
    pages: async function* (pageSize: number): AsyncGenerator<readonly Change[]> {
      let after = streamStart;
      for (;;) {
        const changes = await readChanges({ ...request, after, limit: pageSize });
        // An unreadable change carries its key only: loaded, it would be a row with its values
        // missing. Refused, the load gives way to batches, which keep it as a failed record.
        const unreadable = changes.find((change) => change.unreadable !== undefined);
        if (unreadable !== undefined) throw new HubsyncError(ErrorCode.DataRejected, unreadable.unreadable ?? '');
        if (changes.length > 0) yield changes;
        if (changes.length < pageSize) return;
        after = cursorAfter(request.table, changes);
      }
    },
  };
}
