import { ErrorCode, HubsyncError } from '../../errors.js';

/** Where a connection points, for messages and for telling databases apart: never a secret (invariant 10). */
export interface MssqlTarget {
  readonly server: string;
  readonly port: number;
  /** Named instance (`host\instance`), reached through the SQL Browser instead of a fixed port. */
  readonly instance: string | null;
  readonly database: string;
}

/** How the connection logs in. Secrets live only here, never in a message. */
export type MssqlAuthentication =
  | { readonly kind: 'sql'; readonly user: string; readonly password: string }
  | { readonly kind: 'access-token'; readonly token: string }
  /** Managed identity; a user-assigned one is named by its client id. */
  | { readonly kind: 'managed-identity'; readonly clientId: string | null }
  /** DefaultAzureCredential: environment, workload or managed identity, Azure CLI, in that order. */
  | { readonly kind: 'default-credential' };

export interface MssqlConnectionSettings {
  readonly target: MssqlTarget;
  readonly authentication: MssqlAuthentication;
  readonly encrypt: boolean;
  readonly trustServerCertificate: boolean;
  readonly connectTimeoutMs: number;
  readonly applicationName: string;
}

/**
 * Reads an ADO.NET connection string (`Server=tcp:host,1433;Database=db;User Id=u;Password=p;
 * Encrypt=true`, as the Azure portal shows it) or an `mssql://user:password@host:port/db?encrypt=true`
 * URL. Errors name the form that was expected, never any part of the string.
 */
export function parseMssqlConnection(text: string): MssqlConnectionSettings {
  return /^(mssql|sqlserver):\/\//i.test(text) ? fromUrl(text) : fromPairs(adoPairs(text));
}

function invalid(reason: string): HubsyncError {
  return new HubsyncError(
    ErrorCode.ConnectionFailed,
    `The SQL Server connection string is not valid (${reason}); expected ADO.NET pairs (Server=…;Database=…) or an mssql:// URL`,
  );
}

/** ADO.NET synonyms, lowercase, spaces removed. */
const synonyms: ReadonlyMap<string, string> = new Map([
  ['server', 'server'],
  ['datasource', 'server'],
  ['address', 'server'],
  ['addr', 'server'],
  ['networkaddress', 'server'],
  ['database', 'database'],
  ['initialcatalog', 'database'],
  ['userid', 'user'],
  ['uid', 'user'],
  ['user', 'user'],
  ['username', 'user'],
  ['password', 'password'],
  ['pwd', 'password'],
  ['encrypt', 'encrypt'],
  ['trustservercertificate', 'trustServerCertificate'],
  ['authentication', 'authentication'],
  ['accesstoken', 'accessToken'],
  ['connecttimeout', 'connectTimeout'],
  ['connectiontimeout', 'connectTimeout'],
  ['timeout', 'connectTimeout'],
  ['applicationname', 'applicationName'],
  ['app', 'applicationName'],
  // Accepted and ignored: the driver pools and retries its own way.
  ['persistsecurityinfo', ''],
  ['multipleactiveresultsets', ''],
  ['pooling', ''],
  ['maxpoolsize', ''],
  ['minpoolsize', ''],
  ['connectretrycount', ''],
  ['connectretryinterval', ''],
  ['integratedsecurity', 'integratedSecurity'],
]);

/**
 * ADO.NET's syntax: `key=value` pairs separated by ";", a value optionally in double or single
 * quotes (the quote doubled inside), "==" standing for "=" in a key. A key given twice keeps its
 * last value.
 */
export function adoPairs(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  let position = 0;
  while (position < text.length) {
    while (position < text.length && /[\s;]/.test(text.charAt(position))) position += 1;
    if (position >= text.length) break;
    let key = '';
    for (;;) {
      const equals = text.indexOf('=', position);
      if (equals < 0) throw invalid('a key without "=" and a value');
      key += text.slice(position, equals);
      position = equals + 1;
      if (text.charAt(position) !== '=') break;
      key += '=';
      position += 1;
    }
    while (position < text.length && /[ \t]/.test(text.charAt(position))) position += 1;
    let value = '';
    const quote = text.charAt(position);
    if (quote === '"' || quote === "'") {
      position += 1;
      for (;;) {
        const end = text.indexOf(quote, position);
        if (end < 0) throw invalid('a quoted value is not closed');
        value += text.slice(position, end);
        position = end + 1;
        if (text.charAt(position) !== quote) break;
        value += quote;
        position += 1;
      }
      while (position < text.length && /[ \t]/.test(text.charAt(position))) position += 1;
      if (position < text.length && text.charAt(position) !== ';') throw invalid('text after a quoted value');
    } else {
      const end = text.indexOf(';', position);
      value = (end < 0 ? text.slice(position) : text.slice(position, end)).trim();
      position = end < 0 ? text.length : end;
    }
    const name = synonyms.get(key.replace(/\s+/g, '').toLowerCase());
    if (name === undefined) throw invalid(`unsupported key; use Server, Database, User Id, Password, Encrypt, TrustServerCertificate, Authentication, Connect Timeout`);
    if (name !== '') pairs.set(name, value);
  }
  if (pairs.size === 0) throw invalid('it is empty');
  return pairs;
}

