import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Change, Provider } from '../../src/engine/provider.js';
import type { SyncValue, TableSchema } from '../../src/engine/types.js';
import type { ProviderHarness, TestDatabase } from '../support/harness.js';
import {
  apply,
  byKey,
  bytes,
  change,
  comparable,
  comparableValues,
  engineExpectations,
  insertRows,
  q,
  withDb,
  readAll,
  withTwoDbs,
} from './fixtures.js';
import { ErrorCode, isHubsyncError } from '../../src/errors.js';

/** One nullable column per logical kind (three decimals: wide, fixed scale, unconstrained). */
const kinds: TableSchema = {
  name: 'kinds',
  columns: [
    { name: 'id', type: { kind: 'int32' }, nullable: false },
    { name: 'i16', type: { kind: 'int16' }, nullable: true },
    { name: 'i32', type: { kind: 'int32' }, nullable: true },
    { name: 'i64', type: { kind: 'int64' }, nullable: true },
    { name: 'dec', type: { kind: 'decimal', precision: 38, scale: 10 }, nullable: true },
    { name: 'dec2', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: true },
    { name: 'decu', type: { kind: 'decimal' }, nullable: true },
    { name: 'f32', type: { kind: 'float32' }, nullable: true },
    { name: 'f64', type: { kind: 'float64' }, nullable: true },
    { name: 'txt', type: { kind: 'text' }, nullable: true },
    { name: 'txtn', type: { kind: 'text', maxLength: 5 }, nullable: true },
    { name: 'flag', type: { kind: 'boolean' }, nullable: true },
    { name: 'd', type: { kind: 'date' }, nullable: true },
    { name: 'ts', type: { kind: 'timestamp' }, nullable: true },
    { name: 'tstz', type: { kind: 'timestamptz' }, nullable: true },
    { name: 'bin', type: { kind: 'binary' }, nullable: true },
    { name: 'uid', type: { kind: 'uuid' }, nullable: true },
    { name: 'doc', type: { kind: 'json' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
};

type KindsColumn = string;

const hostileText = 'It\'s "quoted" \\ back\\slash\ttab\nnew line\r\n é 漢字 😀 %s $1 ?';

/** Rows in canonical form; row 3 is NULL in every nullable column. */
const rows: readonly (readonly SyncValue[])[] = [
  [
    1, 32767, 2147483647, '9223372036854775807', '12345678901234567890.1234567890', '12.30', '12.30', 1.5, 0.1,
    hostileText, 'héllo', true, '2026-01-02', '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.123456+00',
    bytes(0, 1, 0, 255, 0), '0e9f2f5a-7c1e-4c5e-9a1b-3f2d4c5b6a7e', '{"b": 1,  "a":[1,2]}',
  ],
  [
    2, -32768, -2147483648, '-9223372036854775808', '-98765432109876543210.0000000001', '-0.05', '0.000', -0.25, 1e-300,
    '', '😀abcd', false, '0001-01-01', '2026-01-02 03:04:05', '1999-12-31 23:59:59.5+00',
    bytes(), 'ffffffff-ffff-ffff-ffff-ffffffffffff', '[]',
  ],
  [3, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [
    4, 0, 0, '-12', '0.0000000000', '0.00', '-1', 0, -1.7976931348623157e308,
    'plain', 'abc', true, '1999-12-31', '1999-12-31 23:59:59.000001', '2026-07-01 12:00:00+00',
    bytes(255), '00000000-0000-0000-0000-000000000000', '{"nested": {"x": [true, null, 1.50]}}',
  ],
  [
    5, 1, -1, '1', '0.0000000001', '99999999.99', '123456789012345678901234567890.123456789', 16777216, 0.30000000000000004,
    `${'x'.repeat(100_000)}😀`, '', false, '2000-02-29', '2000-02-29 00:00:00.1', '2000-02-29 23:59:59.999999+00',
    Uint8Array.from({ length: 70_000 }, (_, i) => i % 256), 'abcdef01-2345-6789-abcd-ef0123456789', '{"a":"\\u00e9\\n","b":[]}',
  ],
];

function columnIndex(name: KindsColumn): number {
  const index = kinds.columns.findIndex((c) => c.name === name);
  assert.ok(index >= 0);
  return index;
}

/** Per row id, the values of one column as read. */
function column(changes: readonly Change[], name: KindsColumn): Record<number, unknown> {
  const index = columnIndex(name);
  const result: Record<number, unknown> = {};
  for (const c of changes) result[Number(c.values[0])] = comparable(c.values[index] ?? null);
  return result;
}

function expectedColumn(name: KindsColumn): Record<number, unknown> {
  const index = columnIndex(name);
  const result: Record<number, unknown> = {};
  for (const row of rows) result[Number(row[0])] = comparable(row[index] ?? null);
  return result;
}

interface KindCase {
  readonly title: string;
  readonly columns: readonly KindsColumn[];
}

const cases: readonly KindCase[] = [
  { title: 'int16 and int32 extremes', columns: ['i16', 'i32'] },
  { title: 'int64 extremes as decimal strings', columns: ['i64'] },
  { title: 'decimal(38,10) with 30 significant digits', columns: ['dec'] },
  { title: "decimal keeps its scale ('12.30', '0.00', '-0.05')", columns: ['dec2', 'decu'] },
  { title: 'float32 and float64 exactly', columns: ['f32', 'f64'] },
  { title: 'text with unicode, emoji, quotes, backslash, tab and newline; empty text is not NULL', columns: ['txt'] },
  { title: 'text(n) filled to n characters (not bytes, not UTF-16 units)', columns: ['txtn'] },
  { title: 'boolean both values', columns: ['flag'] },
  { title: 'date', columns: ['d'] },
  { title: 'timestamp with microseconds, trailing zeros trimmed', columns: ['ts'] },
  { title: 'timestamptz in UTC with +00', columns: ['tstz'] },
  { title: 'binary with zero bytes, 0xff and empty', columns: ['bin'] },
  { title: 'uuid in lowercase', columns: ['uid'] },
  { title: 'json text byte-exact', columns: ['doc'] },
];

async function openWithSettings(harness: ProviderHarness): Promise<{ db: TestDatabase; provider: Provider }> {
  const db = await harness.createDatabase();
  for (const statement of engineExpectations[harness.engine].hostileDatabaseSettings) await db.exec(statement);
  const provider = await db.open();
  return { db, provider };
}

export function describeValues(harness: ProviderHarness): void {
  describe('exact values round-trip (apply -> read on one database, apply -> read on another)', () => {
    let source: { db: TestDatabase; provider: Provider } | undefined;
    let destination: { db: TestDatabase; provider: Provider } | undefined;
    let fromSource: Change[] = [];
    let fromDestination: Change[] = [];
    let candidatesSeen = 0;

    before(async () => {
      source = await openWithSettings(harness);
      destination = await openWithSettings(harness);
      for (const side of [source, destination]) {
        await side.provider.createTable(kinds);
        await side.provider.provision([kinds]);
      }
      const seeded = await apply(
        source.provider,
        kinds,
        rows.map((r) => change('insert', r)),
        { sourceScope: 'seed' },
      );
      candidatesSeen += seeded.calls.flat().length;
      assert.equal(seeded.result.applied, rows.length, 'seed rows applied');
      fromSource = await readAll(source.provider, kinds, { excludeScope: 'other' });
      const transferred = await apply(destination.provider, kinds, fromSource, { sourceScope: 'source' });
      candidatesSeen += transferred.calls.flat().length;
      fromDestination = await readAll(destination.provider, kinds, { excludeScope: 'other' });
    });

    after(async () => {
      for (const side of [source, destination]) {
        if (side === undefined) continue;
        try {
          await side.provider.close();
        } finally {
          await side.db.dispose();
        }
      }
    });

    it('reads back one change per row on both sides, without conflicts', () => {
      assert.equal(candidatesSeen, 0, 'no conflict candidates into fresh tables');
      assert.equal(fromSource.length, rows.length, 'changes read from the source');
      assert.equal(fromDestination.length, rows.length, 'changes read from the destination');
      for (const c of [...fromSource, ...fromDestination]) {
        assert.equal(c.values.length, kinds.columns.length, 'values aligned with the columns');
      }
      byKey(kinds, fromSource);
      byKey(kinds, fromDestination);
    });

    for (const kindCase of cases) {
      it(kindCase.title, () => {
        for (const name of kindCase.columns) {
          const expected = expectedColumn(name);
          assert.deepStrictEqual(column(fromSource, name), expected, `${name} as read from the source`);
          assert.deepStrictEqual(column(fromDestination, name), expected, `${name} as read from the destination`);
        }
      });
    }

    it('NULL in every nullable column', () => {
      const nulls = rows[2]?.map(comparable);
      for (const [side, changes] of [
        ['source', fromSource],
        ['destination', fromDestination],
      ] as const) {
        const row = changes.find((c) => c.values[0] === 3);
        assert.ok(row !== undefined, `row 3 on the ${side}`);
        assert.deepStrictEqual(comparableValues(row.values), nulls, `row 3 on the ${side}`);
      }
    });
  });

  describe('values written by plain SQL', () => {
    const plainTable: TableSchema = {
      name: 'plain_values',
      columns: [
        { name: 'id', type: { kind: 'int32' }, nullable: false },
        { name: 'i16', type: { kind: 'int16' }, nullable: true },
        { name: 'i64', type: { kind: 'int64' }, nullable: true },
        { name: 'dec2', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: true },
        { name: 'f64', type: { kind: 'float64' }, nullable: true },
        { name: 'txt', type: { kind: 'text' }, nullable: true },
      ],
      primaryKey: ['id'],
      indexes: [],
    };

    it('are read in canonical form (numbers, int64 and decimals as strings, text exact)', async () => {
      const db = await harness.createDatabase();
      try {
        const provider = await db.open();
        try {
          await provider.createTable(plainTable);
          await insertRows(db, plainTable, [[1, -32768, '9223372036854775807', '12.30', 0.1, hostileText]]);
          await provider.provision([plainTable]);
          await insertRows(db, plainTable, [[2, 7, '-9223372036854775808', '-0.05', 1e-300, '']]);
          const changes = await readAll(provider, plainTable);
          assert.deepStrictEqual(
            changes.map((c) => c.values).sort((a, b) => Number(a[0]) - Number(b[0])),
            [
              [1, -32768, '9223372036854775807', '12.30', 0.1, hostileText],
              [2, 7, '-9223372036854775808', '-0.05', 1e-300, ''],
            ],
          );
        } finally {
          await provider.close();
        }
      } finally {
        await db.dispose();
      }
    });
  });
}

/** One value in one column: through apply and read on one database, then on a second. */
async function roundTripOne(
  harness: ProviderHarness,
  type: TableSchema['columns'][number]['type'],
  value: SyncValue,
): Promise<{ fromSource: SyncValue; fromDestination: SyncValue }> {
  const table: TableSchema = {
    name: 'special',
    columns: [
      { name: 'id', type: { kind: 'int32' }, nullable: false },
      { name: 'v', type, nullable: true },
    ],
    primaryKey: ['id'],
    indexes: [],
  };
  return withTwoDbs(harness, async (source, destination) => {
    for (const side of [source, destination]) {
      await side.provider.createTable(table);
      await side.provider.provision([table]);
    }
    await apply(source.provider, table, [change('insert', [1, value])], { sourceScope: 'seed' });
    const read = await readAll(source.provider, table, { excludeScope: 'other' });
    await apply(destination.provider, table, read, { sourceScope: 'source' });
    const readBack = await readAll(destination.provider, table, { excludeScope: 'other' });
    assert.equal(read.length, 1);
    assert.equal(readBack.length, 1);
    return { fromSource: read[0]?.values[1] ?? null, fromDestination: readBack[0]?.values[1] ?? null };
  });
}

export function describeSpecialValues(harness: ProviderHarness): void {
  describe('special values', () => {
    const exact: readonly { title: string; type: TableSchema['columns'][number]['type']; value: SyncValue }[] = [
      { title: "json text 'null' is not SQL NULL", type: { kind: 'json' }, value: 'null' },
      { title: 'json scalar string', type: { kind: 'json' }, value: '"a\\"b"' },
      { title: 'date 9999-12-31', type: { kind: 'date' }, value: '9999-12-31' },
      { title: 'timestamp 9999-12-31 23:59:59.999999', type: { kind: 'timestamp' }, value: '9999-12-31 23:59:59.999999' },
      { title: 'timestamptz 1970-01-01 00:00:00+00', type: { kind: 'timestamptz' }, value: '1970-01-01 00:00:00+00' },
      { title: 'text of only whitespace', type: { kind: 'text' }, value: ' \t\n ' },
      { title: 'char(5) holding 5 characters (padding included)', type: { kind: 'text', maxLength: 5, fixedLength: true }, value: 'ab   ' },
      { title: 'jsonb in its own spelling', type: { kind: 'json', binary: true }, value: '{"a": 1, "b": [1, 2.5, null]}' },
      { title: 'timestamp with 6 fraction digits', type: { kind: 'timestamp' }, value: '2026-01-02 03:04:05.000001' },
      { title: 'timestamptz with 6 fraction digits', type: { kind: 'timestamptz' }, value: '2026-01-02 03:04:05.999999+00' },
    ];
    for (const { title, type, value } of exact) {
      it(`${title} round-trips exactly`, async () => {
        const { fromSource, fromDestination } = await roundTripOne(harness, type, value);
        assert.deepStrictEqual(fromSource, value, 'as read from the source');
        assert.deepStrictEqual(fromDestination, value, 'as read from the destination');
      });
    }

    const infinities: readonly { title: string; type: TableSchema['columns'][number]['type']; value: number }[] = [
      { title: 'float64 Infinity', type: { kind: 'float64' }, value: Infinity },
      { title: 'float64 -Infinity', type: { kind: 'float64' }, value: -Infinity },
      { title: 'float32 Infinity', type: { kind: 'float32' }, value: Infinity },
      { title: 'float32 -Infinity', type: { kind: 'float32' }, value: -Infinity },
    ];
    const infiniteFloats = engineExpectations[harness.engine].infiniteFloats;
    for (const { title, type, value } of infinities) {
      it(`${title} ${infiniteFloats === 'kept' ? 'round-trips exactly' : 'is rejected with HS_DATA_REJECTED'}`, async () => {
        const outcome = roundTripOne(harness, type, value);
        if (infiniteFloats === 'rejected') {
          await assert.rejects(outcome, (error: unknown) => isHubsyncError(error) && error.code === ErrorCode.DataRejected);
          return;
        }
        const { fromSource, fromDestination } = await outcome;
        assert.deepStrictEqual(fromSource, value, 'as read from the source');
        assert.deepStrictEqual(fromDestination, value, 'as read from the destination');
      });
    }

    const keptOrRejected: readonly { title: string; type: TableSchema['columns'][number]['type']; value: SyncValue }[] = [
      { title: 'float64 NaN', type: { kind: 'float64' }, value: NaN },
      { title: 'float32 NaN', type: { kind: 'float32' }, value: NaN },
      // SQLite stores a whole-number float in a REAL column as an integer, so -0 would come back as 0.
      { title: 'float64 -0', type: { kind: 'float64' }, value: -0 },
      { title: 'text containing U+0000', type: { kind: 'text' }, value: 'a\u0000b' },
      // SQL Server's datetime2(7)/datetimeoffset(7) send a 7th digit; engines keeping microseconds must not round it.
      { title: 'timestamp with 7 fraction digits', type: { kind: 'timestamp' }, value: '2026-01-02 03:04:05.1234567' },
      { title: 'timestamptz with 7 fraction digits', type: { kind: 'timestamptz' }, value: '2026-01-02 03:04:05.1234567+00' },
    ];
    for (const { title, type, value } of keptOrRejected) {
      it(`${title} round-trips exactly or is rejected with HS_DATA_REJECTED, never altered`, async () => {
        let outcome: { fromSource: SyncValue; fromDestination: SyncValue } | undefined;
        try {
          outcome = await roundTripOne(harness, type, value);
        } catch (error) {
          assert.ok(isHubsyncError(error) && error.code === ErrorCode.DataRejected, `rejected with HS_DATA_REJECTED (got ${String(error)})`);
          return;
        }
        assert.deepStrictEqual(outcome.fromSource, value, 'as read from the source');
        assert.deepStrictEqual(outcome.fromDestination, value, 'as read from the destination');
      });
    }
  });
}

/** Keys beyond 2^53: as doubles 2^62, 2^62+1 and 2^62+2 are one number, and three rows would become one. */
const bigKeys: TableSchema = {
  name: 'big_keys',
  columns: [
    { name: 'id', type: { kind: 'int64' }, nullable: false },
    { name: 'v', type: { kind: 'text' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
};

export function describeKeyValues(harness: ProviderHarness): void {
  describe('64-bit keys and identity columns', () => {
    it('keys 2^62, 2^62+1 and 2^62+2 stay three rows with exact keys through two databases', async () => {
      const keys = ['4611686018427387904', '4611686018427387905', '4611686018427387906'];
      await withTwoDbs(harness, async (source, destination) => {
        for (const side of [source, destination]) {
          await side.provider.createTable(bigKeys);
          await side.provider.provision([bigKeys]);
        }
        await apply(source.provider, bigKeys, keys.map((key, index) => change('insert', [key, `row ${index}`])), { sourceScope: 'seed' });
        const read = await readAll(source.provider, bigKeys, { excludeScope: 'other' });
        await apply(destination.provider, bigKeys, read, { sourceScope: 'source' });
        const readBack = await readAll(destination.provider, bigKeys, { excludeScope: 'other' });
        for (const changes of [read, readBack]) {
          assert.deepStrictEqual(
            changes.map((c) => c.values).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
            keys.map((key, index) => [key, `row ${index}`]),
          );
        }
      });
    });

    it('an identity key column takes the incoming values, and local inserts still number themselves', async () => {
      const expected = engineExpectations[harness.engine].identityTable;
      await withDb(harness, async ({ db, provider }) => {
        await db.exec(expected.ddl);
        const info = (await provider.introspect()).find((table) => table.name === 'ident');
        assert.ok(info !== undefined, 'table ident introspected');
        assert.equal(info.columns[0]?.identity, expected.identity, 'identity flag of the key column');
        const table: TableSchema = {
          name: 'ident',
          columns: info.columns.flatMap((c) =>
            c.type === null ? [] : [{ name: c.name, type: c.type, nullable: c.nullable, ...(c.identity === undefined ? {} : { identity: c.identity }) }],
          ),
          primaryKey: info.primaryKey,
          indexes: [],
        };
        await provider.provision([table]);
        const keyOf = (value: SyncValue): string => String(value);
        await apply(provider, table, [change('insert', [1000, 'from the hub']), change('insert', [7, 'also'])], { sourceScope: 'hub' });
        await db.exec(`INSERT INTO ${q('ident')} (${q('name')}) VALUES (?)`, ['local']);
        const rows = await readAll(provider, table);
        assert.deepStrictEqual(
          rows
            .filter((c) => c.values[1] !== 'local')
            .map((c) => [keyOf(c.values[0] ?? null), c.values[1]])
            .sort((a, b) => Number(a[0]) - Number(b[0])),
          [['7', 'also'], ['1000', 'from the hub']],
        );
        const local = rows.find((c) => c.values[1] === 'local');
        assert.ok(local !== undefined && !['7', '1000'].includes(keyOf(local.values[0] ?? null)), 'a local insert gets a key of its own');
      });
    });
  });
}
