import { ErrorCode, HubsyncError } from '../../errors.js';
import type { PostgresTarget } from './postgres-connection-string.js';

export function describeTarget(target: PostgresTarget): string {
  return `PostgreSQL database "${target.database}" at ${target.host}:${target.port}`;
}

/** SQLSTATE classes meaning the session or login failed rather than the statement. */
const connectionStates = /^(08|28|3D|57P)/;

/** Errors the driver raises itself when the socket goes away or TLS is refused; they carry no SQLSTATE. */
const driverConnectionMessages = /connection terminated|not queryable|timeout exceeded when trying to connect|does not support SSL/i;

/**
 * Turns a driver error into a HubsyncError. Messages are the server's own plus where it happened;
 * the connection string never appears in them (invariant 10).
 */
export function mapPostgresError(error: unknown, target: PostgresTarget): unknown {
  if (error instanceof HubsyncError || !(error instanceof Error)) return error;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const isSqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) && 'severity' in error;
  if (isSqlState) {
    const detail = 'detail' in error && typeof error.detail === 'string' ? ` (${error.detail})` : '';
    const message = `${error.message}${detail}`;
    if (code.startsWith('22') || code.startsWith('23')) {
      return new HubsyncError(ErrorCode.DataRejected, `${describeTarget(target)} rejected the data: ${message}`, { cause: error });
    }
    if (connectionStates.test(code)) {
      return new HubsyncError(ErrorCode.ConnectionFailed, `Cannot use ${describeTarget(target)}: ${message}`, { cause: error });
    }
    return new HubsyncError(ErrorCode.DatabaseError, `${describeTarget(target)} failed (SQLSTATE ${code}): ${message}`, { cause: error });
  }
  if (code !== undefined || driverConnectionMessages.test(error.message)) {
    return new HubsyncError(ErrorCode.ConnectionFailed, `Cannot reach ${describeTarget(target)}: ${error.message}`, { cause: error });
  }
  return error;
}

/** The SQLSTATE behind a mapped error, for the few places that react to one particular state. */
/** SQLSTATE of a statement naming a table that does not exist: here, a database hubsync never provisioned. */
export const undefinedTable = '42P01';

export function sqlState(error: unknown): string | undefined {
  if (!(error instanceof HubsyncError)) return undefined;
  const cause: unknown = error.cause;
  return typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
}
