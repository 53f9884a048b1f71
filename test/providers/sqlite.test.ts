import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { completedCursor, streamStart } from '../../src/engine/cursor.js';
import type { Change, Provider } from '../../src/engine/provider.js';
import type { LogicalType, SyncValue, TableInfo, TableSchema } from '../../src/engine/types.js';
import { ErrorCode, isHubsyncError } from '../../src/errors.js';
import { openSqliteProvider } from '../../src/providers/sqlite/sqlite-provider.js';
import { logicalTypeOf } from '../../src/providers/sqlite/sqlite-types.js';
import { type Opened, withDb } from '../conformance/fixtures.js';
import { describeProviderConformance } from '../conformance/provider-conformance.js';
import type { TestDatabase } from '../support/harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';


/** The sync schema of an introspected table: every column hubsync can sync. */
function schemaOf(info: TableInfo | undefined): TableSchema {
  assert.ok(info !== undefined, 'table is introspected');
  return {
    name: info.name,
    columns: info.columns.flatMap(({ name, type, nullable }) => (type === null ? [] : [{ name, type, nullable }])),
    primaryKey: info.primaryKey,
    indexes: info.indexes,
  };
}

async function readAll(provider: Provider, table: TableSchema, excludeScope = 'reader'): Promise<Change[]> {
  const before = (await provider.watermark()).stamp;
  return provider.readChanges({ table, after: streamStart, before, excludeScope, limit: 10_000 });
}

function change(operation: Change['operation'], values: readonly SyncValue[]): Change {
  return { stamp: '1', operation, values, changedAt: '2026-01-01T00:00:00.000000Z' };
}

async function applyAll(provider: Provider, table: TableSchema, changes: readonly Change[], sourceScope = 'source'): Promise<number> {
  const resolve = async (candidates: readonly unknown[]): Promise<boolean[]> => candidates.map(() => true);
  const result = await provider.applyChanges({ table, changes, sourceScope, seen: null,
 position: null, resolve });
  return result.applied;
}

function comparable(values: readonly SyncValue[]): unknown[] {
  return values.map((value) => (value instanceof Uint8Array ? `hex:${Buffer.from(value).toString('hex')}` : value));
}

