import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { throwIfStopping } from './cleanup.js';

/** Every database the bench creates starts with this, so leftovers of any run can be found and dropped. */
export const benchDatabasePrefix = 'hubsync_bench_';

/** Advisory-lock class of bench runs ("benc"); the run id is the lock's second key. */
const runLockClass = 0x62656e63;

/** `hubsync_bench_<run id as 8 hex digits>_...`: the run that made a database. */
const runTagPattern = /^hubsync_bench_([0-9a-f]{8})_/;

const safeName = /^[a-z_][a-z0-9_]*$/;

/** Names here are made by the bench itself; still, only plain lower-case identifiers are accepted. */
export function quoted(name: string): string {
  if (!safeName.test(name)) throw new Error(`unexpected identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * One PostgreSQL server reached with a superuser (the local trust set-up: postgres@127.0.0.1).
 * Each bench run names its databases with its own run id and holds an advisory lock on that id
 * while it lives, so cleaning up drops what dead runs left behind but never a running bench's
 * databases (a colleague's run on the same server goes on).
 */
export class PostgresServer {
  readonly runId = randomInt(1, 2 ** 31 - 1);
  private readonly runTag = this.runId.toString(16).padStart(8, '0');
  private lock: pg.Client | null = null;

  constructor(private readonly serverUrl: string) {}

  /** The replication slot of this run (slots are server-wide, so they carry the run id too). */
  get slotName(): string {
    return `${benchDatabasePrefix}${this.runTag}_slot`;
  }

  /** Take this run's lock; held by one connection until releaseRun. */
  async claimRun(): Promise<void> {
    this.lock = await this.connect();
    await this.lock.query('SELECT pg_advisory_lock($1, $2)', [runLockClass, this.runId]);
  }

  async releaseRun(): Promise<void> {
    await this.lock?.end().catch(() => undefined);
    this.lock = null;
  }

  /** The connection string of a database of this server. */
  urlOf(database: string): string {
    const url = new URL(this.serverUrl);
    url.pathname = `/${database}`;
    return url.toString();
  }

  /** libpq key/value form, as CREATE SUBSCRIPTION wants it. */
  conninfoOf(database: string): string {
    const url = new URL(this.serverUrl);
    const parts = [`host=${url.hostname}`, `port=${url.port || '5432'}`, `dbname=${database}`];
    if (url.username !== '') parts.push(`user=${decodeURIComponent(url.username)}`);
    if (url.password !== '') parts.push(`password=${decodeURIComponent(url.password)}`);
    return parts.join(' ');
  }

  async connect(database = 'postgres'): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.urlOf(database) });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async withClient<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.connect(database);
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Creates `hubsync_bench_<suffix>` (dropping a leftover of the same name) and returns its name. */
  async createDatabase(suffix: string): Promise<string> {
    throwIfStopping();
    const name = `${benchDatabasePrefix}${this.runTag}_${suffix}`;
    await this.withClient('postgres', async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${quoted(name)}`);
    });
    return name;
  }

  async dropDatabase(name: string): Promise<void> {
    await this.withClient('postgres', (client) => client.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`));
  }

  /**
   * Drops the `hubsync_bench_*` databases of this run and of runs that are no longer running,
   * with what keeps them alive: subscriptions in them (which DROP DATABASE refuses) and
   * replication slots on them. Run at start and at the end of every bench.
   */
  async dropBenchDatabases(): Promise<string[]> {
    const pattern = `${benchDatabasePrefix.replace(/_/g, '\\_')}%`;
    const admin = await this.connect();
    try {
      const owned = new Map<string, boolean>();
      const droppable = async (database: string | null): Promise<boolean> => {
        if (database === null) return false;
        const tag = runTagPattern.exec(database)?.[1];
        if (tag === undefined || tag === this.runTag) return true;
        let dead = owned.get(tag);
        if (dead === undefined) {
          const { rows } = await admin.query<{ free: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS free', [runLockClass, Number.parseInt(tag, 16)]);
          dead = rows[0]?.free === true;
          if (dead) await admin.query('SELECT pg_advisory_unlock($1, $2)', [runLockClass, Number.parseInt(tag, 16)]);
          owned.set(tag, dead);
        }
        return dead;
      };
      const subscriptions = await admin.query<{ subname: string; datname: string }>(
        `SELECT s.subname, d.datname FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname LIKE $1`,
        [pattern],
      );
      for (const row of subscriptions.rows) if (await droppable(row.datname)) await this.dropSubscription(row.datname, row.subname);
      const slots = await admin.query<{ slot_name: string; database: string | null }>(
        `SELECT slot_name, database FROM pg_replication_slots WHERE slot_name LIKE $1`,
        [pattern],
      );
      for (const row of slots.rows) if (await droppable(row.database)) await this.dropReplicationSlot(row.slot_name);
      const databases = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [pattern]);
      const dropped: string[] = [];
      for (const row of databases.rows) {
        if (!(await droppable(row.datname))) continue;
        await admin.query(`DROP DATABASE IF EXISTS ${quoted(row.datname)} WITH (FORCE)`);
        dropped.push(row.datname);
      }
      return dropped;
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  /** A subscription is detached from its slot first, so dropping it never waits on the publisher. */
  async dropSubscription(database: string, subscription: string): Promise<void> {
    await this.withClient(database, async (client) => {
      const exists = await client.query('SELECT 1 FROM pg_subscription WHERE subname = $1', [subscription]);
      if (exists.rowCount === 0) return;
      await client.query(`ALTER SUBSCRIPTION ${quoted(subscription)} DISABLE`);
      await client.query(`ALTER SUBSCRIPTION ${quoted(subscription)} SET (slot_name = NONE)`);
      await client.query(`DROP SUBSCRIPTION ${quoted(subscription)}`);
    });
  }

  /** The walsender of a just-disabled subscription may still hold the slot for a moment: end it and retry. */
  async dropReplicationSlot(slot: string): Promise<void> {
    await this.withClient('postgres', async (client) => {
      for (let attempt = 0; ; attempt += 1) {
        const { rows } = await client.query<{ active_pid: number | null }>(
          'SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        );
        const row = rows[0];
        if (row === undefined) return;
        if (row.active_pid !== null) await client.query('SELECT pg_terminate_backend($1)', [row.active_pid]);
        try {
          await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
          return;
        } catch (error) {
          if (attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });
  }

  async setting(name: 'wal_level' | 'server_version' | 'cluster_name' | 'shared_buffers' | 'synchronous_commit'): Promise<string> {
    return this.withClient('postgres', async (client) => {
      const { rows } = await client.query<{ value: string }>('SELECT current_setting($1) AS value', [name]);
      return rows[0]?.value ?? '';
    });
  }

  /**
   * `ALTER SYSTEM SET wal_level = logical` and a restart of the cluster (Debian/Ubuntu
   * pg_ctlcluster; the server must be local and this process allowed to run it).
   */
  async enableLogicalReplication(): Promise<void> {
    const cluster = await this.setting('cluster_name');
    const [version, name] = cluster.split('/');
    if (version === undefined || name === undefined) {
      throw new Error(`cannot tell the cluster from cluster_name "${cluster}"; set wal_level = logical and restart PostgreSQL yourself`);
    }
    await this.withClient('postgres', (client) => client.query('ALTER SYSTEM SET wal_level = logical'));
    await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'restart']);
    for (let attempt = 0; ; attempt += 1) {
      try {
        if ((await this.setting('wal_level')) === 'logical') return;
        throw new Error('wal_level is still not logical after the restart');
      } catch (error) {
        if (attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}
