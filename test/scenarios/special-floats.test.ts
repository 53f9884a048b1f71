import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { compareGroup } from '../../src/engine/compare-group.js';
import { reapplyConflict } from '../../src/engine/reapply-conflict.js';
import type { TableSchema } from '../../src/engine/types.js';
import { liveRows } from '../../src/engine/table-digest.js';
import type { ProviderHarness, TestDatabase } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { sqliteHarness } from '../support/sqlite-harness.js';

/**
 * NaN, the infinities and -0 have no JSON form of their own (JSON.stringify writes null, null
 * and 0). A digest or a logged row version built on that says NULL equals NaN and writes NULL back.
 */
const floats: TableSchema = {
  name: 'floats',
  columns: [
    { name: 'id', type: { kind: 'int64' }, nullable: false },
    { name: 'd', type: { kind: 'float64' }, nullable: true },
    { name: 'r', type: { kind: 'float32' }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [],
};

interface Engine {
  readonly harness: ProviderHarness;
  /** The special values this engine stores: SQLite has no NaN (it stores NULL) and turns -0 into 0. */
  readonly specials: readonly number[];
  /** For each special value, what a member holding something else instead must be told apart from. */
  readonly impostors: ReadonlyMap<number, readonly (number | null)[]>;
}

const engines: readonly Engine[] = [
  {
    harness: postgresHarness,
    specials: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0],
    impostors: new Map<number, readonly (number | null)[]>([
      [Number.NaN, [null]],
      [Number.POSITIVE_INFINITY, [null, Number.NEGATIVE_INFINITY]],
      [Number.NEGATIVE_INFINITY, [null]],
      [-0, [0]],
    ]),
  },
  {
    harness: sqliteHarness,
    specials: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    impostors: new Map<number, readonly (number | null)[]>([
      [Number.POSITIVE_INFINITY, [null, Number.NEGATIVE_INFINITY]],
      [Number.NEGATIVE_INFINITY, [null]],
    ]),
  },
];

/** The pg driver sends a number parameter as String(value), and String(-0) is "0". */
function parameter(value: number | null): number | string | null {
  return Object.is(value, -0) ? '-0' : value;
}

/** The column values as the provider reads them, so -0 and NaN survive the comparison. */
async function floatsOf(database: TestDatabase): Promise<number[][]> {
  const provider = await database.open();
  try {
    const rows: number[][] = [];
    for await (const values of liveRows(provider, floats)) rows.push(values.slice(1).map(Number));
    return rows;
  } finally {
    await provider.close();
  }
}

for (const engine of engines) {
  describe(`special floats: ${engine.harness.engine}`, () => {
    let scenario: Scenario | undefined;
    afterEach(async () => {
      await scenario?.dispose();
      scenario = undefined;
    });

    async function synced(): Promise<Scenario> {
      scenario = await createScenario({
        hub: engine.harness,
        members: [{ name: 'store', harness: engine.harness, direction: 'bidirectional' }],
        tables: [floats],
      });
      for (const [index, value] of engine.specials.entries()) {
        await scenario.hub.exec('INSERT INTO "floats" ("id", "d", "r") VALUES (?, ?, ?)', [index + 1, parameter(value), parameter(value)]);
      }
      assert.equal((await scenario.sync()).status, 'succeeded');
      return scenario;
    }

    it('compare tells each special value from NULL, the other infinity and 0', async () => {
      const current = await synced();
      assert.ok((await compareGroup(current.group, current.context)).every((comparison) => comparison.equal));
      for (const [index, value] of engine.specials.entries()) {
        for (const impostor of engine.impostors.get(value) ?? []) {
          for (const column of ['d', 'r']) {
            const id = index + 1;
            await current.member('store').exec(`UPDATE "floats" SET "${column}" = ? WHERE "id" = ?`, [parameter(impostor), id]);
            const [comparison] = await compareGroup(current.group, current.context);
            assert.equal(comparison?.equal, false, `${column} = ${String(impostor)} on the member, ${String(value)} on the hub`);
            await current.member('store').exec(`UPDATE "floats" SET "${column}" = ? WHERE "id" = ?`, [parameter(value), id]);
          }
        }
      }
      assert.ok((await compareGroup(current.group, current.context)).every((comparison) => comparison.equal));
    });

    it('conflicts reapply writes the losing special values back exactly', async () => {
      const current = await synced();
      // Both sides edit every row; the hub wins and the member's specials are the losing versions.
      await current.hub.exec('UPDATE "floats" SET "d" = 1, "r" = 1');
      await current.member('store').exec('UPDATE "floats" SET "d" = "d", "r" = "r"');
      assert.equal((await current.sync()).status, 'succeeded');
      const conflicts = (await current.state.listConflicts(current.group.name)).items;
      assert.equal(conflicts.length, engine.specials.length);

      for (const conflict of conflicts) await reapplyConflict(current.group, conflict.id, current.context);

      const expected = engine.specials.map((value) => [value, value]);
      assert.deepEqual(await floatsOf(current.hub), expected);
      assert.equal((await current.sync()).status, 'succeeded');
      assert.deepEqual(await floatsOf(current.member('store')), expected);
      assert.ok((await compareGroup(current.group, current.context)).every((comparison) => comparison.equal));
    });
  });
}

/**
 * SQLite cannot keep -0 in a REAL column, strict table or not: it stores a whole-number float as an
 * integer and reads 0 back. What the engine itself does, and that hubsync reports such a row as a
 * failed record instead of handing the member an altered value.
 */
describe('special floats: -0 from a PostgreSQL hub to a SQLite member', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  it('SQLite itself reads 0 back from a REAL column given -0 (the reason for the refusal)', async () => {
    const database = await sqliteHarness.createDatabase();
    try {
      await database.exec('CREATE TABLE "plain" ("id" INTEGER PRIMARY KEY, "d" REAL)');
      await database.exec('CREATE TABLE "tight" ("id" INTEGER PRIMARY KEY, "d" REAL) STRICT');
      for (const table of ['plain', 'tight']) {
        await database.exec(`INSERT INTO "${table}" VALUES (1, ?)`, [-0]);
        const [row] = await database.query<{ d: number }>(`SELECT "d" FROM "${table}"`);
        assert.ok(Object.is(row?.d, 0), `${table}: ${String(row?.d)}`);
      }
    } finally {
      await database.dispose();
    }
  });

  it('keeps the row with -0 as a failed record and leaves the member without an altered copy', async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [{ name: 'store', harness: sqliteHarness, direction: 'bidirectional' }],
      tables: [floats],
    });
    await scenario.hub.exec('INSERT INTO "floats" ("id", "d", "r") VALUES (?, ?, ?)', [1, parameter(-0), 1]);
    await scenario.hub.exec('INSERT INTO "floats" ("id", "d", "r") VALUES (?, ?, ?)', [2, 2.5, 2.5]);
    const result = await scenario.sync();
    assert.equal(result.status, 'succeededWithFailures');
    const failures = (await scenario.state.listFailures(scenario.group.name)).items;
    assert.deepEqual(
      failures.map((failure) => [failure.table, failure.key, failure.member]),
      [['floats', { id: '1' }, 'store']],
    );
    assert.match(failures[0]?.error ?? '', /-0 cannot be stored in a SQLite REAL column/);
    assert.deepEqual(await floatsOf(scenario.member('store')), [[2.5, 2.5]]);
  });
});
