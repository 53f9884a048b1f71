import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';

import { completedCursor, encodeCursor } from '../../src/engine/cursor.js';
import type { Provider, TableSnapshot } from '../../src/engine/provider.js';
import type { TableSchema } from '../../src/engine/types.js';
import { openSqliteProvider } from '../../src/providers/sqlite/sqlite-provider.js';
import { isoMicros, isoMicrosSql } from '../../src/providers/sqlite/sqlite-types.js';
import { type Opened, withDb } from '../conformance/fixtures.js';
import { sqliteHarness } from '../support/sqlite-harness.js';

const table: TableSchema = {
  name: 'items',
  columns: [
    { name: 'id', type: { kind: 'int64' }, nullable: false },
    { name: 'name', type: { kind: 'text' }, nullable: true },
    { name: 'price', type: { kind: 'decimal', precision: 12, scale: 2 }, nullable: true },
    { name: 'at', type: { kind: 'timestamp' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
};

/** The snapshot, telling whether the destination read any of it as pages (a proxy, so it still is a SqliteTableSnapshot). */
function watchedPages(snapshot: TableSnapshot): { snapshot: TableSnapshot; pagesRead: () => boolean } {
  let read = false;
  const watched = new Proxy(snapshot, {
    get(target, property, receiver) {
      if (property === 'pages') read = true;
      return Reflect.get(target, property, receiver);
    },
  });
  return { snapshot: watched, pagesRead: () => read };
}

/** The snapshot as a destination of another engine sees it: pages only. */
function pagesOnly(snapshot: TableSnapshot): TableSnapshot {
  return { engine: snapshot.engine, request: snapshot.request, pages: (pageSize) => snapshot.pages(pageSize) };
}

/** Loads everything the source holds into a fresh destination made by createTable; returns what the destination stores. */
async function load(source: Provider, form: (snapshot: TableSnapshot) => TableSnapshot): Promise<{ stored: unknown; pagesRead: boolean }> {
  return withDb(sqliteHarness, async (destination) => {
    await destination.provider.createTable(table);
    await destination.provider.provision([table]);
    const before = (await source.watermark()).stamp;
    const watched = watchedPages(form(await source.openSnapshot({ table, before, excludeScope: 'D' })));
    const through = encodeCursor(completedCursor(before));
    const result = await destination.provider.bulkLoad({ table, snapshot: watched.snapshot, sourceScope: 'S', through, pageSize: 2 });
    assert.notEqual(result, null);
    return { stored: await storedAsIs(destination), pagesRead: watched.pagesRead() };
  });
}

/** Rows, tracking rows and the stamp counter exactly as SQLite holds them, storage classes included. */
async function storedAsIs({ db }: Opened): Promise<unknown> {
  const typed = (columns: readonly string[]) => columns.map((column) => `"${column}", typeof("${column}") AS "${column}_class"`).join(', ');
  return {
    rows: await db.query(`SELECT ${typed(['id', 'name', 'price', 'at'])} FROM "items" ORDER BY "id"`),
    tracking: await db.query(`SELECT ${typed(['pk_1', 'stamp', 'scope', 'op', 'changed_at'])} FROM "hubsync_tracking_items" ORDER BY "pk_1"`),
    counter: await db.query(`SELECT "value" FROM "hubsync_meta" WHERE "key" = 'stamp'`),
  };
}

async function fillSource(source: Opened): Promise<void> {
  const insert = 'INSERT INTO "items" ("id", "name", "price", "at") VALUES (?, ?, ?, ?)';
  for (let id = 1; id <= 7; id += 1) await source.db.exec(insert, [id, `item ${id}`, `${id}.50`, `2026-01-0${id} 10:00:00.25`]);
  await source.db.exec('UPDATE "items" SET "name" = ? WHERE "id" = ?', ['edited', 2]);
  await source.db.exec('DELETE FROM "items" WHERE "id" IN (?, ?)', [3, 6]);
  // Written by a sync from the destination's scope: left out of the stream (invariant 2).
  await source.db.exec(`UPDATE "hubsync_tracking_items" SET "scope" = 'D' WHERE "pk_1" = ?`, [7]);
}

describe('SQLite bulk load from another SQLite file', () => {
  it('copies through the attached file what the page path stores, to the storage class, without reading a page', () =>
    withDb(sqliteHarness, async (source) => {
      await source.provider.createTable(table);
      await source.provider.provision([table]);
      await fillSource(source);

      const native = await load(source.provider, (snapshot) => snapshot);
      const paged = await load(source.provider, pagesOnly);

      assert.equal(native.pagesRead, false, 'no row went through hubsync');
      assert.equal(paged.pagesRead, true);
      assert.deepEqual(native.stored, paged.stored);
    }));

  it('copies into a table the destination names otherwise (a member name mapped by the group)', () =>
    withDb(sqliteHarness, async (source) => {
      await source.provider.createTable(table);
      await source.provider.provision([table]);
      await fillSource(source);
      await withDb(sqliteHarness, async (destination) => {
        const goods = { ...table, name: 'goods' };
        await destination.provider.createTable(goods);
        await destination.provider.provision([goods]);
        const before = (await source.provider.watermark()).stamp;
        const watched = watchedPages(await source.provider.openSnapshot({ table, before, excludeScope: 'D' }));

        const result = await destination.provider.bulkLoad({ table: goods, snapshot: watched.snapshot, sourceScope: 'S', through: 'end', pageSize: 2 });

        assert.deepEqual(result, { applied: 4, alreadyApplied: false });
        assert.equal(watched.pagesRead(), false);
        assert.deepEqual(await destination.db.query('SELECT "id" FROM "goods" ORDER BY "id"'), [{ id: 1 }, { id: 2 }, { id: 4 }, { id: 5 }]);
        assert.deepEqual(await destination.db.query('SELECT "pk_1" FROM "hubsync_tracking_goods" ORDER BY "pk_1"'), [1, 2, 3, 4, 5, 6].map((id) => ({ pk_1: id })));
      });
    }));

  it('loads by pages where a column is stored with another affinity: a copy would keep 1.5 without its scale', () =>
    withDb(sqliteHarness, async (source) => {
      // NUMERIC affinity here, TEXT in the DECIMAL_TEXT column createTable makes on the destination.
      await source.db.exec('CREATE TABLE "items" ("id" BIGINT NOT NULL PRIMARY KEY, "name" TEXT, "price" DECIMAL(12,2), "at" TIMESTAMP)');
      await source.provider.provision([table]);
      await source.db.exec('INSERT INTO "items" ("id", "price") VALUES (1, 1.5), (2, 2)');

      const loaded = await load(source.provider, (snapshot) => snapshot);

      assert.equal(loaded.pagesRead, true);
      const rows = (loaded.stored as { rows: { price: unknown; price_class: unknown }[] }).rows;
      assert.deepEqual(rows.map((row) => [row.price, row.price_class]), [['1.50', 'text'], ['2.00', 'text']]);
    }));

  it('loads by pages from an in-memory database, which has no file to attach', async () => {
    const source = await openSqliteProvider(':memory:', { create: true });
    try {
      await source.createTable(table);
      await source.provision([table]);
      await source.applyChanges({
        table,
        changes: [{ stamp: '1', operation: 'insert', values: ['1', 'one', '1.00', null], changedAt: '2026-01-01T00:00:00.000000Z' }],
        sourceScope: 'X',
        seen: null,
        position: null,
        resolve: async (candidates) => candidates.map(() => true),
      });

      const loaded = await load(source, (snapshot) => snapshot);

      assert.equal(loaded.pagesRead, true);
      assert.equal((loaded.stored as { rows: unknown[] }).rows.length, 1);
    } finally {
      await source.close();
    }
  });

  it('gives change times the six fraction digits isoMicros gives them, in SQL', () => {
    const db = new Database(':memory:');
    try {
      const times = [
        '2026-01-01T10:00:00.123Z',
        '2026-01-01T10:00:00.123456Z',
        '2026-01-01T10:00:00.1234567Z',
        '2026-01-01T10:00:00.5Z',
        '2026-01-01T10:00:00Z',
        '1970-01-01T00:00:00.000Z',
        '12026-01-01T10:00:00.12Z',
        '2026-01-01T10:00:00.Z',
        '2026-01-01T10:00:00.12a4Z',
        'aT10:00:00.5xT10:00:00.Z',
        '2026-01-01 10:00:00.123',
        '2026-01-01T10:00:00.123+00:00',
        'not a time',
        '',
      ];
      const inSql = db.prepare<[string], string>(`WITH v ("time") AS (SELECT ?) SELECT ${isoMicrosSql('"time"')} FROM v`).pluck();
      assert.deepEqual(times.map((time) => inSql.get(time)), times.map(isoMicros));
    } finally {
      db.close();
    }
  });
});
