import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';

import { ErrorCode, HubsyncError } from '../../src/errors.js';
import { mapMssqlError } from '../../src/providers/mssql/mssql-errors.js';
import { mssqlLocation, parseMssqlConnection } from '../../src/providers/mssql/mssql-connection-string.js';
import { quoteIdentifier } from '../../src/providers/mssql/mssql-identifiers.js';
import { driverConfig } from '../../src/providers/mssql/mssql-connection.js';
import { openMssqlProvider } from '../../src/providers/mssql/mssql-provider.js';
import {
  canonicalOffset,
  fromDriver,
  logicalTypeOf,
  nativeTypeOf,
  shortestFloat32,
  toWire,
  trimFraction,
  type NativeColumn,
} from '../../src/providers/mssql/mssql-types.js';

function native(typeName: string, maxLength: number, precision = 0, scale = 0): NativeColumn {
  return { name: 'c', typeName, maxLength, precision, scale, nullable: true, identity: false, collation: null, unwritable: null };
}

describe('mssql types, offline', () => {
  it('maps every supported SQL Server type to a logical type and skips the rest', () => {
    assert.deepEqual(logicalTypeOf(native('tinyint', 1)), { kind: 'int16' });
    assert.deepEqual(logicalTypeOf(native('decimal', 17, 38, 38)), { kind: 'decimal', precision: 38, scale: 38 });
    assert.deepEqual(logicalTypeOf(native('money', 8, 19, 4)), { kind: 'decimal', precision: 19, scale: 4 });
    assert.deepEqual(logicalTypeOf(native('smallmoney', 4, 10, 4)), { kind: 'decimal', precision: 10, scale: 4 });
    assert.deepEqual(logicalTypeOf(native('nvarchar', 40)), { kind: 'text', maxLength: 20 });
    assert.deepEqual(logicalTypeOf(native('varchar', -1)), { kind: 'text' });
    assert.deepEqual(logicalTypeOf(native('nchar', 20)), { kind: 'text', maxLength: 10, fixedLength: true }, 'char stays char');
    assert.deepEqual(logicalTypeOf(native('char', 10)), { kind: 'text', maxLength: 10, fixedLength: true });
    assert.deepEqual(logicalTypeOf(native('varbinary', 16)), { kind: 'binary', maxLength: 16 });
    assert.deepEqual(logicalTypeOf(native('datetimeoffset', 10, 34, 7)), { kind: 'timestamptz' });
    assert.deepEqual(logicalTypeOf(native('float', 8, 53)), { kind: 'float64' });
    for (const skipped of ['geography', 'geometry', 'hierarchyid', 'sql_variant', 'timestamp']) assert.equal(logicalTypeOf(native(skipped, 8)), null);
    assert.equal(logicalTypeOf({ ...native('xml', -1), unwritable: 'xml schema collection' }), null);
    assert.equal(logicalTypeOf({ ...native('int', 4), unwritable: 'computed' }), null);
  });

  it('creates types that hold every canonical value, and refuses decimals it cannot hold exactly', () => {
    assert.equal(nativeTypeOf({ kind: 'decimal', precision: 38, scale: 10 }, false), 'decimal(38,10)');
    assert.equal(nativeTypeOf({ kind: 'timestamp' }, false), 'datetime2(7)');
    assert.equal(nativeTypeOf({ kind: 'timestamptz' }, false), 'datetimeoffset(7)');
    assert.equal(nativeTypeOf({ kind: 'text' }, true), 'nvarchar(450)');
    assert.equal(nativeTypeOf({ kind: 'text', maxLength: 5, fixedLength: true }, false), 'nchar(5)', 'padded text is created padded');
    assert.equal(nativeTypeOf({ kind: 'text' }, false), 'nvarchar(max)');
    assert.throws(() => nativeTypeOf({ kind: 'decimal' }, false), (error: unknown) => error instanceof HubsyncError && error.code === ErrorCode.SchemaMismatch);
    assert.throws(() => nativeTypeOf({ kind: 'decimal', precision: 40, scale: 2 }, false), HubsyncError);
  });

  it('reads boundary values back in canonical form', () => {
    assert.equal(fromDriver({ kind: 'int16' }, 255), 255);
    assert.equal(fromDriver({ kind: 'int16' }, 0), 0);
    assert.equal(fromDriver({ kind: 'decimal' }, '-99999999999999999999999999999999999999'), '-99999999999999999999999999999999999999');
    assert.equal(fromDriver({ kind: 'decimal' }, '12.3000'), '12.3000', 'money keeps its scale');
    assert.equal(shortestFloat32(Math.fround(0.1)), 0.1);
    assert.equal(shortestFloat32(Math.fround(3.4028234663852886e38)), 3.4028235e38);
    assert.equal(trimFraction('2026-01-02 03:04:05.1234567'), '2026-01-02 03:04:05.1234567', 'all seven digits kept');
    assert.equal(trimFraction('2026-01-02 03:04:05.1200000'), '2026-01-02 03:04:05.12');
    assert.equal(trimFraction('2026-01-02 03:04:05.0000000'), '2026-01-02 03:04:05');
    assert.equal(canonicalOffset('2026-01-02 03:04:05.1200000+05:30'), '2026-01-02 03:04:05.12+05:30', 'the offset is kept');
    assert.equal(canonicalOffset('2026-01-02 03:04:05.0000000+00:00'), '2026-01-02 03:04:05+00');
    assert.equal(canonicalOffset('0001-01-01 00:00:00.0000000-14:00'), '0001-01-01 00:00:00-14:00');
  });

  it('sends times in ISO 8601, which no DATEFORMAT or language changes', () => {
    assert.equal(toWire({ kind: 'timestamp' }, '2026-01-02 03:04:05.1234567'), '2026-01-02T03:04:05.1234567');
    assert.equal(toWire({ kind: 'timestamptz' }, '2026-01-02 03:04:05.5+00'), '2026-01-02T03:04:05.5+00:00');
    assert.equal(toWire({ kind: 'timestamptz' }, '2026-01-02 03:04:05-14:00'), '2026-01-02T03:04:05-14:00');
    assert.ok(Buffer.isBuffer(toWire({ kind: 'binary' }, new Uint8Array([1, 2]))));
  });

  it('refuses NaN and the infinities, which float and real cannot hold, as rejected data', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const kind of ['float32', 'float64'] as const) {
        assert.throws(
          () => toWire({ kind }, value),
          (error: unknown) => error instanceof HubsyncError && error.code === ErrorCode.DataRejected,
        );
      }
    }
    assert.equal(toWire({ kind: 'float64' }, 1.5), 1.5);
  });

  it('quotes identifiers in brackets with "]" doubled', () => {
    assert.equal(quoteIdentifier('a]b'), '[a]]b]');
    assert.equal(quoteIdentifier(`x"; DROP TABLE y; --`), `[x"; DROP TABLE y; --]`);
    assert.equal(quoteIdentifier(']]'), '[]]]]]');
  });
});

