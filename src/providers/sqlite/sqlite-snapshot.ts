import { pagedSnapshot } from '../../engine/paged-snapshot.js';
import type { Change, ReadChangesRequest, SnapshotRequest, TableSnapshot } from '../../engine/provider.js';

/**
 * A SQLite table's stream below a watermark. Pages for a destination of another engine; a SQLite
 * destination attaches the source's file instead and copies the stream with set-based SQL, so no
 * row passes through hubsync (see sqlite-attached-copy.ts).
 */
export class SqliteTableSnapshot implements TableSnapshot {
  readonly engine = 'sqlite' as const;
  readonly pages: TableSnapshot['pages'];

  constructor(
    /** The source database's file, the same for every path that reaches it; null for an in-memory database. */
    readonly file: string | null,
    readonly request: SnapshotRequest,
    readChanges: (read: ReadChangesRequest) => Promise<readonly Change[]>,
  ) {
    this.pages = pagedSnapshot('sqlite', request, readChanges).pages;
  }
}
