import type * as Mssql from 'mssql';
import { ErrorCode, HubsyncError } from '../../errors.js';
import { describeTarget, parseMssqlConnection, type MssqlConnectionSettings, type MssqlTarget } from './mssql-connection-string.js';
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
    throw mapError(error, settings.target);
  }
  return new PooledDatabase(driver, pool, settings.target);
}

async function driverConfig(settings: MssqlConnectionSettings): Promise<Mssql.config> {
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
      throw mapError(error, this.target);
    }
    const session = new TransactionSession(this.driver, transaction, this.target);
    try {
      const result = await work(session);
      await transaction.commit();
      return result;
    } catch (error) {
      // A transaction the server already ended (XACT_ABORT) has nothing left to roll back.
      await transaction.rollback().catch(() => undefined);
      throw mapError(error, this.target);
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
      throw mapError(error, this.target);
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
    throw mapError(error, target);
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

/** Server error numbers: the login was refused, the database cannot be opened, the firewall said no. */
const loginErrors: ReadonlySet<number> = new Set([18456, 18452, 18470, 18486, 18487, 18488, 4060, 4064, 40615, 40532, 40613, 47073, 916]);

/** Values the destination refused: NULL into NOT NULL, constraints, conversions, truncation, overflow. */
const dataErrors: ReadonlySet<number> = new Set([515, 547, 2601, 2627, 2628, 8152, 220, 232, 241, 242, 244, 245, 248, 293, 295, 296, 8114, 8115, 8169, 9420, 9455, 13609]);

/** Messages that tell the user what to do about a refused login. */
function loginHint(number: number): string {
  switch (number) {
    case 40615:
      return ' (the server firewall refuses this client address: add a firewall rule for it)';
    case 4060:
      return ' (the database does not exist or the login may not open it)';
    case 18456:
      return ' (wrong user name or password, or the login is disabled)';
    default:
      return '';
  }
}

/**
 * Turns a driver error into a HubsyncError naming the server and database. Connection errors
 * keep only the driver's message, not the driver error itself: its fields could hold parts of
 * the configuration, and inspect() prints a whole cause chain (invariant 10).
 */
export function mapError(error: unknown, target: MssqlTarget): unknown {
  if (error instanceof HubsyncError || !(error instanceof Error)) return error;
  const number = serverErrorNumber(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const message = firstLine(error.message);
  if (number !== undefined && loginErrors.has(number)) {
    return new HubsyncError(ErrorCode.ConnectionFailed, `Cannot use ${describeTarget(target)}: ${message}${loginHint(number)}`);
  }
  if (code !== undefined && /^E(LOGIN|SOCKET|TIMEOUT|CONNCLOSED|INSTLOOKUP|CONNRESET|NOTOPEN|ALREADYCONNECTING|CONFIG)$/.test(code)) {
    const hint = code === 'ETIMEOUT' ? ' (no answer in time: check the address, port and firewall)' : '';
    return new HubsyncError(ErrorCode.ConnectionFailed, `Cannot reach ${describeTarget(target)}: ${message}${hint}`);
  }
  if (number !== undefined && dataErrors.has(number)) {
    return new HubsyncError(ErrorCode.DataRejected, `${describeTarget(target)} rejected the data: ${message}`, { cause: error });
  }
  if (number !== undefined) {
    return new HubsyncError(ErrorCode.DatabaseError, `${describeTarget(target)} failed (error ${number}): ${message}`, { cause: error });
  }
  return error;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** The server's error number behind a driver error (a RequestError carries it, or its original error does). */
function serverErrorNumber(error: Error): number | undefined {
  for (const candidate of [error, 'originalError' in error ? error.originalError : undefined]) {
    if (typeof candidate === 'object' && candidate !== null && 'number' in candidate && typeof candidate.number === 'number') {
      return candidate.number;
    }
    const info = typeof candidate === 'object' && candidate !== null && 'info' in candidate ? candidate.info : undefined;
    if (typeof info === 'object' && info !== null && 'number' in info && typeof info.number === 'number') return info.number;
  }
  return undefined;
}

/** The server error number behind a mapped error, for the few places that react to one number. */
export function errorNumber(error: unknown): number | undefined {
  if (!(error instanceof HubsyncError) || !(error.cause instanceof Error)) return undefined;
  return serverErrorNumber(error.cause);
}
