import type { ApplyRequest, ApplyResult, Change } from '../../engine/provider.js';
import { losingOrdinals } from '../conflict-candidates.js';
import { positionMoved } from '../../engine/positions.js';
import type { ColumnSchema, SyncValue, TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import type { PostgresConnection, PostgresSession } from './postgres-connection.js';
import { sqlState } from './postgres-errors.js';
import { copyChunks } from './postgres-copy.js';
import { microsecondTime } from '../time-fraction.js';
import { afterCursorSql, baseRowJoin, decodeTrackedRow, trackedRowSelect } from './postgres-change-reader.js';
import { quoteIdentifier } from './postgres-identifiers.js';
import { batchColumn, batchKeyColumn } from '../tracking-names.js';
import { positionsTable, trackingKeyColumn, trackingNames, type TrackingNames } from './postgres-tracking-sql.js';
import { tableId } from '../../engine/table-name.js';

/** How long one statement waits for a row another transaction has locked before the apply starts over. */
const lockTimeout = '2s';
const maxAttempts = 5;

/** First key of the two-key advisory locks appliers take per table ("hsap"); one-key locks are another key space. */
export const applierLockSpace = 0x68736170;

/** States after which the whole apply can simply run again: it is idempotent and changed nothing. */
const retryableStates: ReadonlySet<string> = new Set(['40P01', '40001', '55P03']);

/** A local write to one of the batch's keys committed while the apply ran; the apply starts over and sees it. */
class LocalWriteRaced extends Error {}

/**
 * Applies a batch set-based in one transaction: stream it into a temporary table with COPY, lock
 * the rows it will change (never the table: application writes to other rows go on), detect
 * conflicts with one join, let the engine decide them, then write, and record the position the
 * batch reached in the same transaction (invariant 7).
 */
export async function applyChanges(connection: PostgresConnection, request: ApplyRequest): Promise<ApplyResult> {
  const names = trackingNames(request.table);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connection.transaction((session) => applyInTransaction(session, names, request));
    } catch (error) {
      const retryable = error instanceof LocalWriteRaced || retryableStates.has(sqlState(error) ?? '');
      if (!retryable) throw error;
      if (attempt >= maxAttempts) throw await rowsLockedError(connection, names, request.table, error);
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function applyInTransaction(session: PostgresSession, names: TrackingNames, request: ApplyRequest): Promise<ApplyResult> {
  const { table } = request;
  // Applies to one table take turns (application writes do not wait for this lock): two
  // members uploading the same key at once must each see the other's committed change.
  await session.query(`SELECT pg_catalog.pg_advisory_xact_lock(${applierLockSpace}, $1::regclass::oid::integer)`, [names.baseTable]);
  await session.query(
    `SELECT pg_catalog.set_config('lock_timeout', $1, true), pg_catalog.set_config('hubsync.scope', $2, true)`,
    [lockTimeout, request.sourceScope],
  );
  if (request.position !== null) {
    const recorded = await lockPosition(session, request.sourceScope, tableId(table));
    if (recorded === request.position.through) return { applied: 0, alreadyApplied: true };
    if (recorded !== request.position.after) throw positionMoved(tableId(table));
  }
  const applied = await applyBatch(session, names, request);
  if (request.position !== null) await recordPosition(session, request.sourceScope, tableId(table), request.position.through);
  return { applied, alreadyApplied: false };
}

/** On the row lockPosition created and locked, in the apply's transaction (invariant 7). */
export async function recordPosition(session: PostgresSession, sourceScope: string, table: string, through: string): Promise<void> {
  await session.query(`UPDATE ${positionsTable} SET position = $3, updated_at = now() WHERE source_scope = $1 AND table_name = $2`, [
    sourceScope,
    table,
    through,
  ]);
}

async function applyBatch(session: PostgresSession, names: TrackingNames, request: ApplyRequest): Promise<number> {
  const { table } = request;
  // A batch that only moves the position: every change in its range failed or was skipped.
  if (request.changes.length === 0) {
    await request.resolve([]);
    return 0;
  }
  await loadBatch(session, table, names, request);
  const existing = await lockExistingRows(session, table, names);
  await dropLosers(session, table, names, request);
  // Statements that can have nothing to do are left out: a first sync has neither deletes nor
  // rows that exist already.
  let deleted = 0;
  if (request.changes.some((change) => change.operation === 'delete')) {
    const result = await session.query(
      `DELETE FROM ${names.baseTable} b USING ${names.batchTable} h WHERE h.deleted AND h.existed AND ${baseKeyMatch(table)}`,
    );
    deleted = result.rowCount;
    await writeTombstones(session, table, names, request.sourceScope);
  }
  const { written, unchanged } = await writeRows(session, table, names, existing > 0);
  if (unchanged > 0) await adoptUnchanged(session, table, names, request.sourceScope);
  return deleted + written;
}

/** What writeRows did: rows written, and winning rows that existed and already held the incoming values. */
interface Written {
  readonly written: number;
  readonly unchanged: number;
}

/**
 * A winning change that found the row already as it says wrote nothing, so no trigger re-tagged
 * the key: its tracking row still holds this database's own earlier change, which the source
 * would later be offered as unseen (a false conflict). It now counts as the source's. Only rows
 * that existed can be such (a new row is always written).
 */
async function adoptUnchanged(session: PostgresSession, table: TableSchema, names: TrackingNames, sourceScope: string): Promise<void> {
  await session.query(
    `UPDATE ${names.trackingTable} t SET scope = $1 FROM ${names.batchTable} h
     WHERE NOT h.deleted AND h.existed AND ${trackingKeyMatch(table)} AND t.scope IS DISTINCT FROM $1`,
    [sourceScope],
  );
}

/**
 * The recorded position, locked until commit so two applies of the same source and table take
 * turns and the second sees what the first recorded. The row is created first so that two first
 * applies cannot both find none.
 */
export async function lockPosition(session: PostgresSession, sourceScope: string, table: string): Promise<string | null> {
  await session.query(
    `INSERT INTO ${positionsTable} (source_scope, table_name, position, updated_at) VALUES ($1, $2, NULL, now())
     ON CONFLICT (source_scope, table_name) DO NOTHING`,
    [sourceScope, table],
  );
  const { rows } = await session.query<{ position: string | null }>(
    `SELECT position FROM ${positionsTable} WHERE source_scope = $1 AND table_name = $2 FOR UPDATE`,
    [sourceScope, table],
  );
  return rows[0]?.position ?? null;
}

async function loadBatch(session: PostgresSession, table: TableSchema, names: TrackingNames, request: ApplyRequest): Promise<void> {
  await createBatchTable(session, table, names);
  await copyIntoBatch(session, table, names, request.changes);
}

/** The batch table takes its column types from the base table itself, so values convert exactly as they will on write. */
export async function createBatchTable(session: PostgresSession, table: TableSchema, names: TrackingNames): Promise<void> {
  const columns = table.columns.map((column, index) => `b.${quoteIdentifier(column.name)} AS ${batchColumn(table, index)}`);
  await session.query(
    `CREATE TEMPORARY TABLE ${names.batchTable} ON COMMIT DROP AS
     SELECT NULL::integer AS ord, NULL::boolean AS deleted, NULL::boolean AS existed, NULL::timestamptz AS changed_at,
            ${columns.join(', ')} FROM ${names.baseTable} b WITH NO DATA`,
  );
}

export async function copyIntoBatch(session: PostgresSession, table: TableSchema, names: TrackingNames, changes: readonly Change[]): Promise<void> {
  const columnList = ['ord', 'deleted', 'changed_at', ...table.columns.map((_, index) => batchColumn(table, index))].join(', ');
  await session.copyIn(`COPY ${names.batchTable} (${columnList}) FROM STDIN`, copyChunks(batchRows(table, changes)));
}

/** A delete carries only its key: whatever else it holds must not be converted, let alone rejected. */
function* batchRows(table: TableSchema, changes: readonly Change[]): Generator<readonly SyncValue[]> {
  const isKey = table.columns.map((column) => table.primaryKey.includes(column.name));
  for (const [ord, change] of changes.entries()) {
    const isDelete = change.operation === 'delete';
    yield [
      ord,
      isDelete,
      change.changedAt,
      ...table.columns.map((column, index) => (isDelete && isKey[index] !== true ? null : microsecondTime(column.type, change.values[index] ?? null, 'PostgreSQL'))),
    ];
  }
}

/**
 * Row locks on the base rows the batch touches, taken in key order (so two appliers cannot
 * deadlock each other), and `existed` set for them. A local writer of one of these rows finishes
 * first and conflict detection sees its change; one that comes later waits for this apply. Keys
 * with no row cannot be locked: writeTombstones and writeRows notice a local insert that raced.
 * One primary-key probe per batch row, in the sorted batch's order: as a plain join the planner
 * hashes the whole base table for every batch (measured: 200 ms of a 5,000-row batch against a
 * 200k-row table, growing with the table, invariant 8).
 */
async function lockExistingRows(session: PostgresSession, table: TableSchema, names: TrackingNames): Promise<number> {
  const keys = table.primaryKey.map(quoteIdentifier);
  const batchKeys = table.primaryKey.map((name) => `h.${batchKeyColumn(table, name)}`).join(', ');
  const { rowCount } = await session.query(
    `WITH locked AS (
       SELECT ${keys.map((key) => `b.${key}`).join(', ')}
       FROM (SELECT ${batchKeys} FROM ${names.batchTable} h ORDER BY ${batchKeys}) h
       CROSS JOIN LATERAL (SELECT ${keys.map((key) => `b.${key}`).join(', ')} FROM ${names.baseTable} b
                           WHERE ${baseKeyMatch(table)} FOR UPDATE OF b) b)
     UPDATE ${names.batchTable} h SET existed = true FROM locked b WHERE ${baseKeyMatch(table)}`,
  );
  return rowCount;
}

/**
 * Conflict candidates: incoming keys the destination changed after what the source has seen, by
 * a scope other than the source. The engine always hears about them, even when there are none.
 */
async function dropLosers(
  session: PostgresSession,
  table: TableSchema,
  names: TrackingNames,
  request: ApplyRequest,
): Promise<void> {
  const params: unknown[] = [request.sourceScope];
  const unseen = request.seen === null ? 'true' : afterCursorSql(table, request.seen, params);
  // One primary-key probe per batch row. As a plain join the planner prefers scanning every
  // tracking row after the seen cursor, which during a first sync is every row applied so far:
  // work per batch would grow with the table (invariant 8). LIMIT 1 keeps the lookup a lookup.
  const rows = await session.queryArrays(
    `SELECT h.ord, ${trackedRowSelect(table)}
     FROM ${names.batchTable} h
     CROSS JOIN LATERAL (SELECT * FROM ${names.trackingTable} t WHERE ${trackingKeyMatch(table)} LIMIT 1) t
     ${baseRowJoin(table, names.baseTable)}
     WHERE t.scope IS DISTINCT FROM $1::text AND ${unseen}
     ORDER BY h.ord`,
    params,
  );
  const losers = await losingOrdinals(
    request,
    rows.map((row) => ({ ordinal: Number(row[0]), existing: decodeTrackedRow(table, row, 1) })),
  );
  if (losers.length > 0) {
    await session.query(`DELETE FROM ${names.batchTable} WHERE ord = ANY($1::integer[])`, [losers]);
  }
}

/**
 * A delete of a row this database does not have still leaves a tombstone, so a stale insert of
 * the same key arriving later from another member loses to it (invariant 4) whichever member
 * syncs first. An existing tombstone takes the incoming delete's scope and stamp (the delete is
 * now known to come from there, and goes on to the others) and the later of the two times. A
 * local insert of such a key that committed meanwhile starts the apply over.
 */
async function writeTombstones(session: PostgresSession, table: TableSchema, names: TrackingNames, sourceScope: string): Promise<void> {
  const keyList = table.primaryKey.map((_, position) => trackingKeyColumn(position));
  const missing = `h.deleted AND h.existed IS NOT TRUE`;
  const written = await session.query(
    `INSERT INTO ${names.trackingTable} AS t (${keyList.join(', ')}, stamp, scope, op, changed_at)
     SELECT ${keyList.map((key) => `h.${key}`).join(', ')}, pg_catalog.pg_current_xact_id()::text::bigint, $1, 'D', h.changed_at
     FROM ${names.batchTable} h WHERE ${missing}
     ON CONFLICT (${keyList.join(', ')}) DO UPDATE
       SET stamp = EXCLUDED.stamp, scope = EXCLUDED.scope, op = 'D',
           changed_at = CASE WHEN t.op = 'D' THEN GREATEST(t.changed_at, EXCLUDED.changed_at) ELSE EXCLUDED.changed_at END
       -- The same delete applied again changes nothing and records nothing (invariant 3).
       WHERE t.op <> 'D' OR t.scope IS DISTINCT FROM EXCLUDED.scope OR t.changed_at < EXCLUDED.changed_at`,
    [sourceScope],
  );
  if (written.rowCount === 0) return;
  const raced = await session.query(
    `SELECT FROM ${names.batchTable} h JOIN ${names.baseTable} b ON ${baseKeyMatch(table)} WHERE ${missing} LIMIT 1`,
  );
  if (raced.rowCount > 0) throw new LocalWriteRaced();
}

/**
 * Updates the locked rows that differ and inserts the new ones. PostgreSQL checks a unique index
 * row by row, so a batch in which two rows swap unique values fails although its end state is
 * valid: then the rows the batch rewrites are deleted and inserted again. Not for a table other
 * tables reference: the delete would cascade to, or be refused by, their rows.
 */
async function writeRows(session: PostgresSession, table: TableSchema, names: TrackingNames, anyExisting: boolean): Promise<Written> {
  await session.query('SAVEPOINT hubsync_write');
  try {
    return await updateThenInsert(session, table, names, anyExisting);
  } catch (error) {
    if (sqlState(error) !== uniqueViolation) throw error;
    await session.query('ROLLBACK TO SAVEPOINT hubsync_write');
    if (await isReferenced(session, names.baseTable)) throw error;
  }
  const differing = differs(table, 'b', (_, index) => `h.${batchColumn(table, index)}`);
  await session.query(
    `WITH removed AS (
       DELETE FROM ${names.baseTable} b USING ${names.batchTable} h
       WHERE NOT h.deleted AND h.existed AND ${baseKeyMatch(table)} AND ${differing}
       RETURNING ${table.primaryKey.map((name) => `b.${quoteIdentifier(name)}`).join(', ')})
     UPDATE ${names.batchTable} h SET existed = false FROM removed b WHERE ${baseKeyMatch(table)}`,
  );
  return updateThenInsert(session, table, names, anyExisting);
}

/**
 * Writes only rows whose values differ, so re-applying a batch changes nothing, records no change
 * and reports nothing applied (invariant 3). An insert that finds its key taken was raced by a
 * local insert: the apply starts over so that the local row is judged as a conflict, never
 * silently overwritten.
 */
async function updateThenInsert(session: PostgresSession, table: TableSchema, names: TrackingNames, anyExisting: boolean): Promise<Written> {
  // A GENERATED ALWAYS identity value is set on insert only: PostgreSQL refuses any other value
  // in an UPDATE, so it is left out of SET and a changed one is refused before anything is written.
  const others = table.columns
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => !table.primaryKey.includes(column.name) && column.identity !== 'always');
  let updated = 0;
  if (anyExisting) await refuseChangedIdentity(session, table, names);
  if (anyExisting && others.length > 0) {
    const assignments = others.map(({ column, index }) => `${quoteIdentifier(column.name)} = h.${batchColumn(table, index)}`);
    const result = await session.query(
      `UPDATE ${names.baseTable} b SET ${assignments.join(', ')} FROM ${names.batchTable} h
       WHERE NOT h.deleted AND h.existed AND ${baseKeyMatch(table)}
         AND ${differs(table, 'b', (_, index) => `h.${batchColumn(table, index)}`)}`,
    );
    updated = result.rowCount;
  }
  const fresh = `NOT h.deleted AND h.existed IS NOT TRUE`;
  // Existing winners the UPDATE did not write held the incoming values already: only then has
  // adoptUnchanged anything to do (it joins the whole tracking table, so it is skipped otherwise).
  const counts = await session.query<{ fresh: string; existing: string }>(
    `SELECT count(*) FILTER (WHERE ${fresh})::text AS fresh, count(*) FILTER (WHERE NOT h.deleted AND h.existed)::text AS existing
     FROM ${names.batchTable} h`,
  );
  const expected = Number(counts.rows[0]?.fresh ?? 0);
  const unchanged = Number(counts.rows[0]?.existing ?? 0) - updated;
  const columnNames = table.columns.map((column) => quoteIdentifier(column.name));
  const values = table.columns.map((_, index) => `h.${batchColumn(table, index)}`);
  // OVERRIDING SYSTEM VALUE: an identity key column must take the source's key, not a new one.
  const inserted = await session.query(
    `INSERT INTO ${names.baseTable} AS b (${columnNames.join(', ')}) OVERRIDING SYSTEM VALUE
     SELECT ${values.join(', ')} FROM ${names.batchTable} h WHERE ${fresh}
     ON CONFLICT (${table.primaryKey.map(quoteIdentifier).join(', ')}) DO NOTHING`,
  );
  if (inserted.rowCount !== expected) throw new LocalWriteRaced();
  return { written: updated + inserted.rowCount, unchanged };
}

/** HS_DATA_REJECTED, so the transfer keeps the row as a failed record, when an incoming row changes an always-identity value. */
async function refuseChangedIdentity(session: PostgresSession, table: TableSchema, names: TrackingNames): Promise<void> {
  const identities = table.columns.map((column, index) => ({ column, index })).filter(({ column }) => column.identity === 'always');
  for (const { column, index } of identities) {
    const changed = await session.query(
      `SELECT 1 FROM ${names.batchTable} h JOIN ${names.baseTable} b ON ${baseKeyMatch(table)}
       WHERE NOT h.deleted AND b.${quoteIdentifier(column.name)} IS DISTINCT FROM h.${batchColumn(table, index)} LIMIT 1`,
    );
    if (changed.rowCount > 0) {
      throw new HubsyncError(
        ErrorCode.DataRejected,
        `column "${table.name}.${column.name}" is GENERATED ALWAYS AS IDENTITY here: its value is set on insert and cannot be changed`,
      );
    }
  }
}

const uniqueViolation = '23505';

async function isReferenced(session: PostgresSession, baseTable: string): Promise<boolean> {
  const { rows } = await session.query<{ referenced: boolean }>(
    `SELECT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE contype = 'f' AND confrelid = $1::regclass) AS referenced`,
    [baseTable],
  );
  return rows[0]?.referenced === true;
}

/**
 * After every attempt waited out its lock timeout or lost to local writers: which transaction
 * holds rows of the table, so the user can find it. The reason is said, the data never.
 */
async function rowsLockedError(
  connection: PostgresConnection,
  names: TrackingNames,
  table: TableSchema,
  cause: unknown,
): Promise<HubsyncError> {
  const retried = 'the batch was not applied and the next sync retries it';
  if (cause instanceof LocalWriteRaced) {
    return new HubsyncError(ErrorCode.RowsLocked, `local writes kept changing rows of table "${table.name}" during the apply; ${retried}`);
  }
  const { rows } = await connection.query<{ pid: number; age: string }>(
    `SELECT a.pid, round(extract(epoch FROM now() - a.xact_start))::text AS age
     FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
     WHERE l.relation = $1::regclass AND l.granted AND a.pid <> pg_catalog.pg_backend_pid() AND a.xact_start IS NOT NULL
     ORDER BY a.xact_start LIMIT 1`,
    [names.baseTable],
  );
  const holder = rows[0] ? ` (transaction of pid ${rows[0].pid}, open for ${rows[0].age} s)` : '';
  return new HubsyncError(
    ErrorCode.RowsLocked,
    `rows of table "${table.name}" stayed locked by another transaction${holder}; ${retried}`,
    { cause },
  );
}

/** Tracking row `t` belongs to batch row `h`. */
function trackingKeyMatch(table: TableSchema): string {
  return table.primaryKey
    .map((name, position) => `t.${trackingKeyColumn(position)} = h.${batchKeyColumn(table, name)}`)
    .join(' AND ');
}

/** Base row `b` has the key of batch row `h`. */
function baseKeyMatch(table: TableSchema): string {
  return table.primaryKey
    .map((name) => `b.${quoteIdentifier(name)} = h.${batchKeyColumn(table, name)}`)
    .join(' AND ');
}

/**
 * Whether the non-key values of a base row differ from the incoming ones. json has no equality
 * operator: it compares as text, which is also what "kept exactly" means for it.
 */
function differs(table: TableSchema, base: string, incoming: (column: ColumnSchema, index: number) => string): string {
  const compared = table.columns
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => !table.primaryKey.includes(column.name));
  if (compared.length === 0) return 'false';
  const asText = (column: ColumnSchema, sql: string) => (column.type.kind === 'json' ? `${sql}::text` : sql);
  const current = compared.map(({ column }) => asText(column, `${base}.${quoteIdentifier(column.name)}`));
  const next = compared.map(({ column, index }) => asText(column, incoming(column, index)));
  return `(${current.join(', ')}) IS DISTINCT FROM (${next.join(', ')})`;
}
