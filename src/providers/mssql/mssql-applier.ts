import type { ApplyRequest, ApplyResult, Change } from '../../engine/provider.js';
import { losingOrdinals } from '../conflict-candidates.js';
import { positionMoved } from '../../engine/positions.js';
import type { TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { batchColumn, batchKeyColumn, trackingKeyColumn } from '../tracking-names.js';
import { afterCursorSql, baseRowJoin, columnsOf, decodeTrackedRow, scopeDiffers, trackedRowSelect } from './mssql-change-reader.js';
import type { MssqlDatabase, MssqlSession, SqlParameter, StagingColumn } from './mssql-connection.js';
import { errorNumber } from './mssql-errors.js';
import { quoteLiteral, quoteIdentifier } from './mssql-identifiers.js';
import { positionsTable, scopeKey, trackingNames, type TrackingNames } from './mssql-tracking-sql.js';
import { comparableExpression, conversionTo, toWire, wireSqlType, wireTypeOf, type NativeColumn } from './mssql-types.js';
import { tableId } from '../../engine/table-name.js';

/** How long one statement waits for a row another transaction has locked before the apply starts over. */
const lockTimeoutMs = 2000;
const maxAttempts = 5;

/** Lock timeout (1222) and deadlock victim (1205): the apply changed nothing and can simply run again. */
const retryableErrors: ReadonlySet<number> = new Set([1205, 1222]);

/** A local write to one of the batch's keys committed while the apply ran; the apply starts over and sees it. */
class LocalWriteRaced extends Error {}

/**
 * Applies a batch set-based in one transaction, as the PostgreSQL applier does (see there): bulk
 * load into a temporary table, lock the rows it will change, detect conflicts with one join, let
 * the engine decide, write, and record the position in the same transaction (invariant 7).
 */
export async function applyChanges(database: MssqlDatabase, request: ApplyRequest): Promise<ApplyResult> {
  const names = trackingNames(request.table);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await database.transaction((session) => withScope(session, names, request.sourceScope, () => applyInTransaction(session, names, request)));
    } catch (error) {
      const retryable = error instanceof LocalWriteRaced || retryableErrors.has(errorNumber(error) ?? 0);
      if (!retryable) throw error;
      if (attempt >= maxAttempts) {
        const why = error instanceof LocalWriteRaced ? 'local writes kept changing rows of' : 'rows stayed locked by another transaction in';
        throw new HubsyncError(ErrorCode.RowsLocked, `${why} table "${request.table.name}"; the batch was not applied and the next sync retries it`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Tags the session with the applying scope for the triggers (invariant 2), and always takes the
 * tag and the staging tables off again before the pooled connection goes back: SESSION_CONTEXT
 * and #tables outlive the transaction, and a later write on this connection must not be tagged.
 */
export async function withScope<T>(session: MssqlSession, names: TrackingNames, scope: string, work: () => Promise<T>): Promise<T> {
  await session.query(`SET XACT_ABORT ON; SET LOCK_TIMEOUT ${lockTimeoutMs}`);
  await session.query(dropStagingSql(names));
  await session.query(`EXEC sys.sp_set_session_context @key = ${quoteLiteral(scopeKey)}, @value = @p1, @read_only = 0`, [
    { type: 'nvarchar', value: scope },
  ]);
  try {
    return await work();
  } finally {
    await session.query(`EXEC sys.sp_set_session_context @key = ${quoteLiteral(scopeKey)}, @value = NULL, @read_only = 0`);
    await session.query(dropStagingSql(names));
  }
}

export function dropStagingSql(names: TrackingNames): string {
  return `DROP TABLE IF EXISTS ${names.batchTable}; DROP TABLE IF EXISTS ${names.rawTable}`;
}

async function applyInTransaction(session: MssqlSession, names: TrackingNames, request: ApplyRequest): Promise<ApplyResult> {
  await takeApplierLock(session, names);
  const { position, sourceScope, table } = request;
  if (position !== null) {
    const recorded = await lockPosition(session, sourceScope, tableId(table));
    if (recorded === position.through) return { applied: 0, alreadyApplied: true };
    if (recorded !== position.after) throw positionMoved(tableId(table));
  }
  const applied = await applyBatch(session, names, await columnsOf(session, table), request);
  if (position !== null) await recordPosition(session, sourceScope, tableId(table), position.through);
  return { applied, alreadyApplied: false };
}

/** On the row lockPosition created and locked, in the apply's transaction (invariant 7). */
export async function recordPosition(session: MssqlSession, sourceScope: string, table: string, through: string): Promise<void> {
  await session.query(`UPDATE ${positionsTable} SET position = @p1, updated_at = SYSUTCDATETIME() WHERE source_scope = @p2 AND table_name = @p3`, [
    { type: 'nvarchar', value: through },
    { type: 'nvarchar', value: sourceScope },
    { type: 'nvarchar', value: table },
  ]);
}

/** Applies to one table take turns (application writes do not wait for this lock), as PostgreSQL's advisory lock. */
export async function takeApplierLock(session: MssqlSession, names: TrackingNames): Promise<void> {
  const [lock] = await session.query<{ result: number }>(
    `DECLARE @result int; EXEC @result = sys.sp_getapplock @Resource = @p1, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = -1; SELECT @result AS result`,
    [{ type: 'nvarchar', value: `hubsync.apply ${names.baseTable}` }],
  );
  if ((lock?.result ?? -1) < 0) throw new HubsyncError(ErrorCode.DatabaseError, `sp_getapplock refused the applier lock (${lock?.result})`);
}

/** The recorded position, locked until commit (see postgres-applier.ts); the row is created first so two first applies meet on it. */
export async function lockPosition(session: MssqlSession, sourceScope: string, table: string): Promise<string | null> {
  const params: SqlParameter[] = [
    { type: 'nvarchar', value: sourceScope },
    { type: 'nvarchar', value: table },
  ];
  const rows = await session.query<{ position: string | null }>(
    `INSERT INTO ${positionsTable} (source_scope, table_name, position, updated_at)
     SELECT @p1, @p2, NULL, SYSUTCDATETIME()
     WHERE NOT EXISTS (SELECT 1 FROM ${positionsTable} WITH (UPDLOCK, HOLDLOCK) WHERE source_scope = @p1 AND table_name = @p2);
     SELECT position FROM ${positionsTable} WITH (UPDLOCK, HOLDLOCK) WHERE source_scope = @p1 AND table_name = @p2`,
    params,
  );
  return rows[0]?.position ?? null;
}

async function applyBatch(session: MssqlSession, names: TrackingNames, columns: readonly NativeColumn[], request: ApplyRequest): Promise<number> {
  const { table } = request;
  if (request.changes.length === 0) {
    await request.resolve([]);
    return 0;
  }
  await loadBatch(session, table, names, columns, request.changes);
  // Row locks on the base rows the batch touches, held to commit; `existed` marks them (see postgres-applier.ts).
  await session.query(
    `UPDATE h SET existed = 1 FROM ${names.batchTable} h JOIN ${names.baseTable} b WITH (UPDLOCK, ROWLOCK, HOLDLOCK) ON ${baseKeyMatch(table)}`,
  );
  await dropLosers(session, table, names, columns, request);
  const [deleted] = await session.query<{ n: number }>(
    `DELETE b FROM ${names.baseTable} b JOIN ${names.batchTable} h ON ${baseKeyMatch(table)} WHERE h.deleted = 1 AND h.existed = 1;
     SELECT @@ROWCOUNT AS n`,
  );
  await writeTombstones(session, table, names, request.sourceScope);
  const written = await writeRows(session, table, names, columns);
  // A winning change that found the row already as it says wrote nothing; its tracking row now counts as the source's.
  await session.query(
    `UPDATE t SET scope = @p1 FROM ${names.trackingTable} t JOIN ${names.batchTable} h ON ${trackingKeyMatch(table)}
     WHERE h.deleted = 0 AND ${scopeDiffers('@p1')}`,
    [{ type: 'nvarchar', value: request.sourceScope }],
  );
  return (deleted?.n ?? 0) + written;
}

/**
 * Stages the batch: one bulk load into a raw table typed by how values travel (exact for numbers
 * and bytes, text that SQL converts exactly for the rest), then one INSERT ... SELECT converting
 * into a batch table whose columns are the base table's own (types, collations), so values
 * compare and convert exactly as they will on write. SELECT INTO from an outer join copies the
 * types without IDENTITY and makes every column nullable (a delete carries only its key).
 */
export async function loadBatch(
  session: MssqlSession,
  table: TableSchema,
  names: TrackingNames,
  columns: readonly NativeColumn[],
  changes: readonly Change[],
): Promise<void> {
  const staged: StagingColumn[] = [
    { name: 'ord', type: 'int' },
    { name: 'deleted', type: 'bit' },
    { name: 'changed_at', type: 'nvarchar' },
    ...table.columns.map((column, index) => ({ name: batchColumn(table, index), type: wireTypeOf(column.type, columns[index] ?? null) })),
  ];
  await session.query(`CREATE TABLE ${names.rawTable} (${staged.map((column) => `${column.name} ${wireSqlType(column.type)} NULL`).join(', ')})`);
  const isKey = table.columns.map((column) => table.primaryKey.includes(column.name));
  const rows = changes.map((change, ord) => {
    const isDelete = change.operation === 'delete';
    return [
      ord,
      isDelete,
      change.changedAt.replace(/Z$/, ''),
      ...table.columns.map((column, index) => (isDelete && isKey[index] !== true ? null : toWire(column.type, change.values[index] ?? null))),
    ];
  });
  await session.bulkLoad(names.rawTable, staged, rows);
  const typed = table.columns.map((column, index) => `b.${quoteIdentifier(column.name)} AS ${batchColumn(table, index)}`);
  await session.query(
    `SELECT TOP (0) CAST(NULL AS int) AS ord, CAST(NULL AS bit) AS deleted, CAST(NULL AS bit) AS existed,
            CAST(NULL AS datetime2(7)) AS changed_at, ${typed.join(', ')}
     INTO ${names.batchTable} FROM (SELECT 1 AS one) AS d LEFT JOIN ${names.baseTable} b ON 1 = 0`,
  );
  const converted = table.columns.map((column, index) => conversionTo(columns[index] as NativeColumn, column.type, `r.${batchColumn(table, index)}`));
  await session.query(
    `INSERT INTO ${names.batchTable} (ord, deleted, changed_at, ${table.columns.map((_, index) => batchColumn(table, index)).join(', ')})
     SELECT r.ord, r.deleted, CONVERT(datetime2(7), r.changed_at, 126), ${converted.join(', ')} FROM ${names.rawTable} r`,
  );
  await session.query(
    `CREATE CLUSTERED INDEX hubsync_batch_key ON ${names.batchTable} (${table.primaryKey.map((name) => batchKeyColumn(table, name)).join(', ')})`,
  );
}

/** Conflict candidates (see postgres-applier.ts): one primary-key probe per batch row, then the engine decides. */
async function dropLosers(session: MssqlSession, table: TableSchema, names: TrackingNames, columns: readonly NativeColumn[], request: ApplyRequest): Promise<void> {
  const params: SqlParameter[] = [{ type: 'nvarchar', value: request.sourceScope }];
  const unseen = request.seen === null ? '1 = 1' : afterCursorSql(table, columns, request.seen, params);
  const rows = await session.queryArrays(
    `SELECT h.ord, ${trackedRowSelect(table, columns)}
     FROM ${names.batchTable} h
     CROSS APPLY (SELECT TOP (1) * FROM ${names.trackingTable} t WHERE ${trackingKeyMatch(table)}) t
     ${baseRowJoin(table, names.baseTable)}
     WHERE ${scopeDiffers('@p1')} AND ${unseen}
     ORDER BY h.ord`,
    params,
  );
  const losers = await losingOrdinals(
    request,
    rows.map((row) => ({ ordinal: Number(row[0]), existing: decodeTrackedRow(table, row, 1) })),
  );
  if (losers.length > 0) {
    // A delimited list rather than a parameter per loser: a batch may hold more losers than SQL Server's 2100 parameters.
    await session.query(`DELETE FROM ${names.batchTable} WHERE CHARINDEX(CONCAT(',', ord, ','), @p1) > 0`, [
      { type: 'varchar', value: `,${losers.join(',')},` },
    ]);
  }
}

/** Tombstones for deletes of rows this database does not have (see postgres-applier.ts). */
export async function writeTombstones(session: MssqlSession, table: TableSchema, names: TrackingNames, sourceScope: string): Promise<void> {
  const keys = table.primaryKey.map((_, position) => trackingKeyColumn(position));
  const [written] = await session.query<{ n: number }>(
    `MERGE ${names.trackingTable} WITH (HOLDLOCK) AS t
     USING (SELECT ${keys.map((key) => `h.${key}`).join(', ')}, h.changed_at FROM ${names.batchTable} h WHERE h.deleted = 1 AND h.existed IS NULL) AS h
     ON ${keys.map((key) => `t.${key} = h.${key}`).join(' AND ')}
     -- The same delete applied again changes nothing and records nothing (invariant 3).
     WHEN MATCHED AND (t.op <> 'D' OR t.scope IS NULL OR t.scope <> @p1 OR t.changed_at < h.changed_at) THEN UPDATE SET scope = @p1, op = 'D',
       changed_at = CASE WHEN t.op = 'D' AND t.changed_at > h.changed_at THEN t.changed_at ELSE h.changed_at END
     WHEN NOT MATCHED THEN INSERT (${keys.join(', ')}, scope, op, changed_at) VALUES (${keys.map((key) => `h.${key}`).join(', ')}, @p1, 'D', h.changed_at);
     SELECT @@ROWCOUNT AS n`,
    [{ type: 'nvarchar', value: sourceScope }],
  );
  if ((written?.n ?? 0) === 0) return;
  const raced = await session.query(
    `SELECT TOP (1) 1 AS raced FROM ${names.batchTable} h JOIN ${names.baseTable} b ON ${baseKeyMatch(table)} WHERE h.deleted = 1 AND h.existed IS NULL`,
  );
  if (raced.length > 0) throw new LocalWriteRaced();
}

/**
 * Updates the locked rows that differ and inserts the new ones, writing only what differs so a
 * re-applied batch changes nothing (invariant 3). SQL Server checks unique indexes per statement
 * (split, sort, collapse), so rows swapping unique values need no fallback. Identity columns take
 * the source's values. An insert whose key was taken meanwhile by a local insert starts the apply over.
 */
export async function writeRows(session: MssqlSession, table: TableSchema, names: TrackingNames, columns: readonly NativeColumn[]): Promise<number> {
  // An IDENTITY column can never be updated (error 8102, even under IDENTITY_INSERT): it is left out
  // of SET, and a row that would change its value is refused before anything is written.
  const others = table.columns
    .map((column, index) => ({ column, index }))
    .filter(({ column, index }) => !table.primaryKey.includes(column.name) && columns[index]?.identity !== true);
  await refuseChangedIdentity(session, table, names, columns);
  let updated = 0;
  if (others.length > 0) {
    const assignments = others.map(({ column, index }) => `${quoteIdentifier(column.name)} = h.${batchColumn(table, index)}`);
    const current = others.map(({ index }) => comparableExpression(columns[index] as NativeColumn, `b.${quoteIdentifier(table.columns[index]?.name ?? '')}`));
    const incoming = others.map(({ index }) => comparableExpression(columns[index] as NativeColumn, `h.${batchColumn(table, index)}`));
    const [result] = await session.query<{ n: number }>(
      `UPDATE b SET ${assignments.join(', ')} FROM ${names.baseTable} b JOIN ${names.batchTable} h ON ${baseKeyMatch(table)}
       WHERE h.deleted = 0 AND h.existed = 1 AND EXISTS (SELECT ${current.join(', ')} EXCEPT SELECT ${incoming.join(', ')});
       SELECT @@ROWCOUNT AS n`,
    );
    updated = result?.n ?? 0;
  }
  const fresh = 'h.deleted = 0 AND h.existed IS NULL';
  const [expected] = await session.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${names.batchTable} h WHERE ${fresh}`);
  // Explicit values for this database's IDENTITY columns (the catalogue's flag, see engineFlags), so every database keeps the source's value.
  const identity = columns.some((column) => column.identity);
  if (identity) await session.query(`SET IDENTITY_INSERT ${names.baseTable} ON`);
  try {
    const [inserted] = await session.query<{ n: number }>(
      `INSERT INTO ${names.baseTable} (${table.columns.map((column) => quoteIdentifier(column.name)).join(', ')})
       SELECT ${table.columns.map((_, index) => `h.${batchColumn(table, index)}`).join(', ')} FROM ${names.batchTable} h
       WHERE ${fresh} AND NOT EXISTS (SELECT 1 FROM ${names.baseTable} b WITH (UPDLOCK, HOLDLOCK) WHERE ${baseKeyMatch(table)});
       SELECT @@ROWCOUNT AS n`,
    );
    if ((inserted?.n ?? 0) !== (expected?.n ?? 0)) throw new LocalWriteRaced();
    return updated + (inserted?.n ?? 0);
  } finally {
    // IDENTITY_INSERT is a session setting that only one table may hold: never leave it on a pooled connection.
    if (identity) await session.query(`SET IDENTITY_INSERT ${names.baseTable} OFF`);
  }
}

/** HS_DATA_REJECTED, so the transfer keeps the row as a failed record, when an incoming row changes a non-key IDENTITY value. */
async function refuseChangedIdentity(session: MssqlSession, table: TableSchema, names: TrackingNames, columns: readonly NativeColumn[]): Promise<void> {
  for (const [index, column] of table.columns.entries()) {
    if (columns[index]?.identity !== true || table.primaryKey.includes(column.name)) continue;
    const changed = await session.query(
      `SELECT TOP (1) 1 AS changed FROM ${names.batchTable} h JOIN ${names.baseTable} b ON ${baseKeyMatch(table)}
       WHERE h.deleted = 0 AND h.existed = 1 AND EXISTS (SELECT b.${quoteIdentifier(column.name)} EXCEPT SELECT h.${batchColumn(table, index)})`,
    );
    if (changed.length > 0) {
      throw new HubsyncError(
        ErrorCode.DataRejected,
        `column "${tableId(table)}.${column.name}" is an IDENTITY column here: its value is set on insert and cannot be changed`,
      );
    }
  }
}

function trackingKeyMatch(table: TableSchema): string {
  return table.primaryKey.map((name, position) => `t.${trackingKeyColumn(position)} = h.${batchKeyColumn(table, name)}`).join(' AND ');
}

function baseKeyMatch(table: TableSchema): string {
  return table.primaryKey.map((name) => `b.${quoteIdentifier(name)} = h.${batchKeyColumn(table, name)}`).join(' AND ');
}
