import type { ApplyRequest, ApplyResult, Change, ConflictCandidate } from '../../engine/provider.js';
import type { ColumnSchema, SyncValue, TableSchema } from '../../engine/types.js';
import { sqlState, type PostgresConnection, type PostgresSession } from './postgres-connection.js';
import { copyChunks } from './postgres-copy.js';
import { baseRowJoin, decodeTrackedRow, trackedRowSelect } from './postgres-change-reader.js';
import { quoteIdent } from './postgres-identifiers.js';
import { trackingKeyColumn, trackingNames, type TrackingNames } from './postgres-tracking-sql.js';

/**
 * Batch columns are named by position so no user column name can clash with ord, deleted and
 * changed_at: key columns k1..km in key order, as in the tracking table (the triggers join on
 * them), the others c<n> by their position in the table schema.
 */
function batchColumn(table: TableSchema, index: number): string {
  const keyPosition = table.primaryKey.indexOf(table.columns[index]?.name ?? '');
  return keyPosition >= 0 ? trackingKeyColumn(keyPosition) : `c${index + 1}`;
}

/**
 * Applies a batch set-based in one transaction: stream it into a temporary table with COPY,
 * detect conflicts with one join, let the engine decide them, then one DELETE and one upsert.
 */
export async function applyChanges(connection: PostgresConnection, schema: string, request: ApplyRequest): Promise<ApplyResult> {
  const { table } = request;
  const names = trackingNames(schema, table.name);
  return connection.transaction(async (session) => {
    // Waits for local writers in flight and keeps new ones out until commit, so conflict detection
    // sees every committed local change; it also serialises applies to this table.
    await session.query(`LOCK TABLE ${names.baseTable} IN SHARE ROW EXCLUSIVE MODE`);
    await session.query(`SELECT pg_catalog.set_config('hubsync.scope', $1, true)`, [request.sourceScope]);
    await loadBatch(session, table, names, request);
    await dropLosers(session, table, names, request);
    const deleted = await session.query(
      `DELETE FROM ${names.baseTable} b USING ${names.batchTable} h WHERE h.deleted AND ${baseKeyMatch(table)}`,
    );
    return { applied: deleted.rowCount + (await upsert(session, table, names)) };
  });
}

/** The batch table takes its column types from the base table itself, so values convert exactly as they will on write. */
async function loadBatch(session: PostgresSession, table: TableSchema, names: TrackingNames, request: ApplyRequest): Promise<void> {
  const columns = table.columns.map((column, index) => `b.${quoteIdent(column.name)} AS ${batchColumn(table, index)}`);
  await session.query(
    `CREATE TEMPORARY TABLE ${names.batchTable} ON COMMIT DROP AS
     SELECT NULL::integer AS ord, NULL::boolean AS deleted, NULL::timestamptz AS changed_at, ${columns.join(', ')} FROM ${names.baseTable} b WITH NO DATA`,
  );
  const columnList = ['ord', 'deleted', 'changed_at', ...table.columns.map((_, index) => batchColumn(table, index))].join(', ');
  await session.copyIn(`COPY ${names.batchTable} (${columnList}) FROM STDIN`, copyChunks(batchRows(table, request.changes)));
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
      ...table.columns.map((_, index) => (isDelete && isKey[index] !== true ? null : (change.values[index] ?? null))),
    ];
  }
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
  // One primary-key probe per batch row. As a plain join the planner prefers scanning every
  // tracking row above unseenAfter, which during a first sync is every row applied so far:
  // work per batch would grow with the table (invariant 8). LIMIT 1 keeps the lookup a lookup.
  const rows = await session.queryArrays(
    `SELECT h.ord, ${trackedRowSelect(table)}
     FROM ${names.batchTable} h
     CROSS JOIN LATERAL (SELECT * FROM ${names.trackingTable} t WHERE ${trackingKeyMatch(table)} LIMIT 1) t
     ${baseRowJoin(table, names.baseTable)}
     WHERE ($1::bigint IS NULL OR t.stamp > $1::bigint) AND t.scope IS DISTINCT FROM $2::text
     ORDER BY h.ord`,
    [request.unseenAfter, request.sourceScope],
  );
  const ordinals = rows.map((row) => Number(row[0]));
  const candidates: ConflictCandidate[] = rows.map((row, index) => {
    const existing = decodeTrackedRow(table, row, 1);
    const incoming = request.changes[ordinals[index] ?? -1];
    if (incoming === undefined) throw new RangeError('A conflict candidate does not match an incoming change');
    return {
      incoming,
      existing: {
        operation: existing.operation,
        values: existing.operation === 'delete' ? null : existing.values,
        changedAt: existing.changedAt,
        stamp: existing.stamp,
      },
    };
  });
  const answers = await request.resolve(candidates);
  if (answers.length !== candidates.length) {
    throw new RangeError(`resolve answered ${answers.length} of ${candidates.length} conflict candidates`);
  }
  const losers = ordinals.filter((_, index) => answers[index] !== true);
  if (losers.length > 0) {
    await session.query(`DELETE FROM ${names.batchTable} WHERE ord = ANY($1::integer[])`, [losers]);
  }
}

