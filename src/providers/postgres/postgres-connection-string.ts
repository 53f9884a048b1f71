import pg from 'pg';
import { ErrorCode, HubsyncError } from '../../errors.js';

/** Where a connection points, for messages: never the password or the connection string (invariant 10). */
export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

export interface PostgresConnectionConfig {
  /** What the driver connects with; holds the password, so it never goes into a message. */
  readonly config: pg.ClientConfig;
  readonly target: PostgresTarget;
}

/**
 * Reads a connection string in one of the forms libpq users write: a `postgres://` or
 * `postgresql://` URL (also `socket:` and a bare socket folder, as the pg driver accepts), or
 * libpq's `key=value` pairs, which the driver does not understand (it took the whole string for
 * a database name and printed it, password included, in every error). Every error names the form
 * that was expected, never any part of the string.
 */
export function parsePostgresConnection(text: string): PostgresConnectionConfig {
  const config = isUrl(text) ? urlConfig(text) : keywordConfig(text);
  try {
    // The driver's own reading, so the target named in messages is the one it connects to.
    const probe = new pg.Client(config);
    return { config, target: { host: probe.host, port: probe.port, database: probe.database ?? '' } };
  } catch {
    throw invalid('the driver cannot use it');
  }
}

function isUrl(text: string): boolean {
  return /^(postgres|postgresql):\/\//i.test(text) || /^socket:/i.test(text) || text.startsWith('/');
}

function invalid(reason: string): HubsyncError {
  return new HubsyncError(
    ErrorCode.ConnectionFailed,
    `The PostgreSQL connection string is not valid (${reason}); expected a postgres:// URL or libpq key=value pairs`,
  );
}

function urlConfig(text: string): pg.ClientConfig {
  // A "/" in the user name or password that is not percent-encoded ends the host part early, and
  // the rest of the password would then be read, and printed, as the database name.
  const rest = text.replace(/^[a-z]+:\/\//i, '');
  const path = /^[^/?#]*(\/[^?#]*)/.exec(rest)?.[1] ?? '';
  if (path.includes('@')) throw invalid('the user name or password holds a "/": percent-encode it as %2F');
  return { connectionString: withoutSslModeAlias(text) };
}

/**
 * pg treats sslmode prefer, require and verify-ca as verify-full and prints a multi-line security
 * warning on stderr when it reads them. Saying verify-full keeps that behaviour without the
 * warning; `uselibpqcompat=true` asks for libpq's meaning instead, and is left alone.
 */
function withoutSslModeAlias(text: string): string {
  if (/[?&]uselibpqcompat=true(&|#|$)/i.test(text)) return text;
  return text.replace(/([?&]sslmode=)(prefer|require|verify-ca)(?=&|#|$)/i, '$1verify-full');
}

/** The libpq keywords the driver has a field for; others (service files, multiple hosts) are refused, not ignored. */
const driverFields: ReadonlyMap<string, string> = new Map([
  ['host', 'host'],
  ['port', 'port'],
  ['dbname', 'database'],
  ['user', 'user'],
  ['password', 'password'],
  ['application_name', 'application_name'],
  ['options', 'options'],
  ['client_encoding', 'client_encoding'],
]);

const keywords: readonly string[] = [...driverFields.keys(), 'hostaddr', 'sslmode'];

function keywordConfig(text: string): pg.ClientConfig {
  const pairs = keywordPairs(text);
  const config: Record<string, unknown> = {};
  for (const [keyword, value] of pairs) {
    const field = driverFields.get(keyword);
    if (field !== undefined) config[field] = field === 'port' ? portNumber(value) : value;
    else if (keyword === 'sslmode') config['ssl'] = sslFor(value);
    else if (keyword !== 'hostaddr') throw invalid(`unsupported keyword; use ${keywords.join(', ')}`);
  }
  // libpq connects to hostaddr when it is given; host then only names the server.
  if (pairs.has('hostaddr')) config['host'] = pairs.get('hostaddr');
  return config as pg.ClientConfig;
}

/** As pg reads the same sslmode in a URL: every mode that asks for TLS verifies the server. */
function sslFor(mode: string): pg.ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
      return false;
    case 'prefer':
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return true;
    case 'no-verify':
      return { rejectUnauthorized: false };
    default:
      throw invalid('sslmode must be disable, allow, prefer, require, verify-ca, verify-full or no-verify');
  }
}

function portNumber(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65_535)) throw invalid('port must be a number from 1 to 65535');
  return port;
}

/**
 * libpq's key=value syntax: pairs separated by white space, spaces allowed around "=", a value
 * either bare or in single quotes, a backslash escaping the next character in both. A keyword
 * given twice keeps its last value, as in libpq.
 */
export function keywordPairs(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  let position = 0;
  const skipSpace = (): void => {
    while (position < text.length && /\s/.test(text.charAt(position))) position += 1;
  };
  for (skipSpace(); position < text.length; skipSpace()) {
    const keyword = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(position))?.[0];
    if (keyword === undefined) throw invalid('a keyword was expected');
    position += keyword.length;
    skipSpace();
    if (text.charAt(position) !== '=') throw invalid('"=" missing after a keyword');
    position += 1;
    skipSpace();
    const quoted = text.charAt(position) === "'";
    if (quoted) position += 1;
    let value = '';
    let closed = !quoted;
    while (position < text.length) {
      const character = text.charAt(position);
      if (quoted ? character === "'" : /\s/.test(character)) {
        closed = true;
        position += 1;
        break;
      }
      if (character === '\\' && position + 1 < text.length) position += 1;
      value += text.charAt(position);
      position += 1;
    }
    if (!closed) throw invalid('a quoted value is not closed');
    pairs.set(keyword.toLowerCase(), value);
  }
  if (pairs.size === 0) throw invalid('it is empty');
  return pairs;
}

/**
 * Where a connection string points, the same for every spelling of it (URL or key=value, with or
 * without a password): host, port and database. No secret, so it may be compared and kept.
 */
export function postgresLocation(text: string): string {
  const { host, port, database } = parsePostgresConnection(text).target;
  return `${host.toLowerCase()}:${port}/${database}`;
}
