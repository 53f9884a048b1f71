import { ErrorCode, HubsyncError } from '../../errors.js';
import { describeTarget, type MssqlTarget } from './mssql-connection-string.js';

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
export function mapMssqlError(error: unknown, target: MssqlTarget): unknown {
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
