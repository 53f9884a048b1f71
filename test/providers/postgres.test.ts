import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import pg from 'pg';

import { completedCursor, encodeCursor, streamStart } from '../../src/engine/cursor.js';
import type { Change, ConflictCandidate, Cursor, Provider } from '../../src/engine/provider.js';
import type { SyncValue, TableInfo, TableSchema } from '../../src/engine/types.js';
import { tableId } from '../../src/engine/table-name.js';
import { ErrorCode, isHubsyncError } from '../../src/errors.js';
import { openPostgresProvider } from '../../src/providers/postgres/postgres-provider.js';
import { type Opened, withDb, withTwoDbs } from '../conformance/fixtures.js';
import { describeProviderConformance } from '../conformance/provider-conformance.js';
import type { TestDatabase } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';

describeProviderConformance(postgresHarness);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------


function schemaOf(tables: readonly TableInfo[], name: string): TableSchema {
  const info = tables.find((table) => table.name === name);
  assert.ok(info !== undefined, `table ${name} is introspected`);
  return {
    name: info.name,
    columns: info.columns.map((column) => {
      assert.ok(column.type !== null, `column ${column.name} is syncable`);
      return { name: column.name, type: column.type, nullable: column.nullable };
    }),
    primaryKey: info.primaryKey,
    indexes: info.indexes,
  };
}

async function read(provider: Provider, table: TableSchema, after: Cursor = streamStart, excludeScope = 'reader'): Promise<Change[]> {
  const watermark = (await provider.watermark()).stamp;
  return provider.readChanges({ table, after, before: watermark, excludeScope, limit: 10_000 });
}

function acceptAll(candidates: readonly ConflictCandidate[]): Promise<boolean[]> {
  return Promise.resolve(candidates.map(() => true));
}

