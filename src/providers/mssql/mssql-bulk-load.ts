import type { ApplyResult, BulkLoadRequest } from '../../engine/provider.js';
import { tableId } from '../../engine/table-name.js';
import { dropStagingSql, loadBatch, lockPosition, recordPosition, takeApplierLock, withScope, writeRows, writeTombstones } from './mssql-applier.js';
import { columnsOf } from './mssql-change-reader.js';
import type { MssqlDatabase } from './mssql-connection.js';
import { trackingNames } from './mssql-tracking-sql.js';

/** The table does not qualify for a bulk load; thrown to roll back what the check did. */
class NotEmpty extends Error {}

/**
 * Fills an empty table in one transaction (see Provider.bulkLoad): each page goes in with one
 * bulk copy (tedious) into the staging table and one INSERT ... SELECT, whose statement-level
 * trigger writes the page's tracking rows set-based. A shared table lock held from the emptiness
 * check to the commit keeps local writers waiting, so every one of them is tracked after it.
 */
export async function bulkLoad(database: MssqlDatabase, request: BulkLoadRequest): Promise<ApplyResult | null> {
  const { table } = request;
  const names = trackingNames(table);
  try {
    return await database.transaction((session) =>
      withScope(session, names, request.sourceScope, async () => {
        await takeApplierLock(session, names);
        if ((await lockPosition(session, request.sourceScope, tableId(table))) !== null) throw new NotEmpty();
        const [check] = await session.query<{ occupied: number }>(
          `SELECT CASE WHEN EXISTS (SELECT 1 FROM ${names.baseTable} WITH (TABLOCK, HOLDLOCK))
                         OR EXISTS (SELECT 1 FROM ${names.trackingTable}) THEN 1 ELSE 0 END AS occupied`,
        );
        if (check?.occupied !== 0) throw new NotEmpty();
        const columns = await columnsOf(session, table);
        let applied = 0;
        for await (const page of request.snapshot.pages(request.pageSize)) {
          await loadBatch(session, table, names, columns, page);
          await writeTombstones(session, table, names, request.sourceScope);
          applied += await writeRows(session, table, names, columns);
          await session.query(dropStagingSql(names));
        }
        await recordPosition(session, request.sourceScope, tableId(table), request.through);
        return { applied, alreadyApplied: false };
      }),
    );
  } catch (error) {
    if (error instanceof NotEmpty) return null;
    throw error;
  }
}
