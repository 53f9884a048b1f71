import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Provider } from '../../src/engine/provider.js';
import type { ColumnInfo, IndexInfo, TableSchema } from '../../src/engine/types.js';
import { ErrorCode } from '../../src/errors.js';
import type { ProviderHarness } from '../support/harness.js';
import { engineExpectations, insertRows, items, normalizeTables, plain, readAll, rejectsWithCode, withDb } from './fixtures.js';

/** Every logical type, with lengths, precision and scale, a two-column key and two indexes. */
const everyType: TableSchema = {
  name: 'every_type',
  columns: [
    { name: 'code', type: { kind: 'text', maxLength: 8 }, nullable: false },
    { name: 'n16', type: { kind: 'int16' }, nullable: true },
    { name: 'n32', type: { kind: 'int32' }, nullable: false },
    { name: 'n64', type: { kind: 'int64' }, nullable: true },
    { name: 'amount', type: { kind: 'decimal', precision: 38, scale: 10 }, nullable: true },
    { name: 'price', type: { kind: 'decimal', precision: 12, scale: 2 }, nullable: false },
    { name: 'ratio', type: { kind: 'float32' }, nullable: true },
    { name: 'measure', type: { kind: 'float64' }, nullable: true },
    { name: 'notes', type: { kind: 'text' }, nullable: true },
    { name: 'active', type: { kind: 'boolean' }, nullable: true },
    { name: 'born', type: { kind: 'date' }, nullable: true },
    { name: 'seen', type: { kind: 'timestamp' }, nullable: true },
    { name: 'seen_utc', type: { kind: 'timestamptz' }, nullable: true },
    { name: 'blob', type: { kind: 'binary' }, nullable: true },
    { name: 'uid', type: { kind: 'uuid' }, nullable: true },
    { name: 'doc', type: { kind: 'json' }, nullable: true },
    { name: 'initials', type: { kind: 'text', maxLength: 3, fixedLength: true }, nullable: true },
    { name: 'props', type: { kind: 'json', binary: true }, nullable: true },
  ],
  // Key order differs from column order on purpose.
  primaryKey: ['n32', 'code'],
  indexes: [
    { name: 'every_type_uid_key', columns: ['uid'], unique: true },
    { name: 'every_type_seen_price', columns: ['seen', 'price'], unique: false },
  ],
};

