import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { describeTarget, mapPostgresError } from './postgres-errors.js';
import { parsePostgresConnection, type PostgresTarget as Target } from './postgres-connection-string.js';
import { TypeOid } from './postgres-types.js';

/**
 * Session settings every connection starts with, sent in the startup packet so no query can run
 * before them. UTC and ISO make timestamptz and date text canonical; a positive extra_float_digits
 * makes floats print as the shortest text that reads back to the same number, whatever the server's
 * postgresql.conf says.
 */
const sessionOptions = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c extra_float_digits=3';

/** Types whose text form is already the canonical value; the driver's defaults would lose precision or zone. */
const textTypes: ReadonlySet<number> = new Set([
  TypeOid.int8,
  TypeOid.numeric,
  TypeOid.date,
  TypeOid.timestamp,
  TypeOid.timestamptz,
  TypeOid.json,
  TypeOid.jsonb,
  TypeOid.uuid,
]);

function keepText(value: string): string {
  return value;
}

/** Per pool, so other users of `pg` in the process keep the driver's global parsers. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    textTypes.has(oid) ? keepText : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export interface QueryRunner {
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryOutcome<T>>;
  /** Rows as arrays, so result columns need no names that could clash with the user's columns. */
  queryArrays(sql: string, params?: readonly unknown[]): Promise<unknown[][]>;
}

export interface QueryOutcome<T> {
  readonly rows: T[];
  readonly rowCount: number;
}

export class PostgresConnection implements QueryRunner {
  /**
   * The connection `query` runs on. Those reads are small (catalogue, positions, watermark, which
   * tables changed) and a run's legs ask them of one database at once: queued on one connection
   * each waits about a millisecond, where the pool would open a connection for it, which costs
   * more than the read. Row reads and transactions take the pool's other connections.
   */
  private lane: Promise<pg.PoolClient> | undefined;
  /** The last query given to the lane: the next one starts when it has settled. */
  private laneTail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly target: Target,
  ) {}

  static async open(connectionString: string): Promise<PostgresConnection> {
    const { config, target } = parsePostgresConnection(connectionString);
    // Options the connection string sets replace sessionOptions; the TimeZone check below says so.
    const pool = new pg.Pool({ options: sessionOptions, ...config, types, max: 5, connectionTimeoutMillis: 30_000 });
    // Without a listener an idle client's error (a server restart) would crash the process; the
    // next query on the pool reports the failure instead.
    pool.on('error', () => undefined);
    const connection = new PostgresConnection(pool, target);
    try {
      const { rows } = await connection.query<{ time_zone: string }>(`SELECT current_setting('TimeZone') AS time_zone`);
      if (rows[0]?.time_zone !== 'UTC') {
        throw new HubsyncError(
          ErrorCode.ConnectionFailed,
          `${describeTarget(target)}: the connection string sets "options", which replaces the TimeZone=UTC hubsync needs`,
        );
      }
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<QueryOutcome<T>> {
    const run = this.laneTail.then(async () => (await this.laneClient()).query<T>(sql, [...params]));
    this.laneTail = run.catch(() => undefined);
    try {
      const result = await run;
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw mapPostgresError(error, this.target);
    }
  }

  private laneClient(): Promise<pg.PoolClient> {
    if (this.lane !== undefined) return this.lane;
    const lane: Promise<pg.PoolClient> = this.pool.connect().then((client) => {
      // A broken connection (a server restart) is left behind, and the next query opens another.
      client.on('error', () => {
        if (this.lane !== lane) return;
        this.lane = undefined;
        client.release(true);
      });
      return client;
    });
    this.lane = lane;
    lane.catch(() => {
      if (this.lane === lane) this.lane = undefined;
    });
    return lane;
  }

  async queryArrays(sql: string, params: readonly unknown[] = []): Promise<unknown[][]> {
    try {
      const result = await this.pool.query<unknown[]>({ text: sql, values: [...params], rowMode: 'array' });
      return result.rows;
    } catch (error) {
      throw mapPostgresError(error, this.target);
    }
  }

  /** Runs `work` in one transaction on one pooled session; any error rolls everything back. */
  async transaction<T>(work: (session: PostgresSession) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw mapPostgresError(error, this.target);
    }
    const session = new PostgresSession(client, this.target);
    let sessionBroken = false;
    try {
      await session.query('BEGIN');
      const result = await work(session);
      await session.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        sessionBroken = true;
      }
      throw error;
    } finally {
      client.release(sessionBroken);
    }
  }

  async close(): Promise<void> {
    // A read still running on the lane (a catalogue read started early, say) ends first.
    await this.laneTail;
    const lane = this.lane;
    this.lane = undefined;
    if (lane !== undefined) (await lane.catch(() => undefined))?.release();
    await this.pool.end();
  }
}

/** One pooled connection inside a transaction. */
export class PostgresSession implements QueryRunner {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly target: Target,
  ) {}

  async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<QueryOutcome<T>> {
    try {
      const result = await this.client.query<T>(sql, [...params]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw mapPostgresError(error, this.target);
    }
  }

  async queryArrays(sql: string, params: readonly unknown[] = []): Promise<unknown[][]> {
    try {
      const result = await this.client.query<unknown[]>({ text: sql, values: [...params], rowMode: 'array' });
      return result.rows;
    } catch (error) {
      throw mapPostgresError(error, this.target);
    }
  }

  /** Streams `COPY ... FROM STDIN` data; `lines` is consumed lazily so a batch is never one big string. */
  async copyIn(sql: string, lines: Iterable<string>): Promise<void> {
    await this.copyFrom(sql, Readable.from(lines));
  }

  /** `COPY ... FROM STDIN` fed by `data` as it arrives (another database's COPY TO, say); returns the rows copied. */
  async copyFrom(sql: string, data: Readable): Promise<number> {
    const writer = this.client.query(copyFrom(sql));
    try {
      await pipeline(data, writer);
      return writer.rowCount;
    } catch (error) {
      throw mapPostgresError(error, this.target);
    }
  }

  /** `COPY ... TO STDOUT` as a stream of the bytes the server sends, never parsed here. */
  copyOut(sql: string): Readable {
    return this.client.query(copyTo(sql));
  }
}