function summary(changes: readonly Change[]): { operation: string; values: readonly SyncValue[] }[] {
  return changes.map(({ operation, values }) => ({ operation, values }));
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(isHubsyncError(caught), `expected a HubsyncError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

/** Every object of the database outside the system schemas, for before/after comparisons. */
async function catalogue(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ o: string }>(`
    SELECT 'schema ' || nspname AS o FROM pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg\\_%temp%'
    UNION ALL
    SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_%temp%'
    UNION ALL
    SELECT 'function ' || n.nspname || '.' || p.proname
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'trigger ' || c.relname || '.' || t.tgname
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
    ORDER BY 1`);
  return rows.map((row) => row.o);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL-specific behaviour
// ---------------------------------------------------------------------------------------------

describe('postgres provider', () => {
  const items: TableSchema = {
    name: 'items',
    columns: [
      { name: 'id', type: { kind: 'int32' }, nullable: false },
      { name: 'name', type: { kind: 'text' }, nullable: false },
    ],
    primaryKey: ['id'],
    indexes: [],
  };

  describe('watermark (invariant 1)', () => {
    /**
     * Why transaction ids and not a sequence: with a sequence, A would draw stamp 1 when it
     * inserts and B stamp 2. B commits first, the reader sees stamp 2, delivers it and moves its
     * cursor past 2. When A commits, its stamp 1 lies behind the cursor and is never delivered.
     * The watermark stops the reader below A's transaction id until A has finished.
     */
    it('holds back a transaction that is still running and everything after it, then delivers it', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await db.exec('INSERT INTO items VALUES (1, ?)', ['before']);
        const first = await read(provider, items);
        assert.deepEqual(summary(first), [{ operation: 'insert', values: [1, 'before'] }]);
        const cursor: Cursor = { stamp: first[0]?.stamp ?? '', key: [1] };

        const a = new pg.Client({ connectionString: db.connection });
        const b = new pg.Client({ connectionString: db.connection });
        await a.connect();
        await b.connect();
        try {
          await a.query('BEGIN');
          await a.query(`INSERT INTO items VALUES (2, 'from A')`);
          const { rows: aRows } = await a.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
          const { rows: bRows } = await b.query<{ xid: string }>(
            `WITH written AS (INSERT INTO items VALUES (3, 'from B') RETURNING 1) SELECT pg_current_xact_id()::text AS xid`,
          );
          assert.ok(BigInt(bRows[0]?.xid ?? '0') > BigInt(aRows[0]?.xid ?? '0'), 'B started after A');

          const watermark = (await provider.watermark()).stamp;
          assert.ok(BigInt(watermark) <= BigInt(aRows[0]?.xid ?? '0'), 'the watermark stays at or below A');
          const held = await provider.readChanges({ table: items, after: cursor, before: watermark, excludeScope: 'reader', limit: 100 });
          assert.deepEqual(held, [], "neither A's uncommitted row nor B's committed one is delivered yet");

          await a.query('COMMIT');
          const later = await read(provider, items, cursor);
          assert.deepEqual(summary(later), [
            { operation: 'insert', values: [2, 'from A'] },
            { operation: 'insert', values: [3, 'from B'] },
          ]);
        } finally {
          await a.end();
          await b.end();
        }
      });
    });

    it('is not held back by a transaction in another database of the same server', async () => {
      const other = await postgresHarness.createDatabase();
      const client = new pg.Client({ connectionString: other.connection });
      await client.connect();
      try {
        await withDb(postgresHarness, async ({ db, provider }) => {
          await provider.createTable(items);
          await provider.provision([items]);
          await client.query('BEGIN');
          await client.query('SELECT pg_current_xact_id()');
          await db.exec(`INSERT INTO items VALUES (1, 'one')`);
          assert.deepEqual(summary(await read(provider, items)), [{ operation: 'insert', values: [1, 'one'] }]);
          await client.query('COMMIT');
        });
      } finally {
        await client.end();
        await other.dispose();
      }
    });
  });

  describe('values', () => {
    const ddl = `CREATE TABLE "values" (
      id integer PRIMARY KEY,
      i16 smallint, i64 bigint, d38 numeric(38,10), d12 numeric(12,2), dn numeric,
      f32 real, f64 double precision, txt text, vc character varying(40), flag boolean,
      day date, ts timestamp, tstz timestamptz, bin bytea, uid uuid, doc json, docb jsonb)`;

    it('read canonical values, apply them into a created table and read the same values back', async () => {
      await withDb(postgresHarness, async ({ db: source, provider: sourceProvider }) => {
        await source.exec(ddl);
        await source.exec(
          `INSERT INTO "values" VALUES
           (1, -32768, 9223372036854775807, '12345678901234567890.1234567890', 12.3, 0.000100,
            0.1, 0.30000000000000004, E'tab\\there\\nnewline \\\\ back\\rslash ünï', 'short', true,
            '2026-11-22', '2026-11-22 06:41:15.123456', '2026-11-22 08:41:15.123456+02', '\\x00ff0001'::bytea,
            'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"b": 1,  "a" : [1, 2]}', '{"b": 1, "a": 2}'),
           (2, 32767, -9223372036854775808, '-0.0000000001', 0, -5,
            3.4028235e38, 5e-324, '', NULL, false,
            '0001-01-01', '2026-11-22 06:41:15.1', '2026-11-22 06:41:15-03:30', ''::bytea,
            NULL, '[]', 'null'),
           (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
        );
        const table = schemaOf(await sourceProvider.introspect(), 'values');
        await sourceProvider.provision([table]);
        const changes = await read(sourceProvider, table);
        assert.deepEqual(
          changes.map((change) => change.values),
          [
            [
              1, -32768, '9223372036854775807', '12345678901234567890.1234567890', '12.30', '0.000100',
              0.1, 0.30000000000000004, 'tab\there\nnewline \\ back\rslash ünï', 'short', true,
              '2026-11-22', '2026-11-22 06:41:15.123456', '2026-11-22 06:41:15.123456+00', Buffer.from([0, 255, 0, 1]),
              'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1,  "a" : [1, 2]}', '{"a": 2, "b": 1}',
            ],
            [
              2, 32767, '-9223372036854775808', '-0.0000000001', '0.00', '-5',
              3.4028235e38, 5e-324, '', null, false,
              '0001-01-01', '2026-11-22 06:41:15.1', '2026-11-22 10:11:15+00', Buffer.alloc(0),
              null, '[]', 'null',
            ],
            [3, ...Array<null>(17).fill(null)],
          ],
        );
        for (const change of changes) {
          assert.match(change.changedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
          assert.match(change.stamp, /^\d+$/);
        }

        await withDb(postgresHarness, async ({ db: destination, provider: destinationProvider }) => {
          // A member whose default time zone is not UTC must still store and return UTC values.
          await destination.exec(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'Asia/Kathmandu'); END $$`);
          await destinationProvider.createTable(table);
          await destinationProvider.provision([table]);
          const result = await destinationProvider.applyChanges({
            table,
            changes,
            sourceScope: 'hub',
            seen: null,
 position: null,
            resolve: acceptAll,
          });
          assert.equal(result.applied, 3);
          const copied = await read(destinationProvider, table);
          assert.deepEqual(
            copied.map((change) => change.values),
            changes.map((change) => change.values),
          );
          // The stored rows compared inside PostgreSQL too, independent of the driver's conversions.
          // to_jsonb compares the json columns by value; their exact text was compared above.
          const stored = (db: TestDatabase) => db.query(`SELECT to_jsonb(v)::text AS row FROM "values" v ORDER BY id`);
          assert.deepEqual(await stored(destination), await stored(source));
        });
      });
    });

    it('re-applying a batch with json columns writes nothing (invariant 3)', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        const docs: TableSchema = {
          name: 'docs',
          columns: [
            { name: 'id', type: { kind: 'int32' }, nullable: false },
            { name: 'doc', type: { kind: 'json' }, nullable: true },
          ],
          primaryKey: ['id'],
          indexes: [],
        };
        await provider.createTable(docs);
        await provider.provision([docs]);
        const batch: Change[] = [
          { stamp: '10', operation: 'insert', values: [1, '{"z": 1,   "a": 2}'], changedAt: '2026-11-22T06:00:00.000000Z' },
          { stamp: '10', operation: 'insert', values: [2, null], changedAt: '2026-11-22T06:00:00.000000Z' },
        ];
        const request = { table: docs, changes: batch, sourceScope: 'hub', seen: null,
 position: null, resolve: acceptAll };
        assert.equal((await provider.applyChanges(request)).applied, 2);
        const stampsBefore = await db.query(`SELECT k1, stamp FROM hubsync."docs" ORDER BY k1`);
        assert.equal((await provider.applyChanges(request)).applied, 0);
        assert.deepEqual(await db.query(`SELECT k1, stamp FROM hubsync."docs" ORDER BY k1`), stampsBefore);
        assert.deepEqual(await db.query(`SELECT doc::text AS doc FROM docs ORDER BY id`), [{ doc: '{"z": 1,   "a": 2}' }, { doc: null }]);
      });
    });
  });

  describe('introspection and created tables', () => {
    it('maps catalogue types, keys and recreatable indexes', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await db.exec(`CREATE TYPE mood AS ENUM ('ok')`);
        await db.exec(`CREATE TABLE wide (
          b text, a integer, n numeric(12,2), nn numeric, c char(3), v varchar(40), ts timestamp(3), tz timestamptz,
          jb jsonb, p point, arr integer[], iv interval, m money, x xml, e mood, g integer GENERATED ALWAYS AS (a * 2) STORED,
          PRIMARY KEY (b, a))`);
        await db.exec('CREATE INDEX wide_n ON wide (n, v)');
        await db.exec('CREATE UNIQUE INDEX wide_c ON wide (c)');
        await db.exec('CREATE INDEX wide_expr ON wide (lower(v))');
        await db.exec('CREATE INDEX wide_partial ON wide (n) WHERE n > 0');
        await db.exec('CREATE INDEX wide_gin ON wide USING gin (jb)');
        const [wide] = await provider.introspect();
        assert.ok(wide !== undefined);
        assert.deepEqual(wide.primaryKey, ['b', 'a']);
        assert.deepEqual(
          wide.columns.map((column) => [column.name, column.nativeType, column.type, column.nullable]),
          [
            ['b', 'text', { kind: 'text' }, false],
            ['a', 'integer', { kind: 'int32' }, false],
            ['n', 'numeric(12,2)', { kind: 'decimal', precision: 12, scale: 2 }, true],
            ['nn', 'numeric', { kind: 'decimal' }, true],
            ['c', 'character(3)', { kind: 'text', maxLength: 3, fixedLength: true }, true],
            ['v', 'character varying(40)', { kind: 'text', maxLength: 40 }, true],
            ['ts', 'timestamp(3) without time zone', { kind: 'timestamp' }, true],
            ['tz', 'timestamp with time zone', { kind: 'timestamptz' }, true],
            ['jb', 'jsonb', { kind: 'json', binary: true }, true],
            ['p', 'point', null, true],
            ['arr', 'integer[]', null, true],
            ['iv', 'interval', null, true],
            ['m', 'money', null, true],
            ['x', 'xml', null, true],
            ['e', 'mood', null, true],
            ['g', 'integer generated', null, true],
          ],
        );
        assert.deepEqual(wide.indexes, [
          { name: 'wide_c', columns: ['c'], unique: true },
          { name: 'wide_n', columns: ['n', 'v'], unique: false },
        ]);
      });
    });

    it('creates tables with native types that keep every value, and the given indexes', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable({
          name: 'made',
          columns: [
            { name: 'k', type: { kind: 'uuid' }, nullable: false },
            { name: 'i16', type: { kind: 'int16' }, nullable: true },
            { name: 'd', type: { kind: 'decimal', precision: 38, scale: 10 }, nullable: true },
            { name: 'dn', type: { kind: 'decimal' }, nullable: true },
            { name: 'f', type: { kind: 'float32' }, nullable: true },
            { name: 'v', type: { kind: 'text', maxLength: 40 }, nullable: false },
            { name: 'ts', type: { kind: 'timestamp' }, nullable: true },
            { name: 'tz', type: { kind: 'timestamptz' }, nullable: true },
            { name: 'j', type: { kind: 'json' }, nullable: true },
            { name: 'bin', type: { kind: 'binary', maxLength: 16 }, nullable: true },
          ],
          primaryKey: ['k'],
          indexes: [{ name: 'made "v" idx', columns: ['v', 'd'], unique: true }],
        });
        const columns = await db.query<{ attname: string; type: string; attnotnull: boolean }>(
          `SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute
           WHERE attrelid = 'made'::regclass AND attnum > 0 ORDER BY attnum`,
        );
        assert.deepEqual(
          columns.map((column) => `${column.attname} ${column.type}${column.attnotnull ? ' not null' : ''}`),
          [
            'k uuid not null',
            'i16 smallint',
            'd numeric(38,10)',
            'dn numeric',
            'f real',
            'v character varying(40) not null',
            'ts timestamp(6) without time zone',
            'tz timestamp(6) with time zone',
            'j json',
            'bin bytea',
          ],
        );
        const [made] = await provider.introspect();
        assert.deepEqual(made?.indexes, [{ name: 'made "v" idx', columns: ['v', 'd'], unique: true }]);
      });
    });
  });

  describe('statement-level triggers', () => {
    it('track with one statement trigger per event, not per row', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const triggers = await db.query<{ tgname: string; row_level: boolean }>(
          `SELECT tgname, (tgtype & 1) = 1 AS row_level FROM pg_trigger WHERE tgrelid = 'items'::regclass ORDER BY tgname`,
        );
        assert.deepEqual(triggers, [
          { tgname: 'hubsync_delete', row_level: false },
          { tgname: 'hubsync_insert', row_level: false },
          { tgname: 'hubsync_truncate', row_level: false },
          { tgname: 'hubsync_update', row_level: false },
        ]);
      });
    });

    it('a multi-row update of primary keys is a delete of each old key and an insert of each new key', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await db.exec(`INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 4) g`);
        await provider.provision([items]);
        const backfilled = await read(provider, items);
        assert.equal(backfilled.length, 4);
        // Just past the back-fill's stamp: every change of the statement below is after it.
        const cursor: Cursor = completedCursor(String(BigInt(backfilled[3]?.stamp ?? '0') + 1n));
        // 1 -> 11, 2 -> 12, 3 -> 3 (kept, renamed); 4 untouched.
        await db.exec(`UPDATE items SET id = CASE WHEN id < 3 THEN id + 10 ELSE id END, name = name || '!' WHERE id <= 3`);
        const changes = await read(provider, items, cursor);
        const byKey = new Map(changes.map((change) => [change.values[0], { operation: change.operation, name: change.values[1] }]));
        assert.deepEqual(Object.fromEntries(byKey), {
          1: { operation: 'delete', name: null },
          2: { operation: 'delete', name: null },
          3: { operation: 'update', name: 'row 3!' },
          11: { operation: 'insert', name: 'row 1!' },
          12: { operation: 'insert', name: 'row 2!' },
        });
        assert.equal(new Set(changes.map((change) => change.stamp)).size, 1, 'one transaction, one stamp');
      });
    });

    it('TRUNCATE is tracked as a delete of every row', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await db.exec(`INSERT INTO items VALUES (1, 'one'), (2, 'two')`);
        const inserted = await read(provider, items);
        await db.exec('TRUNCATE items');
        const changes = await read(provider, items, completedCursor(String(BigInt(inserted[1]?.stamp ?? '0') + 1n)));
        assert.deepEqual(summary(changes), [
          { operation: 'delete', values: [1, null] },
          { operation: 'delete', values: [2, null] },
        ]);
      });
    });

    it('a primary-key column named like a tracking column ("stamp", "op") is tracked', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        const odd: TableSchema = {
          name: 'odd',
          columns: [
            { name: 'stamp', type: { kind: 'int64' }, nullable: false },
            { name: 'op', type: { kind: 'text' }, nullable: false },
            { name: 'scope', type: { kind: 'text' }, nullable: true },
          ],
          primaryKey: ['op', 'stamp'],
          indexes: [],
        };
        await provider.createTable(odd);
        await provider.provision([odd]);
        await db.exec(`INSERT INTO odd VALUES (5, 'x', 'y')`);
        await db.exec(`DELETE FROM odd`);
        assert.deepEqual(summary(await read(provider, odd)), [{ operation: 'delete', values: ['5', 'x', null] }]);
      });
    });

    it('user tables named meta and tracked do not collide with hubsync.meta and hubsync.tracked', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        const meta = { ...items, name: 'meta' };
        const tracked = { ...items, name: 'tracked' };
        await provider.createTable(meta);
        await provider.createTable(tracked);
        await provider.provision([meta, tracked]);
        await db.exec(`INSERT INTO meta VALUES (1, 'm')`);
        await db.exec(`INSERT INTO tracked VALUES (2, 't')`);
        assert.deepEqual(summary(await read(provider, meta)), [{ operation: 'insert', values: [1, 'm'] }]);
        assert.deepEqual(summary(await read(provider, tracked)), [{ operation: 'insert', values: [2, 't'] }]);
        assert.deepEqual(await provider.provisionedTables(), ['meta', 'tracked']);
        await provider.deprovision();
      });
    });

    it('derived names stay within 63 bytes for a 63-byte table name', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        const long = { ...items, name: 'ä'.repeat(31) + 'x' };
        await provider.createTable(long);
        await provider.provision([long]);
        await db.exec(`INSERT INTO ${'"' + long.name + '"'} VALUES (1, 'long')`);
        assert.deepEqual(summary(await read(provider, long)), [{ operation: 'insert', values: [1, 'long'] }]);
      });
    });
  });

  describe('hostile identifiers (invariant 9)', () => {
    it('a table named like SQL injection with a column a"b provisions, tracks, applies and deprovisions', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        const hostile: TableSchema = {
          name: 'we"ird; DROP TABLE victim; --',
          columns: [
            { name: 'id', type: { kind: 'int32' }, nullable: false },
            { name: 'a"b', type: { kind: 'text' }, nullable: true },
          ],
          primaryKey: ['id'],
          indexes: [{ name: 'x"; DROP TABLE victim; --', columns: ['a"b'], unique: false }],
        };
        await db.exec('CREATE TABLE victim (id integer PRIMARY KEY)');
        await db.exec('INSERT INTO victim VALUES (42)');
        await provider.createTable(hostile);
        await provider.provision([hostile]);
        await db.exec(`INSERT INTO "we""ird; DROP TABLE victim; --" VALUES (1, 'local')`);
        const result = await provider.applyChanges({
          table: hostile,
          changes: [{ stamp: '5', operation: 'insert', values: [2, 'remote $hs$ \'q\''], changedAt: '2026-11-22T06:00:00.000000Z' }],
          sourceScope: 'hub',
          seen: null,
 position: null,
          resolve: acceptAll,
        });
        assert.equal(result.applied, 1);
        assert.deepEqual(summary(await read(provider, hostile)), [
          { operation: 'insert', values: [1, 'local'] },
          { operation: 'insert', values: [2, "remote $hs$ 'q'"] },
        ]);
        assert.deepEqual(summary(await read(provider, hostile, streamStart, 'hub')), [{ operation: 'insert', values: [1, 'local'] }]);
        await provider.deprovision();
        assert.deepEqual(await db.query('SELECT id FROM victim'), [{ id: 42 }]);
        assert.deepEqual(await db.query(`SELECT count(*)::int AS n FROM "we""ird; DROP TABLE victim; --"`), [{ n: 2 }]);
        assert.deepEqual(await provider.provisionedTables(), []);
      });
    });
  });

  describe('apply', () => {
    it('a batch with one NOT NULL violation raises HS_DATA_REJECTED and applies nothing', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await db.exec(`INSERT INTO items VALUES (1, 'one')`);
        const trackingBefore = await db.query('SELECT * FROM hubsync."items" ORDER BY k1');
        let resolved = 0;
        await rejectsWith(
          provider.applyChanges({
            table: items,
            changes: [
              { stamp: '5', operation: 'update', values: [1, 'changed'], changedAt: '2026-11-22T06:00:00.000000Z' },
              { stamp: '5', operation: 'insert', values: [2, 'two'], changedAt: '2026-11-22T06:00:00.000000Z' },
              { stamp: '5', operation: 'insert', values: [3, null], changedAt: '2026-11-22T06:00:00.000000Z' },
            ],
            sourceScope: 'hub',
            seen: null,
 position: null,
            resolve: (candidates) => {
              resolved += 1;
              return acceptAll(candidates);
            },
          }),
          ErrorCode.DataRejected,
        );
        assert.equal(resolved, 1);
        assert.deepEqual(await db.query('SELECT id, name FROM items ORDER BY id'), [{ id: 1, name: 'one' }]);
        assert.deepEqual(await db.query('SELECT * FROM hubsync."items" ORDER BY k1'), trackingBefore);
      });
    });

    it('swaps unique values by rewriting the rows, but never on a table other tables reference', async () => {
      const codes: TableSchema = {
        name: 'codes',
        columns: [
          { name: 'id', type: { kind: 'int32' }, nullable: false },
          { name: 'code', type: { kind: 'text' }, nullable: false },
        ],
        primaryKey: ['id'],
        indexes: [{ name: 'codes_code', columns: ['code'], unique: true }],
      };
      const swap: Change[] = [
        { stamp: '5', operation: 'update', values: [1, 'y'], changedAt: '2026-11-22T06:00:00.000000Z' },
        { stamp: '5', operation: 'update', values: [2, 'x'], changedAt: '2026-11-22T06:00:00.000000Z' },
      ];
      const request = { table: codes, changes: swap, sourceScope: 'hub', seen: null,
 position: null, resolve: acceptAll };
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(codes);
        await provider.provision([codes]);
        await db.exec(`INSERT INTO codes VALUES (1, 'x'), (2, 'y')`);
        assert.equal((await provider.applyChanges(request)).applied, 2);
        assert.deepEqual(await db.query('SELECT id, code FROM codes ORDER BY id'), [{ id: 1, code: 'y' }, { id: 2, code: 'x' }]);
      });
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(codes);
        await provider.provision([codes]);
        await db.exec(`INSERT INTO codes VALUES (1, 'x'), (2, 'y')`);
        await db.exec('CREATE TABLE uses (code_id integer PRIMARY KEY REFERENCES codes ON DELETE CASCADE)');
        await db.exec('INSERT INTO uses VALUES (1), (2)');
        await rejectsWith(provider.applyChanges(request), ErrorCode.DataRejected);
        assert.deepEqual(await db.query('SELECT id, code FROM codes ORDER BY id'), [{ id: 1, code: 'x' }, { id: 2, code: 'y' }]);
        assert.deepEqual(await db.query('SELECT code_id FROM uses ORDER BY code_id'), [{ code_id: 1 }, { code_id: 2 }]);
      });
    });

    it('keeps source change times, also when a user trigger writes to another tracked table during the apply', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        const audit: TableSchema = {
          name: 'audit',
          columns: [
            { name: 'item', type: { kind: 'int32' }, nullable: false },
            { name: 'seq', type: { kind: 'int64' }, nullable: false },
          ],
          primaryKey: ['item', 'seq'],
          indexes: [],
        };
        await provider.createTable(items);
        await provider.createTable(audit);
        await provider.provision([items, audit]);
        await db.exec(`CREATE FUNCTION audit_items() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO audit VALUES (NEW.id, 1); RETURN NEW; END $$`);
        await db.exec('CREATE TRIGGER audit_items AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION audit_items()');
        const madeAt = '2020-01-02T03:04:05.123456Z';
        const result = await provider.applyChanges({
          table: items,
          changes: [{ stamp: '5', operation: 'insert', values: [7, 'seven'], changedAt: madeAt }],
          sourceScope: 'hub',
          seen: null,
 position: null,
          resolve: acceptAll,
        });
        assert.equal(result.applied, 1);
        assert.deepEqual((await read(provider, items)).map((change) => change.changedAt), [madeAt]);
        const audited = await read(provider, audit);
        assert.deepEqual(summary(audited), [{ operation: 'insert', values: [7, '1'] }]);
        assert.notEqual(audited[0]?.changedAt, madeAt);
      });
    });

    it('rolls back and rethrows when resolve throws', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const failure = new Error('engine gave up');
        await assert.rejects(
          provider.applyChanges({
            table: items,
            changes: [{ stamp: '5', operation: 'insert', values: [1, 'one'], changedAt: '2026-11-22T06:00:00.000000Z' }],
            sourceScope: 'hub',
            seen: null,
 position: null,
            resolve: () => Promise.reject(failure),
          }),
          (error) => error === failure,
        );
        assert.deepEqual(await db.query('SELECT * FROM items'), []);
      });
    });

    it('waits for a local transaction in flight, then reports its change as a conflict candidate', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await db.exec(`INSERT INTO items VALUES (1, 'one')`);
        const mark = (await provider.watermark()).stamp;
        const local = new pg.Client({ connectionString: db.connection });
        await local.connect();
        try {
          await local.query('BEGIN');
          await local.query(`UPDATE items SET name = 'local' WHERE id = 1`);
          let seen: readonly ConflictCandidate[] = [];
          const applying = provider.applyChanges({
            table: items,
            changes: [{ stamp: '5', operation: 'update', values: [1, 'remote'], changedAt: '2026-11-22T06:00:00.000000Z' }],
            sourceScope: 'hub',
            seen: completedCursor(mark),
            position: null,
            resolve: (candidates) => {
              seen = candidates;
              return Promise.resolve(candidates.map(() => false));
            },
          });
          await new Promise((resolve) => setTimeout(resolve, 200));
          await local.query('COMMIT');
          assert.equal((await applying).applied, 0);
          assert.deepEqual(
            seen.map((candidate) => [candidate.existing.operation, candidate.existing.values]),
            [['update', [1, 'local']]],
          );
        } finally {
          await local.end();
        }
        assert.deepEqual(await db.query('SELECT id, name FROM items'), [{ id: 1, name: 'local' }]);
      });
    });
  });

  describe('bulk load from PostgreSQL', () => {
    it('a key whose base row is gone while its tracking row says it is there becomes a tombstone, as a read of changes says', async () => {
      await withTwoDbs(postgresHarness, async (source, destination) => {
        for (const side of [source, destination]) {
          await side.provider.createTable(items);
          await side.provider.provision([items]);
        }
        await source.db.exec(`INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
        // Deleted with the triggers off (say by a restore): the tracking row still says "inserted".
        await source.db.exec('ALTER TABLE items DISABLE TRIGGER hubsync_delete');
        await source.db.exec('DELETE FROM items WHERE id = 2');
        await source.db.exec('ALTER TABLE items ENABLE TRIGGER hubsync_delete');
        const before = (await source.provider.watermark()).stamp;
        assert.deepEqual(
          summary(await read(source.provider, items)).map((change) => change.operation),
          ['insert', 'delete', 'insert'],
        );
        const snapshot = await source.provider.openSnapshot({ table: items, before, excludeScope: 'D' });

        const result = await destination.provider.bulkLoad({ table: items, snapshot, sourceScope: 'S', through: encodeCursor(completedCursor(before)), pageSize: 10 });

        assert.deepEqual(result, { applied: 2, alreadyApplied: false });
        assert.deepEqual(await destination.db.query('SELECT id FROM items ORDER BY id'), [{ id: 1 }, { id: 3 }]);
        assert.deepEqual(await destination.db.query('SELECT k1, op, scope FROM hubsync.items ORDER BY k1'), [
          { k1: 1, op: 'I', scope: 'S' },
          { k1: 2, op: 'D', scope: 'S' },
          { k1: 3, op: 'I', scope: 'S' },
        ]);
      });
    });
  });

  describe('lifecycle', () => {
    it('deprovision leaves exactly the objects the user had', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await db.exec(`CREATE TABLE other (id integer PRIMARY KEY, t text)`);
        await db.exec(`CREATE FUNCTION user_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`);
        await db.exec(`CREATE TRIGGER user_trigger BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION user_fn()`);
        await db.exec(`INSERT INTO items VALUES (1, 'kept')`);
        const before = await catalogue(db);
        await provider.provision([items, schemaOf(await provider.introspect(), 'other')]);
        assert.notDeepEqual(await catalogue(db), before);
        await provider.deprovision();
        assert.deepEqual(await catalogue(db), before);
        assert.deepEqual(await db.query('SELECT id, name FROM items'), [{ id: 1, name: 'kept' }]);
        assert.deepEqual(await provider.provisionedTables(), []);
        await provider.deprovision();
      });
    });

    it('deprovision copes with a tracked table the user dropped, and keeps a hubsync schema holding user objects', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.createTable({ ...items, name: 'gone' });
        await provider.provision([items, { ...items, name: 'gone' }]);
        await db.exec('DROP TABLE gone');
        await db.exec('CREATE TABLE hubsync.notes_of_the_user (t text)');
        await provider.deprovision();
        assert.deepEqual(await provider.provisionedTables(), []);
        const left = await db.query<{ relname: string }>(
          `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'hubsync'`,
        );
        assert.deepEqual(left, [{ relname: 'notes_of_the_user' }]);
        assert.deepEqual(await db.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'items'::regclass`), []);
      });
    });

    it('keeps same-named tables of two schemas apart: introspection, tracking, changes, positions', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        const sold: TableSchema = { ...items, schema: 'Sales Dept' };
        await provider.createTable(items);
        await provider.createTable(sold);
        assert.deepEqual((await provider.introspect()).map(tableId).sort(), ['Sales Dept.items', 'items']);
        await provider.provision([items, sold]);
        assert.deepEqual((await provider.provisionedTables()).sort(), ['Sales Dept.items', 'items']);
        await db.exec(`INSERT INTO "Sales Dept".items VALUES (1, 'sold')`);
        await db.exec(`INSERT INTO public.items VALUES (1, 'public')`);
        assert.deepEqual(summary(await read(provider, sold)), [{ operation: 'insert', values: [1, 'sold'] }]);
        assert.deepEqual(summary(await read(provider, items)), [{ operation: 'insert', values: [1, 'public'] }]);
        await provider.applyChanges({
          table: sold,
          changes: [{ stamp: '5', operation: 'update', values: [1, 'resold'], changedAt: '2026-11-22T06:00:00.000000Z' }],
          sourceScope: 'hub',
          seen: null,
          position: { after: null, through: 'p1' },
          resolve: acceptAll,
        });
        assert.deepEqual(await db.query(`SELECT name FROM "Sales Dept".items`), [{ name: 'resold' }]);
        assert.deepEqual(await db.query(`SELECT name FROM public.items`), [{ name: 'public' }]);
        assert.deepEqual([...(await provider.readPositions('hub'))], [['Sales Dept.items', 'p1']]);
        await provider.deprovision();
        assert.deepEqual(await provider.provisionedTables(), []);
        assert.deepEqual(await db.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = '"Sales Dept".items'::regclass`), []);
      });
    });

    it('keeps working on a database provisioned before tables had schemas (no hubsync.tracked.schema_name)', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await db.exec('ALTER TABLE hubsync.tracked DROP COLUMN schema_name');
        assert.deepEqual(await provider.provisionedTables(), ['items']);
        await db.exec(`INSERT INTO items VALUES (1, 'one')`);
        assert.deepEqual(summary(await read(provider, items)), [{ operation: 'insert', values: [1, 'one'] }]);
        const sold: TableSchema = { ...items, schema: 'sales' };
        await provider.createTable(sold);
        await provider.provision([items, sold]);
        assert.deepEqual((await provider.provisionedTables()).sort(), ['items', 'sales.items']);
        await provider.deprovision();
        assert.deepEqual(await provider.provisionedTables(), []);
        assert.deepEqual(await db.query(`SELECT tgname FROM pg_trigger WHERE tgrelid IN ('items'::regclass, 'sales.items'::regclass)`), []);
      });
    });

    it('provision is idempotent and back-fills only new tracking tables', async () => {
      await withDb(postgresHarness, async ({ db, provider }) => {
        await provider.createTable(items);
        await db.exec(`INSERT INTO items VALUES (1, 'one')`);
        await provider.provision([items]);
        const [first] = await read(provider, items);
        await provider.provision([items]);
        const again = await read(provider, items);
        assert.deepEqual(again, first === undefined ? [] : [first]);
      });
    });

    it('reading an unprovisioned table raises HS_NOT_PROVISIONED', async () => {
      await withDb(postgresHarness, async ({ provider }) => {
        await provider.createTable(items);
        await rejectsWith(read(provider, items), ErrorCode.NotProvisioned);
      });
    });
  });

  describe('connection', () => {
    let unreachable: Error;
    before(async () => {
      unreachable = await rejectsWith(openPostgresProvider('postgres://postgres:s3cret-pw@127.0.0.1:1/some_db'), ErrorCode.ConnectionFailed);
    });

    it('names host, port and database when the server cannot be reached', () => {
      assert.match(unreachable.message, /some_db/);
      assert.match(unreachable.message, /127\.0\.0\.1:1/);
    });

    it('refuses connection options that would replace the UTC session time zone values depend on', async () => {
      const error = await rejectsWith(
        openPostgresProvider('postgres://postgres@127.0.0.1:5432/postgres?options=-c%20TimeZone%3DAsia%2FTokyo'),
        ErrorCode.ConnectionFailed,
      );
      assert.match(error.message, /TimeZone/);
    });

    it('never puts the password or the connection string in the message (invariant 10)', async () => {
      const missing = await rejectsWith(
        openPostgresProvider('postgres://postgres:s3cret-pw@127.0.0.1:5432/no_such_database_x'),
        ErrorCode.ConnectionFailed,
      );
      const invalid = await rejectsWith(openPostgresProvider('postgres://postgres:s3cret-pw@bad host:x/db'), ErrorCode.ConnectionFailed);
      for (const error of [unreachable, missing, invalid]) {
        // inspect() shows the message, stack and the whole cause chain, as a logger would.
        assert.doesNotMatch(inspect(error, { depth: 10 }), /s3cret-pw|postgres:\/\/postgres/);
      }
    });
  });
});
