import type { Readable } from 'node:stream';
import { pagedSnapshot } from '../../engine/paged-snapshot.js';
import type { SnapshotRequest, TableSnapshot } from '../../engine/provider.js';
import type { TableSchema } from '../../engine/types.js';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { readChanges } from './postgres-change-reader.js';
import type { PostgresConnection } from './postgres-connection.js';
import { quoteIdentifier, quoteLiteral } from './postgres-identifiers.js';
import { trackingKeyColumn, trackingNames, type TrackingNames } from './postgres-tracking-sql.js';

/** The two COPY TO streams a PostgreSQL destination needs, both from one snapshot of the source. */
export interface SnapshotCopy {
  /** The live rows' values, each cast to the destination's column type (binary COPY needs exact types). */
  rows(columnTypes: readonly string[]): Readable;
  /**
   * Destination tracking rows without their stamp and scope, the same for every row, which the
   * destination fills in itself: key (cast like the columns), op and change time.
   */
  tracking(keyTypes: readonly string[]): Readable;
}

/**
 * A PostgreSQL table's stream below a watermark. Pages for a destination of another engine; for
 * a PostgreSQL destination, binary COPY TO streams of one REPEATABLE READ snapshot, so the rows
 * and the tracking rows built from them agree, and no row is parsed in between.
 */
export class PostgresTableSnapshot implements TableSnapshot {
  readonly engine = 'postgres' as const;
  readonly pages: TableSnapshot['pages'];

  constructor(
    private readonly connection: PostgresConnection,
    readonly request: SnapshotRequest,
  ) {
    this.pages = pagedSnapshot('postgres', request, (read) => readChanges(connection, read)).pages;
  }

  /** Runs `work` with the snapshot's COPY streams; they read one after another on one session. */
  copyOut<T>(work: (copy: SnapshotCopy) => Promise<T>): Promise<T> {
    const { table, before, excludeScope } = this.request;
    const names = trackingNames(table);
    const filter = `t.stamp < ${digits(before)}::bigint AND t.scope IS DISTINCT FROM ${quoteLiteral(excludeScope)}`;
    return this.connection.transaction(async (session) => {
      await session.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return work({
        rows: (columnTypes) => session.copyOut(liveRowsCopySql(table, names, filter, columnTypes)),
        tracking: (keyTypes) => session.copyOut(trackingRowsCopySql(table, names, filter, keyTypes)),
      });
    });
  }
}

/** Rows whose last change is not a delete; a base row without its tracking row is not in the stream yet. */
function liveRowsCopySql(table: TableSchema, names: TrackingNames, filter: string, columnTypes: readonly string[]): string {
  const values = table.columns.map((column, index) => `b.${quoteIdentifier(column.name)}::${typeAt(columnTypes, index)}`);
  return `COPY (SELECT ${values.join(', ')}
    FROM ${names.trackingTable} t JOIN ${names.baseTable} b ON ${keyMatch(table)}
    WHERE ${filter} AND t.op <> 'D') TO STDOUT (FORMAT binary)`;
}

/**
 * Every change of the stream as the destination's tracking row: a delete as a tombstone
 * (invariant 4). Not joined with the base rows: a key whose base row is gone although its
 * tracking row says otherwise (deleted with the triggers off) is found by the destination, which
 * has fewer rows than live tracking rows then (see postgres-bulk-load.ts). The join cost a third
 * of this stream's time.
 */
function trackingRowsCopySql(table: TableSchema, names: TrackingNames, filter: string, keyTypes: readonly string[]): string {
  const keys = table.primaryKey.map((_, position) => `t.${trackingKeyColumn(position)}::${typeAt(keyTypes, position)}`);
  return `COPY (SELECT ${keys.join(', ')}, (CASE WHEN t.op = 'D' THEN 'D' ELSE 'I' END)::"char", t.changed_at
    FROM ${names.trackingTable} t WHERE ${filter}) TO STDOUT (FORMAT binary)`;
}

/** Base row `b` and tracking row `t` of the same key. */
export function keyMatch(table: TableSchema): string {
  return table.primaryKey.map((name, position) => `b.${quoteIdentifier(name)} = t.${trackingKeyColumn(position)}`).join(' AND ');
}

function typeAt(types: readonly string[], index: number): string {
  const type = types[index];
  if (type === undefined) throw new HubsyncError(ErrorCode.SchemaMismatch, 'the destination table has fewer columns than the synced ones');
  return type;
}

/** COPY takes no parameters: a stamp is spliced only once it is known to be a whole number. */
export function digits(stamp: string): string {
  if (!/^[0-9]+$/.test(stamp)) throw new HubsyncError(ErrorCode.DatabaseError, `not a change stamp: ${stamp}`);
  return stamp;
}
