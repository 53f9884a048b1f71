import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isHubsyncError } from '../../src/errors.js';
import { keywordPairs, parsePostgresConnection } from '../../src/providers/postgres/postgres-connection-string.js';
import { openPostgresProvider } from '../../src/providers/postgres/postgres-provider.js';

/** A password no message may ever contain, with the characters that need quoting or encoding. */
const password = "Pw a\\b'c-7f3e";
const encoded = encodeURIComponent(password);
const quoted = `'${password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Every form the driver (or hubsync for it) accepts, pointing at the local server and database `database`. */
function forms(port: number, database: string): Readonly<Record<string, string>> {
  return {
    'postgres:// URL': `postgres://postgres:${encoded}@127.0.0.1:${port}/${database}`,
    'postgresql:// URL with query parameters': `postgresql://postgres:${encoded}@127.0.0.1:${port}/${database}?application_name=hubsync_test&sslmode=disable`,
    'URL with the password as a query parameter': `postgres://127.0.0.1:${port}/${database}?user=postgres&password=${encoded}`,
    'key=value': `host=127.0.0.1 port=${port} password=${quoted} dbname=${database} user=postgres`,
    'key=value with spaces around "=" and hostaddr': `hostaddr = 127.0.0.1 port = ${port} dbname = '${database}' user = postgres password = ${quoted}`,
  };
}

/** Unix-socket forms, at a folder with no server: they can only fail, and must not tell the password. */
const socketForms: Readonly<Record<string, string>> = {
  'URL with an encoded socket host': `postgres://postgres:${encoded}@%2Fnonexistent-hubsync-socket/postgres`,
  'URL with a host query parameter': `postgres:///postgres?host=/nonexistent-hubsync-socket&password=${encoded}`,
  'socket: URL': `socket:/nonexistent-hubsync-socket?db=postgres&user=postgres&password=${encoded}`,
  'key=value socket folder': `host=/nonexistent-hubsync-socket dbname=postgres user=postgres password=${quoted}`,
};

async function failure(connection: string): Promise<Error> {
  try {
    const provider = await openPostgresProvider(connection);
    try {
      await provider.introspect();
    } finally {
      await provider.close();
    }
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  throw new Error('expected the connection to fail');
}

function assertSecretKept(error: Error): void {
  assert.ok(isHubsyncError(error), String(error));
  assert.equal(error.code, ErrorCode.ConnectionFailed, error.message);
  for (const secret of [password, encoded, 'Pw a', '7f3e']) {
    assert.ok(!error.message.includes(secret), `"${error.message}" contains the password`);
  }
}

describe('PostgreSQL connection strings', () => {
  for (const [form, connection] of Object.entries(forms(5432, 'postgres'))) {
    it(`connects with a ${form}`, async () => {
      const provider = await openPostgresProvider(connection);
      await provider.close();
      assert.deepEqual(parsePostgresConnection(connection).target, { host: '127.0.0.1', port: 5432, database: 'postgres' });
    });

    it(`never prints the password of a ${form}, for a missing database or an unreachable port`, async () => {
      const missing = forms(5432, 'hubsync_no_such_db')[form] ?? '';
      const missingError = await failure(missing);
      assertSecretKept(missingError);
      assert.match(missingError.message, /"hubsync_no_such_db" at 127\.0\.0\.1:5432/);
      const unreachable = await failure(forms(1, 'postgres')[form] ?? '');
      assertSecretKept(unreachable);
      assert.match(unreachable.message, /"postgres" at 127\.0\.0\.1:1/);
    });
  }

  for (const [form, connection] of Object.entries(socketForms)) {
    it(`never prints the password of a ${form}`, async () => {
      const error = await failure(connection);
      assertSecretKept(error);
      assert.match(error.message, /\/nonexistent-hubsync-socket/);
    });
  }

  it('refuses malformed strings without echoing any part of them', async () => {
    for (const connection of [
      `password=${quoted} dbname`,
      `password='${password}`,
      `host=127.0.0.1 passwd=${quoted}`,
      `127.0.0.1:5432/postgres ${password}`,
      `postgres://postgres:Pw/a-7f3e@127.0.0.1:5432/postgres`,
      `host=127.0.0.1 port=7f3e password=${quoted}`,
      `host=127.0.0.1 sslmode=7f3e password=${quoted}`,
    ]) {
      assertSecretKept(await failure(connection));
    }
  });

  it("reads libpq's quoting: single quotes, backslash escapes, empty values, the last of a repeated keyword", () => {
    assert.deepEqual(
      Object.fromEntries(keywordPairs(String.raw` host = h  password='a b\'c\\d' user=\ x dbname='' port=1 port=2 `)),
      { host: 'h', password: "a b'c\\d", user: ' x', dbname: '', port: '2' },
    );
  });
});