describe('mssql connections, offline', () => {
  it('reads ADO.NET strings as the Azure portal shows them, and mssql:// URLs', () => {
    const ado = parseMssqlConnection(
      "Server=tcp:hub.database.windows.net,1433;Initial Catalog=Sales;User ID=app;Password='p;w''d';Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;",
    );
    assert.deepEqual(ado.target, { server: 'hub.database.windows.net', port: 1433, instance: null, database: 'Sales' });
    assert.deepEqual(ado.authentication, { kind: 'sql', user: 'app', password: "p;w'd" });
    assert.equal(ado.encrypt, true);
    assert.equal(ado.trustServerCertificate, false);
    const url = parseMssqlConnection('mssql://sa:s%2Fcret@127.0.0.1:14330/shop?trustServerCertificate=true');
    assert.deepEqual(url.target, { server: '127.0.0.1', port: 14330, instance: null, database: 'shop' });
    assert.deepEqual(url.authentication, { kind: 'sql', user: 'sa', password: 's/cret' });
    assert.equal(url.trustServerCertificate, true);
    assert.deepEqual(parseMssqlConnection('Server=store1\\SQLEXPRESS;Database=pos;Authentication=Active Directory Managed Identity;User Id=1234').authentication, {
      kind: 'managed-identity',
      clientId: '1234',
    });
    assert.deepEqual(parseMssqlConnection('Server=x;Database=y;Authentication=Active Directory Default').authentication, { kind: 'default-credential' });
    assert.equal(mssqlLocation('Server=tcp:HUB,1433;Database=Sales;User Id=a;Password=b'), 'hub:1433/Sales');
    assert.equal(mssqlLocation('mssql://c:d@hub:1433/Sales'), 'hub:1433/Sales');
  });

  it('reads every connection-string form: synonyms, instances, encryption words, Entra ID kinds', () => {
    const forms: [string, Partial<ReturnType<typeof parseMssqlConnection>>][] = [
      ['Data Source=(local);Initial Catalog=a;UID=u;PWD=p', { target: { server: 'localhost', port: 1433, instance: null, database: 'a' }, authentication: { kind: 'sql', user: 'u', password: 'p' } }],
      ['Address=.\\SQLEXPRESS;Database=a;User=u;Password="p;""x"', { target: { server: 'localhost', port: 1433, instance: 'SQLEXPRESS', database: 'a' }, authentication: { kind: 'sql', user: 'u', password: 'p;"x' } }],
      ['Server=h;Database=a;Authentication=Sql Password;User Id=u;Password=p', { authentication: { kind: 'sql', user: 'u', password: 'p' } }],
      ['Server=h;Database=a;AccessToken=eyJ0b2tlbg', { authentication: { kind: 'access-token', token: 'eyJ0b2tlbg' } }],
      ['Server=h;Database=a;Authentication=ActiveDirectoryMSI', { authentication: { kind: 'managed-identity', clientId: null } }],
      ['Server=h;Database=a;Authentication=Active-Directory-Default;Encrypt=Strict', { authentication: { kind: 'default-credential' }, encrypt: true }],
      ['Server=h;Database=a;Authentication=Active Directory Default;Encrypt=Optional', { encrypt: false, trustServerCertificate: false }],
      ['Server=h;Database=a;Authentication=Active Directory Default', { encrypt: true, connectTimeoutMs: 30_000, applicationName: 'hubsync' }],
      ['Server=h;Database=a;Authentication=Active Directory Default;Encrypt=no;TrustServerCertificate=yes;Connect Timeout=5;App=pos', { encrypt: false, trustServerCertificate: true, connectTimeoutMs: 5000, applicationName: 'pos' }],
      ['sqlserver://u:p@h/a?encrypt=false&authentication=Sql%20Password', { target: { server: 'h', port: 1433, instance: null, database: 'a' }, encrypt: false }],
      ['mssql://h:1444/a?authentication=Active%20Directory%20Managed%20Identity', { target: { server: 'h', port: 1444, instance: null, database: 'a' }, authentication: { kind: 'managed-identity', clientId: null } }],
    ];
    for (const [text, expected] of forms) {
      const parsed = parseMssqlConnection(text);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(parsed[key as keyof typeof parsed], value, `${key} of ${text}`);
    }
  });

  it('hands encryption and each login kind to the driver as configured', async () => {
    const sql = await driverConfig(parseMssqlConnection('Server=h,1444;Database=a;User Id=u;Password=p;Encrypt=false;TrustServerCertificate=true'));
    assert.deepEqual([sql.server, sql.port, sql.database, sql.user, sql.password], ['h', 1444, 'a', 'u', 'p']);
    assert.equal(sql.options?.encrypt, false);
    assert.equal(sql.options?.trustServerCertificate, true);
    const named = await driverConfig(parseMssqlConnection('Server=h\\INST;Database=a;User Id=u;Password=p'));
    assert.equal(named.options?.instanceName, 'INST');
    assert.equal(named.port, undefined, 'a named instance is found through the SQL Browser');
    const token = await driverConfig(parseMssqlConnection('Server=h;Database=a;AccessToken=t0k'));
    assert.deepEqual(token.authentication, { type: 'azure-active-directory-access-token', options: { token: 't0k' } });
    for (const text of ['Server=h;Database=a;Authentication=Active Directory Default', 'Server=h;Database=a;Authentication=Active Directory Managed Identity;User Id=1234']) {
      const config = await driverConfig(parseMssqlConnection(text));
      const authentication = config.authentication as unknown as { type: string; options: { credential: { getToken: unknown } } };
      assert.equal(authentication.type, 'token-credential', text);
      assert.equal(typeof authentication.options.credential.getToken, 'function', 'an @azure/identity credential');
      assert.equal(config.user, undefined);
    }
  });

  it('refuses what it cannot use without repeating the string', () => {
    for (const bad of [
      'Server=x;Database=y;Password=s3cret-pw',
      'Server=x;Pasword=s3cret-pw',
      "Server=x;Password='s3cret-pw",
      'Server=x;Integrated Security=SSPI;Password=s3cret-pw',
      'Server=x;User Id=u;Password=s3cret-pw;Authentication=Active Directory Password',
      'Server=x;User Id=u;Password=s3cret-pw;Encrypt=maybe',
      'Server=x,99999;User Id=u;Password=s3cret-pw',
      'Server=np:\\\\x\\pipe;User Id=u;Password=s3cret-pw',
      'mssql://u:s3cret-pw@x/y?password=s3cret-pw',
      'mssql://u:s3cret-pw%zz@x/y',
      'Server=x;User Id=u;Password=s3cret-pw;Connect Timeout=soon',
    ]) {
      assert.throws(
        () => parseMssqlConnection(bad),
        (error: unknown) => error instanceof HubsyncError && error.code === ErrorCode.ConnectionFailed && !inspect(error).includes('s3cret-pw'),
      );
    }
  });

  it('maps a refused login, an unknown database and the Azure firewall to HS_CONNECTION_FAILED naming server and database', () => {
    const target = { server: 'hub.database.windows.net', port: 1433, instance: null, database: 'Sales' };
    const cases: [number, RegExp][] = [
      [18456, /password/],
      [4060, /does not exist/],
      [40615, /firewall/],
    ];
    for (const [number, hint] of cases) {
      const driverError = Object.assign(new Error('Login failed.'), { code: 'ELOGIN', originalError: { number }, config: { password: 's3cret-pw' } });
      const mapped = mapMssqlError(driverError, target);
      assert.ok(mapped instanceof HubsyncError && mapped.code === ErrorCode.ConnectionFailed);
      assert.match(mapped.message, /"Sales" at hub\.database\.windows\.net:1433/);
      assert.match(mapped.message, hint);
      assert.doesNotMatch(inspect(mapped, { depth: 10 }), /s3cret-pw/);
    }
    const rejected = mapMssqlError(Object.assign(new Error('Cannot insert the value NULL'), { number: 515 }), target);
    assert.ok(rejected instanceof HubsyncError && rejected.code === ErrorCode.DataRejected);
  });

  it('a real connection attempt to a closed port names server and database, never the password', async () => {
    const error = await openMssqlProvider('Server=127.0.0.1,1;Database=some_db;User Id=sa;Password=s3cret-pw;Connect Timeout=5').then(
      () => assert.fail('connected'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof HubsyncError && error.code === ErrorCode.ConnectionFailed, inspect(error));
    assert.match(error.message, /"some_db" at 127\.0\.0\.1:1/);
    assert.doesNotMatch(inspect(error, { depth: 10 }), /s3cret-pw/);
  });
});