async function currentScope(db: TestDatabase): Promise<unknown> {
  const rows = await db.query<{ scope: unknown }>('SELECT scope FROM hubsync_scope WHERE id = 1');
  return rows[0]?.scope;
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHubsyncError(error), `expected a HubsyncError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describeProviderConformance(sqliteHarness);

describe('SQLite provider', () => {
  describe('declared types', () => {
    const cases: readonly [string, LogicalType | null][] = [
      // Every integer name holds 64 bits in SQLite, whatever it suggests.
      ['tinyint', { kind: 'int64' }],
      ['smallint', { kind: 'int64' }],
      ['MEDIUMINT', { kind: 'int64' }],
      ['INT', { kind: 'int64' }],
      ['INTEGER', { kind: 'int64' }],
      ['bigint', { kind: 'int64' }],
      ['BOOLEAN', { kind: 'boolean' }],
      ['DECIMAL(12, 2)', { kind: 'decimal', precision: 12, scale: 2 }],
      ['numeric(10)', { kind: 'decimal', precision: 10 }],
      ['DECIMAL_TEXT(38,10)', { kind: 'decimal', precision: 38, scale: 10 }],
      ['double precision', { kind: 'float64' }],
      // SQLite keeps 8 bytes in every floating-point column.
      ['FLOAT4', { kind: 'float64' }],
      ['varchar(40)', { kind: 'text', maxLength: 40 }],
      ['CHARACTER VARYING(7)', { kind: 'text', maxLength: 7 }],
      ['TEXT', { kind: 'text' }],
      ['DATETIME', { kind: 'timestamp' }],
      ['timestamp with time zone', { kind: 'timestamptz' }],
      ['BYTEA', { kind: 'binary' }],
      ['uuid', { kind: 'uuid' }],
      ['JSON_TEXT', { kind: 'json' }],
      ['', null],
      ['GEOGRAPHY', null],
    ];
    for (const [declared, expected] of cases) {
      it(`maps "${declared}"`, () => assert.deepEqual(logicalTypeOf(declared), expected));
    }
  });

  describe('opening', () => {
    it('refuses a missing file with create:false and creates nothing', async () => {
      const folder = await mkdtemp(join(tmpdir(), 'hubsync-sqlite-'));
      try {
        const path = join(folder, 'missing.db');
        await rejectsWith(openSqliteProvider(path, { create: false }), ErrorCode.ConnectionFailed);
        await assert.rejects(openSqliteProvider(path, { create: false }), /SQLite database file not found/);
        assert.equal(existsSync(path), false);
        const created = await openSqliteProvider(path, { create: true });
        await created.close();
        assert.equal(existsSync(path), true);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('reports a path in a missing folder as ConnectionFailed, also with create:true', async () => {
      await rejectsWith(openSqliteProvider(join(tmpdir(), 'hubsync-no-such-folder', 'x.db'), { create: true }), ErrorCode.ConnectionFailed);
    });

    it('reports a file that is no database as ConnectionFailed', async () => {
      const folder = await mkdtemp(join(tmpdir(), 'hubsync-sqlite-'));
      try {
        const path = join(folder, 'garbage.db');
        await writeFile(path, 'this is not a SQLite database, just text that is long enough to hold a header'.repeat(20));
        await rejectsWith(openSqliteProvider(path, { create: false }), ErrorCode.ConnectionFailed);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('reads and applies nothing before provisioning', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
        const table = schemaOf((await provider.introspect())[0]);
        await rejectsWith(provider.watermark(), ErrorCode.NotProvisioned);
        await rejectsWith(readAll(provider, table), ErrorCode.NotProvisioned);
        assert.deepEqual(await provider.provisionedTables(), []);
      }));
  });

  describe('introspection', () => {
    it('describes key order, nullability and indexes, leaving out what cannot be synced or recreated', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await db.exec(
          'CREATE TABLE u (b TEXT NOT NULL, a INTEGER, c REAL, g INT GENERATED ALWAYS AS (a * 2) VIRTUAL, ' +
            'email VARCHAR(80) UNIQUE, PRIMARY KEY (a, b))',
        );
        await db.exec('CREATE INDEX u_partial ON u (c) WHERE c > 0');
        await db.exec('CREATE INDEX u_expression ON u (lower(email))');
        await db.exec('CREATE UNIQUE INDEX u_c ON u (c, b)');
        const [info] = await provider.introspect();
        assert.deepEqual(info?.columns, [
          { name: 'b', nativeType: 'TEXT', type: { kind: 'text' }, nullable: false },
          { name: 'a', nativeType: 'INTEGER', type: { kind: 'int64' }, nullable: false },
          { name: 'c', nativeType: 'REAL', type: { kind: 'float64' }, nullable: true },
          // Listed so the plan can say it skips it; generated columns cannot be written.
          { name: 'g', nativeType: 'INT', type: null, nullable: true, generated: true },
          { name: 'email', nativeType: 'VARCHAR(80)', type: { kind: 'text', maxLength: 80 }, nullable: true },
        ]);
        assert.deepEqual(info?.primaryKey, ['a', 'b']);
        assert.deepEqual([...(info?.indexes ?? [])].sort((x, y) => x.name.localeCompare(y.name)), [
          { name: 'u_c', columns: ['c', 'b'], unique: true },
          { name: 'u_email_key', columns: ['email'], unique: true },
        ]);
        // The index of a UNIQUE constraint can be recreated under the name introspection gives it.
        await withDb(sqliteHarness, async (member) => {
          await member.provider.createTable(schemaOf(info));
          const [created] = await member.provider.introspect();
          assert.deepEqual(created?.indexes.map((index) => index.name).sort(), ['u_c', 'u_email_key']);
        });
      }));
  });

  describe('values round-trip through readChanges and applyChanges', () => {
    let source: Opened | undefined;
    let destination: Opened | undefined;
    let table: TableSchema;
    let read: Change[] = [];

    const ddl =
      'CREATE TABLE "vals" ("id" INTEGER PRIMARY KEY, "big" BIGINT, "dec" DECIMAL_TEXT(38,10), "money" DECIMAL(10,2), ' +
      '"flag" BOOLEAN, "bin" BLOB, "doc" JSON_TEXT, "ts" TIMESTAMP, "tstz" TIMESTAMPTZ, "uid" UUID, "geo" GEOGRAPHY)';
    const insert =
      'INSERT INTO "vals" ("id", "big", "dec", "money", "flag", "bin", "doc", "ts", "tstz", "uid", "geo") ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    const json = '{"b": 1,  "a":[1, 2.50, null]}';

    before(async () => {
      const sourceDb = await sqliteHarness.createDatabase();
      source = { db: sourceDb, provider: await sourceDb.open() };
      const destinationDb = await sqliteHarness.createDatabase();
      destination = { db: destinationDb, provider: await destinationDb.open() };
      await sourceDb.exec(ddl);
      // Written the way other programs write SQLite: a DECIMAL column with NUMERIC affinity, an
      // upper-case uuid, ISO timestamps with "T", "Z" and an offset.
      await sourceDb.exec(insert, [
        1n, 9223372036854775807n, '12345678901234567890.1234567890', '12.30', 1, Buffer.from([0, 1, 0, 255, 0]), json,
        '2026-01-02 03:04:05.123456', '2026-01-02T05:04:05.5+02:00', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'POINT(1 2)',
      ]);
      await sourceDb.exec(insert, [
        2n, -9223372036854775808n, '-0.0000000001', 7, 0, Buffer.alloc(0), '[]',
        '1999-12-31T23:59:59.000001Z', '1999-12-31 23:59:59+00', null, null,
      ]);
      table = schemaOf((await source.provider.introspect()).find((info) => info.name === 'vals'));
      await source.provider.provision([table]);
      read = await readAll(source.provider, table);
      await destination.provider.createTable(table);
      await destination.provider.provision([table]);
      assert.equal(await applyAll(destination.provider, table, read), 2);
    });

    after(async () => {
      for (const side of [source, destination]) {
        await side?.provider.close();
        await side?.db.dispose();
      }
    });

    it('skips the column of an unknown declared type', () => {
      const names = table.columns.map((column) => column.name);
      assert.deepEqual(names, ['id', 'big', 'dec', 'money', 'flag', 'bin', 'doc', 'ts', 'tstz', 'uid']);
    });

    it('reads every value in canonical form', () => {
      assert.deepEqual(
        read.map((c) => [c.operation, ...comparable(c.values)]),
        [
          ['insert', '1', '9223372036854775807', '12345678901234567890.1234567890', '12.30', true, 'hex:000100ff00', json,
            '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.5+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
          ['insert', '2', '-9223372036854775808', '-0.0000000001', '7.00', false, 'hex:', '[]',
            '1999-12-31 23:59:59.000001', '1999-12-31 23:59:59+00', null],
        ],
      );
    });

    it('gives change times in ISO 8601 UTC with microseconds', () => {
      for (const c of read) assert.match(c.changedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    });

    it('reads the same values back from the table createTable made', async () => {
      assert.ok(destination !== undefined);
      const again = await readAll(destination.provider, table);
      assert.deepEqual(again.map((c) => comparable(c.values)), read.map((c) => comparable(c.values)));
    });

    it('stores decimals as text and 64-bit integers as integers in the created table', async () => {
      assert.ok(destination !== undefined);
      const rows = await destination.db.query(
        'SELECT typeof("dec") AS d, typeof("money") AS m, "money" AS mv, CAST("big" AS TEXT) AS b, typeof("big") AS bt FROM "vals" ORDER BY "id"',
      );
      assert.deepEqual(rows, [
        { d: 'text', m: 'text', mv: '12.30', b: '9223372036854775807', bt: 'integer' },
        { d: 'text', m: 'text', mv: '7.00', b: '-9223372036854775808', bt: 'integer' },
      ]);
    });

    it('maps the created table back to the same logical types', async () => {
      assert.ok(destination !== undefined);
      const created = schemaOf((await destination.provider.introspect()).find((info) => info.name === 'vals'));
      assert.deepEqual(JSON.parse(JSON.stringify(created)), JSON.parse(JSON.stringify(table)));
    });

    it('writes nothing and tracks nothing when the same batch is applied again', async () => {
      assert.ok(destination !== undefined);
      const watermark = (await destination.provider.watermark()).stamp;
      assert.equal(await applyAll(destination.provider, table, read), 0);
      assert.equal((await destination.provider.watermark()).stamp, watermark);
    });
  });

  describe('change tracking', () => {
    const items: TableSchema = {
      name: 'items',
      columns: [
        { name: 'id', type: { kind: 'int32' }, nullable: false },
        { name: 'name', type: { kind: 'text' }, nullable: true },
      ],
      primaryKey: ['id'],
      indexes: [],
    };

    it('tracks rows that existed before provisioning', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await db.exec('INSERT INTO items (id, name) VALUES (1, ?), (2, ?)', ['a', 'b']);
        await provider.provision([items]);
        await provider.provision([items]);
        assert.deepEqual((await readAll(provider, items)).map((c) => [c.operation, ...c.values]), [['insert', 1, 'a'], ['insert', 2, 'b']]);
        assert.deepEqual(await provider.provisionedTables(), ['items']);
      }));

    it('turns an update of the primary key into a delete of the old key and an insert of the new one', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await db.exec('INSERT INTO items (id, name) VALUES (1, ?)', ['a']);
        const start = (await provider.watermark()).stamp;
        await db.exec('UPDATE items SET id = 5 WHERE id = 1');
        const changes = await provider.readChanges({
          table: items,
          after: completedCursor(start),
          before: (await provider.watermark()).stamp,
          excludeScope: 'reader',
          limit: 100,
        });
        assert.deepEqual(changes.map((c) => [c.operation, ...c.values]), [['delete', 1, null], ['insert', 5, 'a']]);
        await db.exec('UPDATE items SET name = ? WHERE id = 5', ['b']);
        const all = await readAll(provider, items);
        assert.deepEqual(all.map((c) => [c.operation, ...c.values]), [['delete', 1, null], ['update', 5, 'b']]);
      }));

    it('delivers a change whose transaction was open while the watermark was read (invariant 1)', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await db.exec('BEGIN IMMEDIATE');
        await db.exec('INSERT INTO items (id, name) VALUES (1, ?)', ['late']);
        const mark = (await provider.watermark()).stamp;
        const during = await provider.readChanges({ table: items, after: streamStart, before: mark, excludeScope: 'reader', limit: 100 });
        await db.exec('COMMIT');
        assert.deepEqual(during, []);
        const later = await provider.readChanges({
          table: items,
          after: completedCursor(mark),
          before: (await provider.watermark()).stamp,
          excludeScope: 'reader',
          limit: 100,
        });
        assert.deepEqual(later.map((c) => c.values), [[1, 'late']]);
      }));

    it('gives each back-filled row its own stamp in key order, so a batch seeks to its position (invariant 8)', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await db.exec('INSERT INTO items (id, name) VALUES (3, ?), (1, ?), (2, ?)', ['c', 'a', 'b']);
        await provider.provision([items]);
        await db.exec('INSERT INTO items (id, name) VALUES (0, ?)', ['later']);
        const changes = await readAll(provider, items);
        assert.deepEqual(changes.map((change) => change.values[0]), [1, 2, 3, 0]);
        const stamps = changes.map((change) => BigInt(change.stamp));
        assert.equal(new Set(stamps).size, 4, 'no two back-filled rows share a stamp');
        assert.ok(stamps.every((stamp, index) => index === 0 || stamp > (stamps[index - 1] ?? 0n)));
      }));

    it('pages by (stamp, key) without skipping or repeating rows', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await db.exec(
          'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25) INSERT INTO items (id, name) SELECT i, NULL FROM n',
        );
        await provider.provision([items]);
        await db.exec('DELETE FROM items WHERE id = 3');
        const before = (await provider.watermark()).stamp;
        const seen: number[] = [];
        let cursor = streamStart;
        for (;;) {
          const page = await provider.readChanges({ table: items, after: cursor, before, excludeScope: 'reader', limit: 4 });
          const last = page.at(-1);
          if (last === undefined) break;
          seen.push(...page.map((c) => Number(c.values[0])));
          cursor = { stamp: last.stamp, key: [last.values[0] ?? null] };
        }
        assert.deepEqual(seen, [...Array.from({ length: 25 }, (_, i) => i + 1).filter((id) => id !== 3), 3]);
      }));

    it('tags applied changes with the source scope, never echoes them, and resets the scope', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        assert.equal(await applyAll(provider, items, [change('insert', [1, 'from x']), change('insert', [2, 'from x'])], 'x'), 2);
        assert.equal(await currentScope(db), null);
        assert.deepEqual(await readAll(provider, items, 'x'), []);
        assert.deepEqual((await readAll(provider, items, 'y')).map((c) => c.values), [[1, 'from x'], [2, 'from x']]);
        await db.exec('UPDATE items SET name = ? WHERE id = 2', ['local']);
        assert.deepEqual((await readAll(provider, items, 'x')).map((c) => [c.operation, ...c.values]), [['update', 2, 'local']]);
        const scopes = await db.query('SELECT pk_1 AS id, scope FROM hubsync_tracking_items ORDER BY pk_1');
        assert.deepEqual(scopes, [{ id: 1, scope: 'x' }, { id: 2, scope: null }]);
      }));

    it('offers changes unseen by the source as conflict candidates and writes only the winners', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await applyAll(provider, items, [change('insert', [1, 'synced']), change('insert', [2, 'synced'])], 'hub');
        const seen = completedCursor((await provider.watermark()).stamp);
        await db.exec('UPDATE items SET name = ? WHERE id = 1', ['local 1']);
        await db.exec('DELETE FROM items WHERE id = 2');
        const offered: unknown[] = [];
        const result = await provider.applyChanges({
          table: items,
          changes: [change('update', [1, 'hub 1']), change('update', [2, 'hub 2']), change('insert', [3, 'hub 3'])],
          sourceScope: 'hub',
          seen,
          position: null,
          resolve: async (candidates) => {
            offered.push(...candidates.map((c) => [c.incoming.values[0], c.existing.operation, c.existing.values]));
            return candidates.map((c) => c.incoming.values[0] === 2);
          },
        });
        assert.deepEqual(offered, [[1, 'update', [1, 'local 1']], [2, 'delete', null]]);
        assert.equal(result.applied, 2);
        assert.deepEqual(await db.query('SELECT id, name FROM items ORDER BY id'), [
          { id: 1, name: 'local 1' },
          { id: 2, name: 'hub 2' },
          { id: 3, name: 'hub 3' },
        ]);
      }));

    it('calls resolve with no candidates and rolls back when it throws', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const calls: number[] = [];
        const failure = new Error('engine gave up');
        await assert.rejects(
          provider.applyChanges({
            table: items,
            changes: [change('insert', [1, 'a'])],
            sourceScope: 'x',
            seen: null,
 position: null,
            resolve: async (candidates) => {
              calls.push(candidates.length);
              throw failure;
            },
          }),
          (error: unknown) => error === failure,
        );
        assert.deepEqual(calls, [0]);
        assert.deepEqual(await db.query('SELECT * FROM items'), []);
        assert.equal(await currentScope(db), null);
      }));

    it('rolls back a batch with one NOT NULL violation and resets the scope', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        const strict: TableSchema = {
          ...items,
          name: 'strict',
          columns: [
            { name: 'id', type: { kind: 'int32' }, nullable: false },
            { name: 'name', type: { kind: 'text' }, nullable: false },
          ],
        };
        await provider.createTable(strict);
        await provider.provision([strict]);
        const watermark = (await provider.watermark()).stamp;
        const batch = [change('insert', [1, 'ok']), change('insert', [2, null]), change('insert', [3, 'ok'])];
        await rejectsWith(applyAll(provider, strict, batch, 'x'), ErrorCode.DataRejected);
        assert.deepEqual(await db.query('SELECT * FROM strict'), []);
        assert.equal(await currentScope(db), null);
        assert.equal((await provider.watermark()).stamp, watermark);
        await db.exec('INSERT INTO strict (id, name) VALUES (9, ?)', ['local']);
        assert.deepEqual(await db.query('SELECT scope FROM hubsync_tracking_strict'), [{ scope: null }]);
      }));
    it('rejects an integer beyond 64 bits instead of storing it rounded', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        const wide: TableSchema = { ...items, name: 'wide', columns: [{ name: 'id', type: { kind: 'int64' }, nullable: false }] };
        await provider.createTable(wide);
        await provider.provision([wide]);
        await rejectsWith(applyAll(provider, wide, [change('insert', ['9223372036854775808'])]), ErrorCode.DataRejected);
        assert.deepEqual(await db.query('SELECT * FROM wide'), []);
        assert.equal(await currentScope(db), null);
      }));
  });

  describe('identifiers', () => {
    const hostile = 'we"ird; DROP TABLE victim; --';
    const quoted = '"we""ird; DROP TABLE victim; --"';

    it('provisions, tracks, applies and deprovisions a table with a hostile name and column', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await db.exec('CREATE TABLE victim (id INTEGER PRIMARY KEY, v TEXT)');
        await db.exec("INSERT INTO victim VALUES (1, 'keep'), (2, 'me')");
        const table: TableSchema = {
          name: hostile,
          columns: [
            { name: 'a"b', type: { kind: 'int64' }, nullable: false },
            { name: "c'); DROP TABLE victim; --", type: { kind: 'text', maxLength: 20 }, nullable: true },
          ],
          primaryKey: ['a"b'],
          indexes: [{ name: 'i"x', columns: ["c'); DROP TABLE victim; --"], unique: true }],
        };
        await provider.createTable(table);
        const introspected = (await provider.introspect()).find((info) => info.name === hostile);
        assert.deepEqual(introspected?.indexes.map((index) => index.columns), [["c'); DROP TABLE victim; --"]]);
        await db.exec(`INSERT INTO ${quoted} VALUES (1, 'existing')`);
        await provider.provision([table]);
        await db.exec(`UPDATE ${quoted} SET "a""b" = 2 WHERE "a""b" = 1`);
        assert.equal(await applyAll(provider, table, [change('insert', ['3', 'applied']), change('delete', ['2', null])], 'x'), 2);
        assert.deepEqual((await readAll(provider, table, 'y')).map((c) => [c.operation, ...c.values]), [
          ['delete', '1', null],
          ['delete', '2', null],
          ['insert', '3', 'applied'],
        ]);
        await provider.deprovision();
        assert.deepEqual(await provider.provisionedTables(), []);
        assert.deepEqual(await db.query('SELECT id, v FROM victim ORDER BY id'), [{ id: 1, v: 'keep' }, { id: 2, v: 'me' }]);
        assert.deepEqual(await db.query(`SELECT * FROM ${quoted}`), [{ 'a"b': 3, "c'); DROP TABLE victim; --": 'applied' }]);
      }));
  });

  describe('deprovision', () => {
    it('leaves exactly the objects the user had', () =>
      withDb(sqliteHarness, async ({ db, provider }) => {
        await db.exec('CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)');
        await db.exec('CREATE TABLE b (k1 TEXT, k2 INT, v BLOB, PRIMARY KEY (k2, k1)) WITHOUT ROWID');
        await db.exec('CREATE INDEX a_v ON a (v)');
        await db.exec('CREATE TRIGGER a_audit AFTER INSERT ON a BEGIN SELECT 1; END');
        await db.exec("INSERT INTO a VALUES (1, 'x')");
        const catalogue = 'SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name';
        const before = await db.query(catalogue);
        const tables = (await provider.introspect()).map(schemaOf);
        await provider.provision(tables);
        assert.deepEqual((await provider.introspect()).map((info) => info.name), ['a', 'b'], 'introspection hides hubsync objects');
        assert.notDeepEqual(await db.query(catalogue), before);
        await provider.deprovision();
        assert.deepEqual(await db.query(catalogue), before);
        assert.deepEqual(await db.query('SELECT * FROM a'), [{ id: 1, v: 'x' }]);
        await provider.deprovision();
      }));
  });
});
