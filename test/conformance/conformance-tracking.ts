import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { completedCursor, streamStart } from '../../src/engine/cursor.js';
import type { Change } from '../../src/engine/provider.js';
import type { SyncValue, TableSchema } from '../../src/engine/types.js';
import { ErrorCode } from '../../src/errors.js';
import type { ProviderHarness } from '../support/harness.js';
import {
  apply,
  assertOrderedByStampAndNumericKey,
  change,
  byKey,
  changedAtPattern,
  compareStamps,
  cursorBelow,
  comparableAt,
  comparableChange,
  engineExpectations,
  insertRows,
  items,
  keyString,
  pairs,
  q,
  readAll,
  readerScope,
  rejectsWithCode,
  tableNamed,
  withDb,
} from './fixtures.js';

function summary(changes: readonly Change[]): { operation: string; values: unknown }[] {
  return changes
    .map((c) => comparableChange(c))
    .sort((a, b) => JSON.stringify(a.values).localeCompare(JSON.stringify(b.values)));
}

export function describeTracking(harness: ProviderHarness): void {
  describe('change tracking', () => {
    it('back-fills rows that existed before provision as inserts', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await insertRows(db, items, [
          [1, 'one', 10],
          [2, null, null],
          [3, 'three', 30],
        ]);
        await provider.provision([items]);
        const changes = await readAll(provider, items);
        assert.deepEqual(
          changes.map(comparableChange).sort((a, b) => Number(a.values?.[0]) - Number(b.values?.[0])),
          [
            { operation: 'insert', values: [1, 'one', 10] },
            { operation: 'insert', values: [2, null, null] },
            { operation: 'insert', values: [3, 'three', 30] },
          ],
        );
      });
    });

    it('records a local insert as one insert change with scope null, returned under any excludeScope', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        assert.deepEqual(await readAll(provider, items), [], 'nothing before the insert');
        await insertRows(db, items, [[7, 'seven', 70]]);
        for (const scope of ['A', 'B', readerScope]) {
          const changes = await readAll(provider, items, { excludeScope: scope });
          assert.deepEqual(changes.map(comparableChange), [{ operation: 'insert', values: [7, 'seven', 70] }], `under ${scope}`);
        }
      });
    });

    it('records a local update as one update change with the new values', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await insertRows(db, items, [[1, 'one', 10]]);
        await provider.provision([items]);
        const [backFilled] = await readAll(provider, items);
        assert.ok(backFilled !== undefined);
        await db.exec('UPDATE "items" SET "name" = ?, "qty" = NULL WHERE "id" = ?', ['uno', 1]);
        const changes = await readAll(provider, items, { excludeScope: 'A' });
        assert.deepEqual(changes.map(comparableChange), [{ operation: 'update', values: [1, 'uno', null] }]);
        const [updated] = changes;
        assert.ok(updated !== undefined);
        assert.ok(compareStamps(updated.stamp, backFilled.stamp) > 0, 'the stamp of a row only grows');
      });
    });

    it('records a local delete as one delete change carrying only the key', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await insertRows(db, items, [
          [1, 'one', 10],
          [2, 'two', 20],
        ]);
        await provider.provision([items]);
        await db.exec('DELETE FROM "items" WHERE "id" = ?', [1]);
        const changes = await readAll(provider, items, { excludeScope: 'B' });
        assert.deepEqual(summary(changes), [
          { operation: 'delete', values: [1, null, null] },
          { operation: 'insert', values: [2, 'two', 20] },
        ]);
      });
    });

    it('records an update of the primary key as delete(old key) + insert(new key)', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await insertRows(db, items, [[1, 'one', 10]]);
        await provider.provision([items]);
        await db.exec('UPDATE "items" SET "id" = ? WHERE "id" = ?', [2, 1]);
        const changes = await readAll(provider, items);
        assert.deepEqual(summary(changes), [
          { operation: 'delete', values: [1, null, null] },
          { operation: 'insert', values: [2, 'one', 10] },
        ]);
      });
    });

    it('collapses several changes to one key into its latest state', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [
          [1, 'one', 1],
          [2, 'two', 2],
          [3, 'three', 3],
        ]);
        await db.exec('UPDATE "items" SET "qty" = 11 WHERE "id" = 1');
        await db.exec('UPDATE "items" SET "name" = \'ONE\' WHERE "id" = 1');
        await db.exec('DELETE FROM "items" WHERE "id" = 2');
        await db.exec('DELETE FROM "items" WHERE "id" = 3');
        await insertRows(db, items, [[3, 'three again', 33]]);
        const changes = await readAll(provider, items);
        const map = byKey(items, changes);
        assert.equal(changes.length, 3, 'one change per key');
        const one = map.get('[1]');
        assert.ok(one !== undefined);
        assert.deepEqual(one.values, [1, 'ONE', 11]);
        assert.ok(['insert', 'update'].includes(one.operation), `operation of key 1: ${one.operation}`);
        assert.deepEqual(comparableAt(map, '[2]'), {
          operation: 'delete',
          values: [2, null, null],
        });
        const three = map.get('[3]');
        assert.ok(three !== undefined);
        assert.deepEqual(three.values, [3, 'three again', 33]);
        assert.ok(['insert', 'update'].includes(three.operation), `operation of key 3: ${three.operation}`);
      });
    });

    it('stamps changes with decimal strings and dates them in ISO 8601 UTC with microseconds', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const startedAt = Date.now();
        await insertRows(db, items, [[1, 'one', 1]]);
        const [c] = await readAll(provider, items);
        assert.ok(c !== undefined);
        assert.match(c.stamp, /^-?\d+$/, 'stamp is a decimal string');
        assert.match(c.changedAt, changedAtPattern, 'changedAt format');
        const at = Date.parse(c.changedAt);
        assert.ok(Math.abs(at - startedAt) < 5 * 60_000, `changedAt ${c.changedAt} is close to now (${new Date(startedAt).toISOString()})`);
      });
    });

    it('provision is idempotent: a second call changes nothing and back-fills nothing twice', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await insertRows(db, items, [
          [1, 'one', 1],
          [2, 'two', 2],
        ]);
        await provider.provision([items]);
        await db.exec('DELETE FROM "items" WHERE "id" = 2');
        await insertRows(db, items, [[3, 'three', 3]]);
        const first = await readAll(provider, items);
        await provider.provision([items]);
        const second = await readAll(provider, items);
        assert.deepEqual(second, first, 'same changes, same stamps');
        assert.equal(second.length, 3);
        assert.deepEqual(await provider.provisionedTables(), ['items']);
        // Tracking still works after the second provision, once per change.
        await db.exec('UPDATE "items" SET "qty" = 9 WHERE "id" = 1');
        const third = byKey(items, await readAll(provider, items));
        assert.equal(third.size, 3);
        assert.deepEqual(third.get('[1]')?.values, [1, 'one', 9]);
      });
    });

    it('provisionedTables lists exactly the provisioned tables; later provisions keep earlier ones', async () => {
      await withDb(harness, async ({ provider }) => {
        const alpha = tableNamed('alpha');
        const beta = tableNamed('beta');
        const gamma = tableNamed('gamma');
        for (const t of [alpha, beta, gamma]) await provider.createTable(t);
        assert.deepEqual(await provider.provisionedTables(), [], 'before provision');
        await provider.provision([alpha, gamma]);
        assert.deepEqual([...(await provider.provisionedTables())].sort(), ['alpha', 'gamma']);
        await provider.provision([beta]);
        assert.deepEqual([...(await provider.provisionedTables())].sort(), ['alpha', 'beta', 'gamma']);
      });
    });

    it('only tracks provisioned tables', async () => {
      await withDb(harness, async ({ db, provider }) => {
        const tracked = tableNamed('tracked');
        const untracked = tableNamed('untracked');
        await provider.createTable(tracked);
        await provider.createTable(untracked);
        await provider.provision([tracked]);
        await insertRows(db, untracked, [[1, 'u', 1]]);
        await insertRows(db, tracked, [[2, 't', 2]]);
        assert.deepEqual((await readAll(provider, tracked)).map(comparableChange), [
          { operation: 'insert', values: [2, 't', 2] },
        ]);
        assert.deepEqual(await provider.provisionedTables(), ['tracked']);
      });
    });

    it('reading changes of a database that was never provisioned fails with HS_NOT_PROVISIONED', async () => {
      await withDb(harness, async ({ provider }) => {
        await provider.createTable(items);
        await rejectsWithCode(
          provider.readChanges({ table: items, after: streamStart, before: '9223372036854775807', excludeScope: 'A', limit: 10 }),
          ErrorCode.NotProvisioned,
          'readChanges before provision',
        );
      });
    });
  });

  describe('watermark and batching', () => {
    it('excludes changes made after the watermark was taken and returns them with a later one', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [[1, 'before', 1]]);
        const first = (await provider.watermark()).stamp;
        await insertRows(db, items, [[2, 'after', 2]]);
        await db.exec('UPDATE "items" SET "qty" = 100 WHERE "id" = 1');
        const early = await readAll(provider, items, { before: first });
        assert.deepEqual(early, [], 'key 1 changed again after the watermark: its latest change is not below it');
        const second = (await provider.watermark()).stamp;
        assert.ok(compareStamps(second, first) >= 0, 'watermarks do not go back');
        const late = byKey(items, await readAll(provider, items, { before: second }));
        assert.equal(late.size, 2);
        assert.deepEqual(late.get('[1]')?.values, [1, 'before', 100]);
        assert.deepEqual(comparableAt(late, '[2]'), { operation: 'insert', values: [2, 'after', 2] });
        for (const c of late.values()) assert.ok(compareStamps(c.stamp, first) >= 0, `stamp ${c.stamp} >= first watermark ${first}`);
      });
    });

    it('a change made before the watermark is returned below it; one made after is not', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [[1, 'early', 1]]);
        const mark = (await provider.watermark()).stamp;
        await insertRows(db, items, [[2, 'late', 2]]);
        const below = await readAll(provider, items, { before: mark });
        assert.deepEqual(below.map(comparableChange), [{ operation: 'insert', values: [1, 'early', 1] }]);
        const after = await readAll(provider, items, { after: cursorBelow(mark) });
        assert.deepEqual(after.map(comparableChange), [{ operation: 'insert', values: [2, 'late', 2] }]);
      });
    });

    it('returns at most `limit` changes ordered by (stamp, key); paging visits 250 changes exactly once', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        // Separate statements, keys out of order.
        const ids = Array.from({ length: 250 }, (_, i) => ((i * 97) % 250) + 1);
        for (const id of ids) await insertRows(db, items, [[id, `n${id}`, id]]);
        const mark = (await provider.watermark()).stamp;
        const firstPage = await provider.readChanges({ table: items, after: streamStart, before: mark, excludeScope: 'A', limit: 37 });
        assert.equal(firstPage.length, 37, 'a full first page');
        const all = await readAll(provider, items, { before: mark, limit: 37 });
        assert.equal(all.length, 250);
        assert.deepEqual(all.slice(0, 37), firstPage, 'paging starts with the first page');
        assertOrderedByStampAndNumericKey(items, all);
        const seen = byKey(items, all);
        for (let id = 1; id <= 250; id++) assert.deepEqual(seen.get(`[${id}]`)?.values, [id, `n${id}`, id], `row ${id}`);
      });
    });

    it('pages exactly once through 250 rows written by one multi-row statement (shared stamps)', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        const ids = Array.from({ length: 250 }, (_, i) => 250 - i);
        await insertRows(
          db,
          items,
          ids.map((id) => [id, `n${id}`, id]),
        );
        const all = await readAll(provider, items, { limit: 37 });
        assert.equal(all.length, 250);
        assertOrderedByStampAndNumericKey(items, all);
        assert.equal(byKey(items, all).size, 250);
        // And again after one statement updates every row.
        await db.exec('UPDATE "items" SET "qty" = "qty" + 1000');
        const updated = await readAll(provider, items, { limit: 37 });
        assert.equal(updated.length, 250);
        assertOrderedByStampAndNumericKey(items, updated);
        const map = byKey(items, updated);
        for (const id of ids) assert.deepEqual(map.get(`[${id}]`)?.values, [id, `n${id}`, id + 1000]);
      });
    });

    it('pages exactly once through 250 back-filled rows (one provision)', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        const ids = Array.from({ length: 250 }, (_, i) => ((i * 101) % 250) + 1);
        await insertRows(
          db,
          items,
          ids.map((id) => [id, `n${id}`, id]),
        );
        await provider.provision([items]);
        const all = await readAll(provider, items, { limit: 37 });
        assert.equal(all.length, 250);
        assertOrderedByStampAndNumericKey(items, all);
        const map = byKey(items, all);
        for (const id of ids) assert.deepEqual(map.get(`[${id}]`)?.values, [id, `n${id}`, id]);
      });
    });

    it('pages exactly once with a composite key declared in a different order than its columns', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(pairs);
        await provider.provision([pairs]);
        const rows: [number, string, number][] = [];
        for (let a = 1; a <= 10; a++) for (let b = 0; b < 25; b++) rows.push([a, `k${String(b).padStart(2, '0')}`, a * 100 + b]);
        await insertRows(db, pairs, rows.reverse());
        await db.exec('UPDATE "pairs" SET "v" = "v" + 1 WHERE "a" <= 5');
        for (const limit of [37, 1, 250]) {
          const all = await readAll(provider, pairs, { limit });
          assert.equal(all.length, 250, `limit ${limit}`);
          const map = byKey(pairs, all);
          for (const [a, b, v] of rows) {
            assert.deepEqual(map.get(keyString(pairs, [a, b, 0]))?.values, [a, b, a <= 5 ? v + 1 : v], `row (${a}, ${b}) with limit ${limit}`);
          }
          for (let i = 1; i < all.length; i++) {
            const prev = all[i - 1];
            const cur = all[i];
            assert.ok(prev !== undefined && cur !== undefined);
            assert.ok(compareStamps(prev.stamp, cur.stamp) <= 0, 'ordered by stamp');
          }
        }
      });
    });

    const keyedCases: readonly { title: string; table: TableSchema; keys: readonly SyncValue[] }[] = [
      {
        title: 'int64 keys whose text order differs from their numeric order',
        table: { ...items, name: 'big_keys', columns: [{ name: 'id', type: { kind: 'int64' }, nullable: false }, ...items.columns.slice(1)] },
        keys: ['9223372036854775807', '-9223372036854775808', '10', '9', '100', '-5', '0', '2'],
      },
      {
        title: 'text keys differing only in case, accents or trailing spaces',
        table: { ...items, name: 'text_keys', columns: [{ name: 'id', type: { kind: 'text', maxLength: 20 }, nullable: false }, ...items.columns.slice(1)] },
        keys: ['a', 'A', 'a ', ' a', 'á', 'b', 'B', 'Z', 'z', '😀', '10', '9', ''],
      },
      {
        title: 'uuid keys',
        table: { ...items, name: 'uuid_keys', columns: [{ name: 'id', type: { kind: 'uuid' }, nullable: false }, ...items.columns.slice(1)] },
        keys: [
          'ffffffff-0000-0000-0000-000000000000',
          '00000000-0000-0000-0000-00000000000a',
          '0e9f2f5a-7c1e-4c5e-9a1b-3f2d4c5b6a7e',
          '00000000-0000-0000-0000-000000000009',
          'a0000000-0000-0000-0000-000000000000',
        ],
      },
    ];
    for (const keyed of keyedCases) {
      it(`pages exactly once through ${keyed.title}, written in one batch`, async () => {
        await withDb(harness, async ({ provider }) => {
          await provider.createTable(keyed.table);
          await provider.provision([keyed.table]);
          const { result } = await apply(
            provider,
            keyed.table,
            keyed.keys.map((k, i) => change('insert', [k, `row ${i}`, i])),
            { sourceScope: 'A' },
          );
          assert.equal(result.applied, keyed.keys.length, 'every key is a row of its own');
          for (const limit of [1, 2, 5]) {
            const all = await readAll(provider, keyed.table, { limit });
            assert.equal(all.length, keyed.keys.length, `limit ${limit}`);
            const map = byKey(keyed.table, all);
            keyed.keys.forEach((k, i) => assert.deepEqual(map.get(JSON.stringify([k]))?.values, [k, `row ${i}`, i], `key ${JSON.stringify(k)}, limit ${limit}`));
          }
        });
      });
    }

    it('`before` is exclusive: a change stamped exactly `before` is not returned', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        for (let id = 1; id <= 3; id++) await insertRows(db, items, [[id, `n${id}`, id]]);
        const all = await readAll(provider, items);
        assert.equal(all.length, 3);
        const last = all.at(-1);
        assert.ok(last !== undefined);
        const below = await readAll(provider, items, { before: last.stamp });
        assert.deepEqual(
          below,
          all.filter((c) => compareStamps(c.stamp, last.stamp) < 0),
        );
      });
    });

    it('a cursor with key null covers every change below its stamp and none at it', async () => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        await insertRows(db, items, [
          [1, 'a', 1],
          [2, 'b', 2],
          [3, 'c', 3],
        ]);
        await insertRows(db, items, [[4, 'd', 4]]);
        const all = await readAll(provider, items);
        assert.equal(all.length, 4);
        const last = all[3];
        assert.ok(last !== undefined);
        const rest = await readAll(provider, items, { after: { stamp: last.stamp, key: null } });
        assert.deepEqual(
          rest,
          all.filter((c) => compareStamps(c.stamp, last.stamp) >= 0),
        );
        assert.ok(rest.length >= 1 && rest.length < 4, `${rest.length} changes from stamp ${last.stamp} on`);
      });
    });

    const openWrite = engineExpectations[harness.engine].openWrite;
    it("a transaction open in another database does not hold back this database's changes (invariant 5)", async (t) => {
      await withDb(harness, async (other) => {
        await other.provider.createTable(items);
        await withDb(harness, async ({ db, provider }) => {
          await provider.createTable(items);
          await provider.provision([items]);
          await insertRows(db, items, [[1, 'committed', 1]]);
          const elsewhere = await openWrite(other.db, q(items.name), 1, 'elsewhere');
          let changes: Change[];
          let wasOpen: boolean;
          try {
            await insertRows(db, items, [[2, 'committed too', 2]]);
            changes = await readAll(provider, items);
            wasOpen = elsewhere.wasOpen();
          } finally {
            await elsewhere.finish();
          }
          if (!wasOpen) {
            t.skip('the other transaction finished too early');
            return;
          }
          assert.deepEqual(
            changes.map((c) => c.values[0]).sort(),
            [1, 2],
            'with no write open in this database, a sync delivers every change committed before it started',
          );
        });
      });
    });

    it('delivers a change whose transaction was open while the watermark was read (invariant 1)', async (t) => {
      await withDb(harness, async ({ db, provider }) => {
        await provider.createTable(items);
        await provider.provision([items]);
        // A transaction writes key 1 and stays open; meanwhile (where the engine lets another
        // writer in) key 2 commits, and a sync reads.
        const slow = await openWrite(db, q(items.name), 1, 'slow');
        let mark: string;
        let firstRead: Change[];
        let wasOpen: boolean;
        try {
          if (slow.otherWritersProceed) await insertRows(db, items, [[2, 'fast', 2]]);
          mark = (await provider.watermark()).stamp;
          firstRead = await readAll(provider, items, { before: mark });
          wasOpen = slow.wasOpen();
        } finally {
          await slow.finish();
        }
        if (!wasOpen) {
          t.skip('the transaction committed before the sync read; nothing was in flight');
          return;
        }
        if (!slow.otherWritersProceed) assert.deepEqual(firstRead, [], 'an uncommitted change is not read');
        // Everything below the watermark was delivered: resume from there.
        const secondRead = await readAll(provider, items, { after: cursorBelow(mark) });
        const delivered = [...firstRead, ...secondRead].map((c) => c.values[0]);
        assert.ok(delivered.includes(1), `the slow transaction's row is delivered (got keys ${JSON.stringify(delivered)})`);
        if (slow.otherWritersProceed) assert.ok(delivered.includes(2), `the fast row is delivered (got keys ${JSON.stringify(delivered)})`);
      });
    });
  });
}
