import type * as Mssql from 'mssql';
import { parseMssqlConnection, type MssqlConnectionSettings, type MssqlTarget } from './mssql-connection-string.js';
import { mapMssqlError } from './mssql-errors.js';
import type { WireType } from './mssql-types.js';

/** A bound value: written @p1, @p2, ... in SQL, in the order given. */
export interface SqlParameter {
  readonly type: WireType | 'binary8';
  readonly value: unknown;
}

export interface QueryRunner {
  /** Rows of the last result set as objects. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly SqlParameter[]): Promise<T[]>;
  /** Rows as arrays, so result columns need no names that could clash with the user's columns. */
  queryArrays(sql: string, params?: readonly SqlParameter[]): Promise<unknown[][]>;
}

export interface StagingColumn {
  readonly name: string;
  readonly type: WireType;
}

/** One pooled connection inside a transaction. */
export interface MssqlSession extends QueryRunner {
  /** Bulk-loads rows into an existing (temporary) table in one stream: no round trip per row, no triggers fired. */
  bulkLoad(table: string, columns: readonly StagingColumn[], rows: Iterable<readonly unknown[]>): Promise<void>;
}

export interface MssqlDatabase extends QueryRunner {
  /** Runs `work` in one transaction on one pooled connection; any error rolls everything back. */
  transaction<T>(work: (session: MssqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type Driver = typeof Mssql;

/** The driver, loaded on first use: a deployment that never opens a SQL Server database never loads it. */
async function loadDriver(): Promise<Driver> {
  const module = (await import('mssql')) as Driver & { default?: Driver };
  return module.default ?? module;
}

export async function openMssqlDatabase(connectionString: string): Promise<MssqlDatabase> {
  const settings = parseMssqlConnection(connectionString);
  const driver = await loadDriver();
  const pool = new driver.ConnectionPool(await driverConfig(settings));
  // An idle connection's error (a failover) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    await pool.connect();
  } catch (error) {
    await pool.close().catch(() => undefined);
    throw mapMssqlError(error, settings.target);
  }
  return new PooledDatabase(driver, pool, settings.target);
}

/** Exported for tests: the driver configuration each connection-string form becomes. */
export async function driverConfig(settings: MssqlConnectionSettings): Promise<Mssql.config> {
  const { target } = settings;
  const options: Mssql.IOptions = {
    encrypt: settings.encrypt,
    trustServerCertificate: settings.trustServerCertificate,
    appName: settings.applicationName,
    ...(target.instance === null ? {} : { instanceName: target.instance }),
    // Every value a session reads must mean the same on every server: ISO dates, UTC-free types.
    useUTC: true,
    enableArithAbort: true,
  };
  const base = {
    server: target.server,
    database: target.database,
    ...(target.instance === null ? { port: target.port } : {}),
    connectionTimeout: settings.connectTimeoutMs,
    // Bulk loads and set-based applies of large batches run longer than the driver's 15 s default.
    requestTimeout: 300_000,
    pool: { max: 4, min: 0 },
    options,
  };
  const auth = settings.authentication;
  switch (auth.kind) {
    case 'sql':
      return { ...base, user: auth.user, password: auth.password };
    case 'access-token':
      return { ...base, authentication: { type: 'azure-active-directory-access-token', options: { token: auth.token } } };
    case 'managed-identity':
    case 'default-credential': {
      const identity = await import('@azure/identity');
      const credential =
        auth.kind === 'managed-identity'
          ? auth.clientId === null
            ? new identity.ManagedIdentityCredential()
            : new identity.ManagedIdentityCredential({ clientId: auth.clientId })
          : new identity.DefaultAzureCredential();
      // tedious asks the credential for a token for https://database.windows.net/ on every login.
      const authentication = { type: 'token-credential', options: { credential } } as unknown as Mssql.config['authentication'];
      return { ...base, authentication };
    }
  }
}

class PooledDatabase implements MssqlDatabase {
  constructor(
    private readonly driver: Driver,
    private readonly pool: Mssql.ConnectionPool,
    private readonly target: MssqlTarget,
  ) {}

  query<T extends Record<string, unknown>>(sql: string, params: readonly SqlParameter[] = []): Promise<T[]> {
    return runQuery<T>(this.driver, new this.driver.Request(this.pool), sql, params, this.target, false);
  }

  queryArrays(sql: string, params: readonly SqlParameter[] = []): Promise<unknown[][]> {
    return runQuery<unknown[]>(this.driver, new this.driver.Request(this.pool), sql, params, this.target, true);
  }

  async transaction<T>(work: (session: MssqlSession) => Promise<T>): Promise<T> {
    const transaction = new this.driver.Transaction(this.pool);
    try {
      await transaction.begin();
    } catch (error) {
      throw mapMssqlError(error, this.target);
    }
    const session = new TransactionSession(this.driver, transaction, this.target);
    try {
      const result = await work(session);
      await transaction.commit();
      return result;
    } catch (error) {
      // A transaction the server already ended (XACT_ABORT) has nothing left to roll back.
      await transaction.rollback().catch(() => undefined);
      throw mapMssqlError(error, this.target);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

class TransactionSession implements MssqlSession {
  constructor(
    private readonly driver: Driver,
    private readonly transaction: Mssql.Transaction,
    private readonly target: MssqlTarget,
  ) {}

  query<T extends Record<string, unknown>>(sql: string, params: readonly SqlParameter[] = []): Promise<T[]> {
    return runQuery<T>(this.driver, new this.driver.Request(this.transaction), sql, params, this.target, false);
  }

  queryArrays(sql: string, params: readonly SqlParameter[] = []): Promise<unknown[][]> {
    return runQuery<unknown[]>(this.driver, new this.driver.Request(this.transaction), sql, params, this.target, true);
  }

  async bulkLoad(table: string, columns: readonly StagingColumn[], rows: Iterable<readonly unknown[]>): Promise<void> {
    const staged = new this.driver.Table(table);
    staged.create = false;
    for (const column of columns) staged.columns.add(column.name, driverType(this.driver, column.type), { nullable: true });
    for (const row of rows) staged.rows.add(...(row as (string | number | boolean | Buffer | null)[]));
    try {
      await new this.driver.Request(this.transaction).bulk(staged);
    } catch (error) {
      throw mapMssqlError(error, this.target);
    }
  }
}

async function runQuery<T>(
  driver: Driver,
  request: Mssql.Request,
  sql: string,
  params: readonly SqlParameter[],
  target: MssqlTarget,
  arrays: boolean,
): Promise<T[]> {
  params.forEach((param, index) => request.input(`p${index + 1}`, driverType(driver, param.type), param.value));
  request.arrayRowMode = arrays;
  try {
    const result = await request.query(sql);
    return (result.recordset ?? []) as unknown as T[];
  } catch (error) {
    throw mapMssqlError(error, target);
  }
}

function driverType(driver: Driver, type: WireType | 'binary8'): Mssql.ISqlType | (() => Mssql.ISqlType) {
  switch (type) {
    case 'bit':
      return driver.Bit;
    case 'smallint':
      return driver.SmallInt;
    case 'int':
      return driver.Int;
    case 'real':
      return driver.Real;
    case 'float':
      return driver.Float;
    case 'nvarchar':
      return driver.NVarChar(driver.MAX);
    case 'varchar':
      return driver.VarChar(driver.MAX);
    case 'varbinary':
      return driver.VarBinary(driver.MAX);
    case 'binary8':
      return driver.VarBinary(8);
  }
}
