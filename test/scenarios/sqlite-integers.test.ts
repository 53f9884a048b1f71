import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { compareGroup } from '../../src/engine/compare-group.js';
import type { TableSchema } from '../../src/engine/types.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import type { ProviderHarness } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';

/**
 * SQLite keeps 64-bit integers in every integer-named column; a hub that read TINYINT or INT as
 * 16/32-bit numbers would round or reject what the column really holds.
 */
const big = 2n ** 62n;
const beyondDouble = 2n ** 53n + 1n;

/** The hub table, declared with the small integer names SQLite ignores. */
const createWide = 'CREATE TABLE "wide" ("id" TINYINT PRIMARY KEY, "s" SMALLINT, "m" MEDIUMINT, "i" INT)';
const insertWide = 'INSERT INTO "wide" ("id", "s", "m", "i") VALUES (?, ?, ?, ?)';

/** How the table looks once introspected: every column 64-bit. */
const wide: TableSchema = {
  name: 'wide',
  columns: ['id', 's', 'm', 'i'].map((name) => ({ name, type: { kind: 'int64' }, nullable: name !== 'id' })),
  primaryKey: ['id'],
  indexes: [],
};

describe('SQLite integers are 64-bit', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  async function wideScenario(member: ProviderHarness): Promise<Scenario> {
    scenario = await createScenario({
      hub: sqliteHarness,
      members: [{ name: 'store', harness: member, direction: 'bidirectional' }],
      tables: [],
      selections: [{ name: 'wide' }],
    });
    await scenario.hub.exec(createWide);
    return scenario;
  }

  it('keeps keys 2^62, 2^62+1 and 2^62+2 apart in a SQLite to SQLite sync', async () => {
    const current = await wideScenario(sqliteHarness);
    for (const offset of [0n, 1n, 2n]) await current.hub.exec(insertWide, [big + offset, 1n, 2n, 3n]);

    const result = await current.sync();

    assert.equal(result.status, 'succeeded');
    const keys = await current.member('store').query<{ id: string }>('SELECT CAST("id" AS TEXT) AS "id" FROM "wide" ORDER BY "id"');
    assert.deepEqual(keys.map((row) => row.id), [big, big + 1n, big + 2n].map(String));
    assert.deepEqual(await current.snapshot(current.member('store'), wide), await current.snapshot(current.hub, wide));
  });

  it('delivers values above 2^31 to a PostgreSQL member as bigint, exactly', async () => {
    const current = await wideScenario(postgresHarness);
    await current.hub.exec(insertWide, [1n, 2n ** 31n + 5n, big, beyondDouble]);

    const result = await current.sync();

    assert.equal(result.status, 'succeeded');
    const member = current.member('store');
    const types = await member.query<{ data_type: string }>(
      `SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'wide' ORDER BY ordinal_position`,
    );
    assert.deepEqual(types.map((row) => row.data_type), ['bigint', 'bigint', 'bigint', 'bigint']);
    const rows = await member.query('SELECT "s"::text AS s, "m"::text AS m, "i"::text AS i FROM "wide"');
    assert.deepEqual(rows, [{ s: String(2n ** 31n + 5n), m: String(big), i: String(beyondDouble) }]);
  });

  it('lets compare see a difference of 1 above 2^53', async () => {
    const current = await wideScenario(sqliteHarness);
    await current.hub.exec(insertWide, [1n, null, null, beyondDouble]);
    assert.equal((await current.sync()).status, 'succeeded');
    assert.ok((await compareGroup(current.group, current.context)).every((comparison) => comparison.equal));

    // 2^53 and 2^53+1 are the same double: only an exact reading tells them apart.
    await current.member('store').exec('UPDATE "wide" SET "i" = ? WHERE "id" = 1', [beyondDouble - 1n]);

    const comparisons = await compareGroup(current.group, current.context);
    assert.deepEqual(comparisons.map((comparison) => comparison.equal), [false]);
  });
});
