/**
 * Shared fixtures of the provider conformance suite: table schemas, helpers that open fresh
 * databases, read and apply changes, and the few expectations that genuinely differ by engine
 * (kept in a record typed by EngineName, so a new engine does not compile until they exist).
 */
import assert from 'node:assert/strict';

import { completedCursor, streamStart } from '../../src/engine/cursor.js';
import type {
  PositionUpdate,
  ApplyResult,
  Change,
  ConflictCandidate,
  Cursor,
  EngineName,
  Operation,
  Provider,
  Stamp,
} from '../../src/engine/provider.js';
import type { ColumnSchema, Identity, LogicalType, SyncValue, TableInfo, TableSchema } from '../../src/engine/types.js';
import { isHubsyncError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import type { ProviderHarness, TestDatabase } from '../support/harness.js';

// ---------------------------------------------------------------------------------------------
// Engine-specific expectations
// ---------------------------------------------------------------------------------------------

export interface EngineExpectations {
  /** DDL for table "odd": a text primary key "id" and a column "p" of a type hubsync cannot sync. */
  readonly unsupportedColumnDdl: string;
  /** How the catalogue spells that type (ColumnInfo.nativeType). */
  readonly unsupportedNativeType: RegExp;
  /**
   * DDL for table "native" as a user would write it (not made by createTable), with the logical
   * type and nullability each column must introspect as. Its columns, in order: id (key), a
   * text(20) NOT NULL, b decimal(12,2), c timestamp, d timestamptz, e float64, f a float, g int16,
   * h boolean, i binary, j uuid, k json, l date, m text, n int32 (SQLite: g and n int64). `row` is
   * how the row (1, 'x', '12.30', g 7, m 't', n 5) reads back in canonical form.
   */
  readonly nativeTable: { readonly ddl: string; readonly columns: readonly ColumnSchema[]; readonly row: readonly SyncValue[] };
  /**
   * The type introspect reports for a column createTable made with `type`: the same, or one that
   * holds every value of it (SQLite: every integer is 64-bit, every float a double, nothing padded or parsed).
   */
  readonly introspectedType: (type: LogicalType) => LogicalType;
  /** Whether a text(n) column rejects longer values. */
  readonly enforcesTextLength: boolean;
  /** Whether float columns keep NaN and ±Infinity, or refuse them (HS_DATA_REJECTED) as SQL Server does. */
  readonly infiniteFloats: 'kept' | 'rejected';
  /**
   * DDL for table "ident": an identity key "id" (integer, numbered by the database) and a text
   * column "name"; `identity` is what introspect reports for "id".
   */
  readonly identityTable: { readonly ddl: string; readonly identity: Identity | undefined };
  /**
   * A query listing every schema object of the database as rows { o: string }, ordered: used to
   * prove deprovision removes everything provision created and nothing else.
   */
  readonly catalogueSql: string;
  /**
   * Statements run before opening providers in the value round-trip test: settings a user's
   * database may legitimately have and that must not change values (e.g. a non-UTC time zone).
   */
  readonly hostileDatabaseSettings: readonly string[];
  /**
   * Starts a transaction that inserts (id, name) into the table and keeps it open until `finish`
   * (or, where the harness cannot hold a transaction across calls, for about two seconds).
   */
  readonly openWrite: (db: TestDatabase, quotedTable: string, id: number, name: string) => Promise<InFlightWrite>;
}

export interface InFlightWrite {
  /** Whether other connections can commit writes to this database while it is open. */
  readonly otherWritersProceed: boolean;
  /** Whether the transaction was still open when this was asked (else the test proved nothing). */
  wasOpen(): boolean;
  /** Commits it (or waits for it to commit). */
  finish(): Promise<void>;
}

function nativeColumns(id: LogicalType, f: LogicalType, small: LogicalType, whole: LogicalType): ColumnSchema[] {
  const types: [string, LogicalType, boolean][] = [
    ['id', id, false],
    ['a', { kind: 'text', maxLength: 20 }, false],
    ['b', { kind: 'decimal', precision: 12, scale: 2 }, true],
    ['c', { kind: 'timestamp' }, true],
    ['d', { kind: 'timestamptz' }, true],
    ['e', { kind: 'float64' }, true],
    ['f', f, true],
    ['g', small, true],
    ['h', { kind: 'boolean' }, true],
    ['i', { kind: 'binary' }, true],
    ['j', { kind: 'uuid' }, true],
    ['k', { kind: 'json' }, true],
    ['l', { kind: 'date' }, true],
    ['m', { kind: 'text' }, true],
    ['n', whole, true],
  ];
  return types.map(([name, type, nullable]) => ({ name, type, nullable }));
}

const pgSystemSchemas = "('pg_catalog', 'information_schema', 'pg_toast')";
const pgUserNamespace = `n.nspname NOT IN ${pgSystemSchemas} AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'`;

/** SQLite stores 8-byte integers and doubles whatever the declared name, pads no char(n) and parses no JSON. */
function sqliteIntrospectedType(type: LogicalType): LogicalType {
  switch (type.kind) {
    case 'int16':
    case 'int32':
      return { kind: 'int64' };
    case 'float32':
      return { kind: 'float64' };
    case 'text':
      return type.maxLength === undefined ? { kind: 'text' } : { kind: 'text', maxLength: type.maxLength };
    case 'json':
      return { kind: 'json' };
    default:
      return type;
  }
}

export const engineExpectations: Record<EngineName, EngineExpectations> = {
  postgres: {
    unsupportedColumnDdl: 'CREATE TABLE "odd" ("id" text PRIMARY KEY, "p" point, "n" integer NOT NULL)',
    unsupportedNativeType: /^point$/i,
    nativeTable: {
      ddl:
        'CREATE TABLE "native" ("id" bigserial PRIMARY KEY, "a" varchar(20) NOT NULL, "b" numeric(12,2), ' +
        '"c" timestamp(3) without time zone, "d" timestamp with time zone, "e" double precision, "f" real, "g" smallint, ' +
        '"h" boolean, "i" bytea, "j" uuid, "k" json, "l" date, "m" text, "n" integer)',
      columns: nativeColumns({ kind: 'int64' }, { kind: 'float32' }, { kind: 'int16' }, { kind: 'int32' }),
      row: ['1', 'x', '12.30', null, null, null, null, 7, null, null, null, null, null, 't', 5],
    },
    introspectedType: (type) => type,
    enforcesTextLength: true,
    infiniteFloats: 'kept',
    identityTable: {
      ddl: 'CREATE TABLE "ident" ("id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "name" text)',
      identity: 'always',
    },
    catalogueSql: `
      SELECT o FROM (
        SELECT 'schema ' || n.nspname AS o FROM pg_namespace n WHERE ${pgUserNamespace}
        UNION ALL
        SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${pgUserNamespace}
        UNION ALL
        SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${pgUserNamespace}
        UNION ALL
        SELECT 'type ' || n.nspname || '.' || t.typname
          FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE ${pgUserNamespace} AND t.typtype IN ('e', 'd', 'r', 'm')
        UNION ALL
        SELECT 'trigger ' || c.relname || '.' || t.tgname || ' ' || t.tgenabled::text
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
        UNION ALL
        SELECT 'event trigger ' || evtname FROM pg_event_trigger
        UNION ALL
        SELECT 'extension ' || extname FROM pg_extension
        UNION ALL
        SELECT 'setting ' || array_to_string(s.setconfig, ',')
          FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
          WHERE d.datname = current_database()
      ) objects ORDER BY o`,
    hostileDatabaseSettings: [
      // A member database whose default time zone is far from UTC (+13:45 / +12:45).
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'Pacific/Chatham'); END $$",
      // Legacy settings still found in older databases: 15-digit floats, European dates, escaped bytea.
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET extra_float_digits TO 0', current_database()); END $$",
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET datestyle TO %L', current_database(), 'SQL, DMY'); END $$",
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET bytea_output TO %L', current_database(), 'escape'); END $$",
    ],
    // The harness runs each statement on a pooled connection: one DO block holds the transaction.
    openWrite: async (db, quotedTable, id, name) => {
      let done = false;
      const running = db
        .exec(
          `DO $$ BEGIN INSERT INTO ${quotedTable} ("id", "name") VALUES (${id}, '${name.replace(/'/g, "''")}'); ` +
            'PERFORM pg_sleep(2); END $$',
        )
        .then(() => {
          done = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { otherWritersProceed: true, wasOpen: () => !done, finish: () => running };
    },
  },
  mssql: {
    unsupportedColumnDdl: 'CREATE TABLE "odd" ("id" nvarchar(50) PRIMARY KEY, "p" geography, "n" int NOT NULL)',
    unsupportedNativeType: /^geography$/i,
    nativeTable: {
      ddl:
        // No IDENTITY on "id": the test inserts id 1 explicitly, which SQL Server refuses without IDENTITY_INSERT (identityTable covers identity).
        'CREATE TABLE "native" ("id" bigint PRIMARY KEY, "a" nvarchar(20) NOT NULL, "b" decimal(12,2), ' +
        '"c" datetime2(3), "d" datetimeoffset, "e" float, "f" real, "g" smallint, ' +
        '"h" bit, "i" varbinary(max), "j" uniqueidentifier, "k" json, "l" date, "m" nvarchar(max), "n" int)',
      columns: nativeColumns({ kind: 'int64' }, { kind: 'float32' }, { kind: 'int16' }, { kind: 'int32' }),
      row: ['1', 'x', '12.30', null, null, null, null, 7, null, null, null, null, null, 't', 5],
    },
    introspectedType: (type) => type,
    enforcesTextLength: true,
    infiniteFloats: 'rejected',
    // IDENTITY takes explicit values only on insert (SET IDENTITY_INSERT) and is never updated: 'always'.
    identityTable: { ddl: 'CREATE TABLE "ident" ("id" bigint IDENTITY PRIMARY KEY, "name" nvarchar(100))', identity: 'always' },
    catalogueSql: `
      SELECT o FROM (
        SELECT N'schema ' + name AS o FROM sys.schemas WHERE schema_id BETWEEN 5 AND 16383
        UNION ALL
        SELECT N'object ' + SCHEMA_NAME(schema_id) + N'.' + name + N' ' + type FROM sys.objects WHERE is_ms_shipped = 0
        UNION ALL
        SELECT N'type ' + SCHEMA_NAME(schema_id) + N'.' + name FROM sys.types WHERE is_user_defined = 1
      ) objects ORDER BY o`,
    hostileDatabaseSettings: ['SET DATEFORMAT dmy', 'SET LANGUAGE Deutsch'],
    // The harness runs each statement on a pooled connection: one batch holds the transaction open.
    openWrite: async (db, quotedTable, id, name) => {
      let done = false;
      const running = db
        .exec(`BEGIN TRAN; INSERT INTO ${quotedTable} ("id", "name") VALUES (?, ?); WAITFOR DELAY '00:00:02'; COMMIT`, [id, name])
        .then(() => {
          done = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { otherWritersProceed: true, wasOpen: () => !done, finish: () => running };
    },
  },
  sqlite: {
    unsupportedColumnDdl: 'CREATE TABLE "odd" ("id" TEXT PRIMARY KEY NOT NULL, "p" GEOGRAPHY, "n" INT NOT NULL)',
    unsupportedNativeType: /^geography$/i,
    nativeTable: {
      ddl:
        'CREATE TABLE "native" ("id" INTEGER PRIMARY KEY, "a" VARCHAR(20) NOT NULL, "b" DECIMAL(12,2), ' +
        '"c" DATETIME, "d" TIMESTAMPTZ, "e" DOUBLE, "f" REAL, "g" SMALLINT, ' +
        '"h" BOOLEAN, "i" BLOB, "j" UUID, "k" JSON, "l" DATE, "m" TEXT, "n" INT)',
      columns: nativeColumns({ kind: 'int64' }, { kind: 'float64' }, { kind: 'int64' }, { kind: 'int64' }),
      row: ['1', 'x', '12.30', null, null, null, null, '7', null, null, null, null, null, 't', '5'],
    },
    introspectedType: sqliteIntrospectedType,
    enforcesTextLength: false,
    infiniteFloats: 'kept',
    // SQLite has no identity columns: an INTEGER PRIMARY KEY is the rowid, numbered when left out.
    identityTable: { ddl: 'CREATE TABLE "ident" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT)', identity: undefined },
    // sqlite_sequence is left out: SQLite creates it for any AUTOINCREMENT table and never drops it.
    catalogueSql: `SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, '') AS o
      FROM sqlite_master WHERE name <> 'sqlite_sequence' ORDER BY o`,
    hostileDatabaseSettings: [],
    // The harness holds one handle: BEGIN and the insert stay open on it until COMMIT.
    openWrite: async (db, quotedTable, id, name) => {
      await db.exec('BEGIN IMMEDIATE');
      await db.exec(`INSERT INTO ${quotedTable} ("id", "name") VALUES (?, ?)`, [id, name]);
      let open = true;
      return {
        otherWritersProceed: false,
        wasOpen: () => open,
        finish: async () => {
          open = false;
          await db.exec('COMMIT');
        },
      };
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

/** The workhorse table of the tracking and apply tests: int32 key, nullable text and int. */
export const items: TableSchema = {
  name: 'items',
  columns: [
    { name: 'id', type: { kind: 'int32' }, nullable: false },
    { name: 'name', type: { kind: 'text', maxLength: 100 }, nullable: true },
    { name: 'qty', type: { kind: 'int32' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
};

/** Composite key declared in the opposite order of the columns: key order is (b, a). */
export const pairs: TableSchema = {
  name: 'pairs',
  columns: [
    { name: 'a', type: { kind: 'int32' }, nullable: false },
    { name: 'b', type: { kind: 'text', maxLength: 10 }, nullable: false },
    { name: 'v', type: { kind: 'int32' }, nullable: true },
  ],
  primaryKey: ['b', 'a'],
  indexes: [],
};

export function tableNamed(name: string, base: TableSchema = items): TableSchema {
  return { ...base, name };
}

// ---------------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------------

export interface Opened {
  readonly db: TestDatabase;
  readonly provider: Provider;
}

/** Runs `fn` with a fresh database and a provider on it; closes and drops both afterwards. */
export async function withDb<T>(harness: ProviderHarness, fn: (opened: Opened) => Promise<T>): Promise<T> {
  const db = await harness.createDatabase();
  try {
    const provider = await db.open();
    try {
      return await fn({ db, provider });
    } finally {
      await provider.close();
    }
  } finally {
    await db.dispose();
  }
}

/** Two fresh databases of the same engine (a source and a destination). */
export async function withTwoDbs<T>(
  harness: ProviderHarness,
  fn: (source: Opened, destination: Opened) => Promise<T>,
): Promise<T> {
  return withDb(harness, (source) => withDb(harness, (destination) => fn(source, destination)));
}

/** Quotes an identifier for the standard SQL the test itself runs through TestDatabase.exec. */
export function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Inserts rows through plain SQL (a local write, scope null). */
export async function insertRows(
  db: TestDatabase,
  table: TableSchema,
  rows: readonly (readonly (string | number | null)[])[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = table.columns.map((c) => q(c.name)).join(', ');
  const tuple = `(${table.columns.map(() => '?').join(', ')})`;
  const sql = `INSERT INTO ${q(table.name)} (${columns}) VALUES ${rows.map(() => tuple).join(', ')}`;
  await db.exec(sql, rows.flat());
}

export interface ItemRow {
  readonly id: number;
  readonly name: string | null;
  readonly qty: number | null;
}

/** The rows of an items-shaped table, read with plain SQL (not through the provider). */
export async function itemRows(db: TestDatabase, table: string = items.name): Promise<ItemRow[]> {
  const rows = await db.query(`SELECT "id", "name", "qty" FROM ${q(table)} ORDER BY "id"`);
  return rows.map((r) => ({
    id: Number(r['id']),
    name: r['name'] === null || r['name'] === undefined ? null : String(r['name']),
    qty: r['qty'] === null || r['qty'] === undefined ? null : Number(r['qty']),
  }));
}

export async function countRows(db: TestDatabase, table: string): Promise<number> {
  const rows = await db.query(`SELECT count(*) AS n FROM ${q(table)}`);
  return Number(rows[0]?.['n']);
}

export async function catalogue(db: TestDatabase): Promise<string[]> {
  const rows = await db.query(engineExpectations[db.engine].catalogueSql);
  return rows.map((r) => String(r['o']));
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

export type Comparable = string | number | boolean | null | { readonly binary: string };

/** A SyncValue in a form deepStrictEqual compares by content (Buffer vs Uint8Array, bytes as hex). */
export function comparable(value: SyncValue): Comparable {
  if (value instanceof Uint8Array) {
    return { binary: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
  }
  return value;
}

export function comparableValues(values: readonly SyncValue[] | null): Comparable[] | null {
  return values === null ? null : values.map(comparable);
}

export interface ComparableChange {
  readonly operation: Operation;
  readonly values: Comparable[] | null;
}

export function comparableChange(change: Change): ComparableChange {
  return { operation: change.operation, values: comparableValues(change.values) };
}

/** The comparable form of the change stored under `key` in a byKey map, or undefined. */
export function comparableAt(changes: ReadonlyMap<string, Change>, key: string): ComparableChange | undefined {
  const found = changes.get(key);
  return found === undefined ? undefined : comparableChange(found);
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** The primary-key values of a change, in key order. */
export function keyOf(table: TableSchema, values: readonly SyncValue[]): SyncValue[] {
  return table.primaryKey.map((name) => {
    const index = table.columns.findIndex((c) => c.name === name);
    assert.ok(index >= 0, `primary-key column ${name} is among the columns`);
    return values[index] ?? null;
  });
}

export function keyString(table: TableSchema, values: readonly SyncValue[]): string {
  return JSON.stringify(keyOf(table, values).map(comparable));
}

/** Current time as ISO 8601 UTC with microseconds, for changes the tests make up. */
export function nowIso(): string {
  return new Date().toISOString().replace('Z', '000Z');
}

let stampCounter = 1000;

/** A change as a source database would have sent it. */
export function change(operation: Operation, values: readonly SyncValue[]): Change {
  stampCounter += 1;
  return { stamp: String(stampCounter), operation, values, changedAt: nowIso() };
}

export function itemChange(operation: Operation, id: number, name: string | null = null, qty: number | null = null): Change {
  return operation === 'delete' ? change('delete', [id, null, null]) : change(operation, [id, name, qty]);
}

// ---------------------------------------------------------------------------------------------
// Reading and applying
// ---------------------------------------------------------------------------------------------

/** A scope no test ever applies with, so nothing is excluded when reading with it. */
export const readerScope = 'conformance-reader';

/** The cursor meaning "every change with stamp < watermark was delivered". */
export function cursorBelow(watermark: Stamp): Cursor {
  return completedCursor(watermark);
}

/** What a source has seen when it has applied every destination change below this watermark. */
export function seenBelow(watermark: Stamp): Cursor {
  return completedCursor(watermark);
}

export function compareStamps(a: Stamp, b: Stamp): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Every change in (after, watermark-now) for the scope, paging with the given limit. */
export async function readAll(
  provider: Provider,
  table: TableSchema,
  options: { excludeScope?: string; after?: Cursor; before?: Stamp; limit?: number } = {},
): Promise<Change[]> {
  const before = options.before ?? ((await provider.watermark()).stamp);
  const limit = options.limit ?? 1000;
  const excludeScope = options.excludeScope ?? readerScope;
  const all: Change[] = [];
  let after = options.after ?? streamStart;
  for (let page = 0; ; page++) {
    assert.ok(page < 10_000, 'readChanges keeps returning changes: paging does not advance');
    const changes = await provider.readChanges({ table, after, before, excludeScope, limit });
    assert.ok(changes.length <= limit, `readChanges returned ${changes.length} changes with limit ${limit}`);
    const last = changes.at(-1);
    if (last === undefined) break;
    all.push(...changes);
    after = { stamp: last.stamp, key: keyOf(table, last.values) };
  }
  return all;
}

/** Changes keyed by their primary key (as JSON); fails when a key appears twice. */
export function byKey(table: TableSchema, changes: readonly Change[]): Map<string, Change> {
  const map = new Map<string, Change>();
  for (const c of changes) {
    const key = keyString(table, c.values);
    assert.ok(!map.has(key), `key ${key} is returned more than once`);
    map.set(key, c);
  }
  return map;
}

export interface ApplyOutcome {
  readonly result: ApplyResult;
  /** Every call of resolve, with its candidates. */
  readonly calls: (readonly ConflictCandidate[])[];
}

/** Applies a batch; resolve answers with `decide` (default: the incoming change wins). */
export async function apply(
  provider: Provider,
  table: TableSchema,
  changes: readonly Change[],
  options: {
    sourceScope?: string;
    seen?: Cursor | null;
    position?: PositionUpdate | null;
    decide?: (candidate: ConflictCandidate) => boolean;
  } = {},
): Promise<ApplyOutcome> {
  const calls: (readonly ConflictCandidate[])[] = [];
  const decide = options.decide ?? (() => true);
  const result = await provider.applyChanges({
    table,
    changes,
    sourceScope: options.sourceScope ?? 'source',
    seen: options.seen ?? null,
    position: options.position ?? null,
    resolve: async (candidates) => {
      calls.push([...candidates]);
      return candidates.map(decide);
    },
  });
  return { result, calls };
}

/** Asserts a promise rejects with a HubsyncError of the given code. */
export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHubsyncError(error), `${message}: expected a HubsyncError, got ${String(error)}`);
    assert.equal(error.code, code, `${message}: error code (message: ${error.message})`);
    return true;
  });
}

/** Asserts changes are ordered by (stamp, primary key) for tables whose key columns are numbers. */
export function assertOrderedByStampAndNumericKey(table: TableSchema, changes: readonly Change[]): void {
  for (let i = 1; i < changes.length; i++) {
    const previous = changes[i - 1];
    const current = changes[i];
    if (previous === undefined || current === undefined) continue;
    const byStamp = compareStamps(previous.stamp, current.stamp);
    assert.ok(byStamp <= 0, `change ${i} has stamp ${current.stamp} after stamp ${previous.stamp}`);
    if (byStamp === 0) {
      const a = keyOf(table, previous.values).map(Number);
      const b = keyOf(table, current.values).map(Number);
      let order = 0;
      for (let k = 0; k < a.length && order === 0; k++) order = (a[k] ?? 0) - (b[k] ?? 0);
      assert.ok(order < 0, `within stamp ${current.stamp}, key ${JSON.stringify(b)} follows ${JSON.stringify(a)}`);
    }
  }
}

/** Sorts introspected tables and their indexes and drops undefined properties, for comparison. */
export function normalizeTables(tables: readonly TableInfo[]): unknown {
  const sorted = [...tables]
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
    .map((t) => ({ ...t, indexes: [...t.indexes].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)) }));
  return JSON.parse(JSON.stringify(sorted)) as unknown;
}

/** Drops properties whose value is undefined (maxLength: undefined equals no maxLength). */
export function plain<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Change times are compared as strings by the engine (lastWriterWins), so every provider must
 * spell them identically: ISO 8601 UTC with exactly six fraction digits and Z.
 */
export const changedAtPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