function fromPairs(pairs: ReadonlyMap<string, string>): MssqlConnectionSettings {
  if (yes(pairs.get('integratedSecurity') ?? 'false', 'Integrated Security')) {
    throw invalid('Integrated Security (Windows authentication) is not supported; use SQL authentication or Microsoft Entra ID');
  }
  const serverText = pairs.get('server');
  if (serverText === undefined || serverText === '') throw invalid('Server is missing');
  const server = serverAddress(serverText);
  return {
    target: { ...server, database: pairs.get('database') ?? 'master' },
    authentication: authentication(pairs),
    encrypt: encryption(pairs.get('encrypt')),
    trustServerCertificate: yes(pairs.get('trustServerCertificate') ?? 'false', 'TrustServerCertificate'),
    connectTimeoutMs: seconds(pairs.get('connectTimeout')) * 1000,
    applicationName: pairs.get('applicationName') ?? 'hubsync',
  };
}

function fromUrl(text: string): MssqlConnectionSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('not a URL; percent-encode "/", "@", ":" and "#" in the user name and password');
  }
  const pairs = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const name = synonyms.get(key.replace(/\s+/g, '').toLowerCase());
    if (name === undefined || name === 'server' || name === 'password' || name === 'user') throw invalid('unsupported URL parameter');
    if (name !== '') pairs.set(name, value);
  }
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw invalid('bad percent-encoding');
    }
  };
  pairs.set('server', url.port === '' ? decode(url.hostname) : `${decode(url.hostname)},${url.port}`);
  const database = decode(url.pathname.replace(/^\//, ''));
  if (database !== '') pairs.set('database', database);
  if (url.username !== '') pairs.set('user', decode(url.username));
  if (url.password !== '') pairs.set('password', decode(url.password));
  return fromPairs(pairs);
}

/** `tcp:host,port`, `host\instance`, `host`; `(local)` and `.` mean this machine. */
function serverAddress(text: string): { server: string; port: number; instance: string | null } {
  // Named pipes (np:), shared memory (lpc:) and the admin connection (admin:) would otherwise read as a host "np:".
  if (/^\s*(np|lpc|admin):/i.test(text)) throw invalid('only TCP is supported: Server must be host, host,port or host\\instance');
  const match = /^(?:tcp:)?([^,\\]+)(?:\\([^,]+))?(?:,(\d{1,5}))?$/i.exec(text.trim());
  if (match === null) throw invalid('Server must be host, host,port or host\\instance (named pipes are not supported)');
  const [, host = '', instance, portText] = match;
  const port = portText === undefined ? 1433 : Number(portText);
  if (!(port >= 1 && port <= 65_535)) throw invalid('the port must be a number from 1 to 65535');
  const local = host.trim() === '.' || host.trim().toLowerCase() === '(local)';
  return { server: local ? 'localhost' : host.trim(), port, instance: instance ?? null };
}

function authentication(pairs: ReadonlyMap<string, string>): MssqlAuthentication {
  const method = (pairs.get('authentication') ?? '').replace(/[\s-]+/g, '').toLowerCase();
  const user = pairs.get('user');
  const token = pairs.get('accessToken');
  if (token !== undefined) return { kind: 'access-token', token };
  switch (method) {
    case '':
    case 'sqlpassword':
      if (user === undefined || pairs.get('password') === undefined) throw invalid('User Id and Password are needed for SQL authentication');
      return { kind: 'sql', user, password: pairs.get('password') ?? '' };
    case 'activedirectorymanagedidentity':
    case 'activedirectorymsi':
      return { kind: 'managed-identity', clientId: user ?? null };
    case 'activedirectorydefault':
      return { kind: 'default-credential' };
    default:
      throw invalid(
        'Authentication must be Sql Password, Active Directory Managed Identity or Active Directory Default (or give an Access Token)',
      );
  }
}

/** Encrypt defaults to true, as in Microsoft.Data.SqlClient 4 and later; Azure SQL refuses unencrypted logins. */
function encryption(value: string | undefined): boolean {
  if (value === undefined) return true;
  const word = value.toLowerCase();
  if (word === 'mandatory' || word === 'strict') return true;
  if (word === 'optional') return false;
  return yes(value, 'Encrypt');
}

function yes(value: string, key: string): boolean {
  const word = value.toLowerCase();
  if (word === 'true' || word === 'yes' || word === 'sspi') return true;
  if (word === 'false' || word === 'no') return false;
  throw invalid(`${key} must be true or false`);
}

function seconds(value: string | undefined): number {
  if (value === undefined) return 30;
  if (!/^\d{1,5}$/.test(value)) throw invalid('Connect Timeout must be a number of seconds');
  return Math.max(1, Number(value));
}

/**
 * Where a connection string points, the same for every spelling of it: server, port or instance,
 * database. No secret, so it may be compared and kept.
 */
export function mssqlLocation(text: string): string {
  const { server, port, instance, database } = parseMssqlConnection(text).target;
  return `${server.toLowerCase()}${instance === null ? `:${port}` : `\\${instance.toLowerCase()}`}/${database}`;
}

/** "server:port / database" for messages. */
export function describeTarget(target: MssqlTarget): string {
  const where = target.instance === null ? `${target.server}:${target.port}` : `${target.server}\\${target.instance}`;
  return `SQL Server database "${target.database}" at ${where}`;
}