/**
 * PostgreSQL checks a unique index row by row, so a batch in which two rows swap unique values
 * fails although its end state is valid. Then the rows the batch rewrites are deleted and
 * inserted again. Not for a table other tables reference: the delete would cascade to, or be
 * refused by, their rows.
 */
async function upsert(session: PostgresSession, table: TableSchema, names: TrackingNames): Promise<number> {
  const sql = upsertSql(table, names);
  await session.query('SAVEPOINT hubsync_upsert');
  try {
    return (await session.query(sql)).rowCount;
  } catch (error) {
    if (sqlState(error) !== uniqueViolation) throw error;
    await session.query('ROLLBACK TO SAVEPOINT hubsync_upsert');
    if (await isReferenced(session, names.baseTable)) throw error;
  }
  await session.query(
    `DELETE FROM ${names.baseTable} b USING ${names.batchTable} h
     WHERE NOT h.deleted AND ${baseKeyMatch(table)} AND ${differs(table, 'b', (_, index) => `h.${batchColumn(table, index)}`)}`,
  );
  return (await session.query(sql)).rowCount;
}

const uniqueViolation = '23505';

async function isReferenced(session: PostgresSession, baseTable: string): Promise<boolean> {
  const { rows } = await session.query<{ referenced: boolean }>(
    `SELECT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE contype = 'f' AND confrelid = $1::regclass) AS referenced`,
    [baseTable],
  );
  return rows[0]?.referenced === true;
}

/** Tracking row `t` belongs to batch row `h`. */
function trackingKeyMatch(table: TableSchema): string {
  return table.primaryKey
    .map((name, position) => `t.${trackingKeyColumn(position)} = h.${batchColumn(table, table.columns.findIndex((column) => column.name === name))}`)
    .join(' AND ');
}

/** Base row `b` has the key of batch row `h`. */
function baseKeyMatch(table: TableSchema): string {
  return table.primaryKey
    .map((name) => `b.${quoteIdent(name)} = h.${batchColumn(table, table.columns.findIndex((column) => column.name === name))}`)
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
  const current = compared.map(({ column }) => asText(column, `${base}.${quoteIdent(column.name)}`));
  const next = compared.map(({ column, index }) => asText(column, incoming(column, index)));
  return `(${current.join(', ')}) IS DISTINCT FROM (${next.join(', ')})`;
}

/** Writes only rows whose values differ, so re-applying a batch changes nothing, records no change and reports nothing applied (invariant 3). */
function upsertSql(table: TableSchema, names: TrackingNames): string {
  const columnNames = table.columns.map((column) => quoteIdent(column.name));
  const values = table.columns.map((_, index) => `h.${batchColumn(table, index)}`);
  const others = table.columns.filter((column) => !table.primaryKey.includes(column.name));
  const onConflict =
    others.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${others.map((column) => `${quoteIdent(column.name)} = EXCLUDED.${quoteIdent(column.name)}`).join(', ')}
         WHERE ${differs(table, 'b', (column) => `EXCLUDED.${quoteIdent(column.name)}`)}`;
  // OVERRIDING SYSTEM VALUE: an identity key column must take the source's key, not a new one.
  return `INSERT INTO ${names.baseTable} AS b (${columnNames.join(', ')}) OVERRIDING SYSTEM VALUE
    SELECT ${values.join(', ')} FROM ${names.batchTable} h WHERE NOT h.deleted
    ON CONFLICT (${table.primaryKey.map(quoteIdent).join(', ')}) ${onConflict}`;
}