export function describeIntrospect(harness: ProviderHarness): void {
  describe('introspect', () => {
    it('fails with HS_CONNECTION_FAILED when the database does not exist', async () => {
      const db = await harness.createDatabase();
      await db.dispose();
      let provider: Provider | undefined;
      try {
        await rejectsWithCode(
          (async () => {
            provider = await db.open();
            return provider.introspect();
          })(),
          ErrorCode.ConnectionFailed,
          'open or introspect of a database that was dropped',
        );
      } finally {
        await provider?.close();
      }
    });

    it('returns no tables for an empty database', async () => {
      await withDb(harness, async ({ provider }) => {
        assert.deepEqual(await provider.introspect(), []);
      });
    });

    it('returns a table made by createTable with its columns in order, types, nullability, key and indexes', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(everyType);
        const tables = await provider.introspect();
        assert.deepEqual(
          tables.map((t) => t.name),
          ['every_type'],
        );
        const table = tables[0];
        assert.ok(table !== undefined);
        assert.deepEqual(
          table.columns.map((c) => c.name),
          everyType.columns.map((c) => c.name),
          'column order',
        );
        const { introspectedType } = engineExpectations[harness.engine];
        for (const expected of everyType.columns) {
          const actual: ColumnInfo | undefined = table.columns.find((c) => c.name === expected.name);
          assert.ok(actual !== undefined, `column ${expected.name}`);
          assert.deepEqual(plain(actual.type), plain(introspectedType(expected.type)), `logical type of ${expected.name} (native ${actual.nativeType})`);
          assert.equal(actual.nullable, expected.nullable, `nullability of ${expected.name}`);
          assert.equal(typeof actual.nativeType, 'string');
          assert.ok(actual.nativeType.length > 0, `nativeType of ${expected.name} is spelled out`);
        }
        assert.deepEqual(table.primaryKey, ['n32', 'code'], 'primary key in key order (neither column order nor alphabetical)');
        // Index names are not part of the contract (SQLite's are global, so a provider may prefix them).
        const shape = (indexes: readonly IndexInfo[]): unknown =>
          plain(indexes.map((i) => ({ columns: i.columns, unique: i.unique })).sort((a, b) => a.columns.join().localeCompare(b.columns.join())));
        assert.deepEqual(shape(table.indexes), shape(everyType.indexes), 'secondary indexes: columns in order, uniqueness; not the primary key');
        assert.equal(new Set(table.indexes.map((i) => i.name)).size, 2, 'indexes have distinct names');
      });
    });

    it('returns a single-column key and no indexes for a table without any', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(items);
        const [table] = await provider.introspect();
        assert.ok(table !== undefined);
        assert.deepEqual(table.primaryKey, ['id']);
        assert.deepEqual(table.indexes, []);
        const { introspectedType } = engineExpectations[harness.engine];
        assert.deepEqual(
          plain(table.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }))),
          plain(items.columns.map((c) => ({ ...c, type: introspectedType(c.type) }))),
        );
      });
    });

    it('reports a column of a type hubsync cannot sync with type null and its native name', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const expectations = engineExpectations[harness.engine];
        await db.exec(expectations.unsupportedColumnDdl);
        const [table] = await provider.introspect();
        assert.ok(table !== undefined);
        assert.equal(table.name, 'odd');
        assert.deepEqual(
          table.columns.map((c) => c.name),
          ['id', 'p', 'n'],
        );
        const p = table.columns[1];
        assert.ok(p !== undefined);
        assert.equal(p.type, null, `unsupported column type (native ${p.nativeType})`);
        assert.match(p.nativeType, expectations.unsupportedNativeType);
        assert.equal(p.nullable, true);
        assert.deepEqual(plain(table.columns[0]?.type), { kind: 'text' });
        assert.equal(table.columns[2]?.nullable, false);
        assert.deepEqual(table.primaryKey, ['id']);
      });
    });

    it('describes a table the user created with native DDL, and reads its values in canonical form', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const native = engineExpectations[harness.engine].nativeTable;
        await db.exec(native.ddl);
        const [table] = await provider.introspect();
        assert.ok(table !== undefined);
        assert.deepEqual(
          plain(table.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }))),
          plain(native.columns),
          `columns (native types: ${table.columns.map((c) => c.nativeType).join(', ')})`,
        );
        assert.deepEqual(table.primaryKey, ['id']);
        const schema: TableSchema = { name: 'native', columns: native.columns, primaryKey: ['id'], indexes: [] };
        await db.exec('INSERT INTO "native" ("id", "a", "b", "g", "m", "n") VALUES (?, ?, ?, ?, ?, ?)', [1, 'x', '12.30', 7, 't', 5]);
        await provider.provision([schema]);
        const changes = await readAll(provider, schema);
        assert.deepEqual(
          changes.map((c) => c.values),
          [native.row],
        );
      });
    });

    it("never shows hubsync's own tracking objects after provision", async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(everyType);
        await provider.createTable(items);
        await insertRows(db, items, [[1, 'one', 1]]);
        const before = normalizeTables(await provider.introspect());
        await provider.provision([everyType, items]);
        await insertRows(db, items, [[2, 'two', 2]]);
        await db.exec('UPDATE "items" SET "qty" = 5 WHERE "id" = 1');
        await db.exec('DELETE FROM "items" WHERE "id" = 2');
        const after = await provider.introspect();
        assert.deepEqual(normalizeTables(after), before);
        assert.ok(
          after.every((t) => !t.name.toLowerCase().includes('hubsync')),
          `no hubsync object among ${after.map((t) => t.name).join(', ')}`,
        );
      });
    });
  });
}
