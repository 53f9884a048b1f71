import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { compareGroup } from '../../src/engine/compare-group.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { sqliteHarness } from '../support/sqlite-harness.js';

/**
 * A member table hubsync creates has the hub's types, not a near neighbour: varchar pads nothing
 * where char(n) pads, json keeps the text jsonb re-spells, and a real holds fewer digits than a
 * double. A near neighbour would hand back different values the first time the member edits a row.
 */
const columnTypesSql = `SELECT column_name, format_type(a.atttypid, a.atttypmod) AS type
  FROM information_schema.columns c
  JOIN pg_attribute a ON a.attrelid = '"shapes"'::regclass AND a.attname = c.column_name
  WHERE c.table_schema = 'public' AND c.table_name = 'shapes' ORDER BY c.ordinal_position`;

describe('types carried faithfully into member tables hubsync creates', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  it('keeps char(n), jsonb, real and double precision on a PostgreSQL member of a PostgreSQL hub', async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [{ name: 'store', harness: postgresHarness, direction: 'bidirectional' }],
      tables: [],
      selections: [{ name: 'shapes' }],
    });
    await scenario.hub.exec(
      'CREATE TABLE "shapes" ("id" bigint PRIMARY KEY, "code" char(5), "doc" jsonb, "r" real, "d" double precision)',
    );
    await scenario.hub.exec('INSERT INTO "shapes" VALUES (1, \'ab\', \'{"b": 1, "a": [1, 2]}\', 0.1, 0.1)');

    assert.equal((await scenario.sync()).status, 'succeeded');

    const types = await scenario.member('store').query<{ column_name: string; type: string }>(columnTypesSql);
    assert.deepEqual(
      types.map((row) => `${row.column_name} ${row.type}`),
      ['id bigint', 'code character(5)', 'doc jsonb', 'r real', 'd double precision'],
    );
    // An edit of another column on the member sends its values back; they must be the hub's.
    await scenario.member('store').exec('UPDATE "shapes" SET "d" = 0.25 WHERE "id" = 1');
    assert.equal((await scenario.sync()).status, 'succeeded');
    assert.ok((await compareGroup(scenario.group, scenario.context)).every((comparison) => comparison.equal));
    const hubRows = await scenario.hub.query('SELECT "code", "doc"::text AS doc, "r"::text AS r FROM "shapes"');
    assert.deepEqual(hubRows, [{ code: 'ab   ', doc: '{"a": [1, 2], "b": 1}', r: '0.1' }]);
  });

  it('gives a SQLite FLOAT4 column a double precision on a PostgreSQL member, since SQLite keeps 8 bytes', async () => {
    scenario = await createScenario({
      hub: sqliteHarness,
      members: [{ name: 'store', harness: postgresHarness, direction: 'bidirectional' }],
      tables: [],
      selections: [{ name: 'shapes' }],
    });
    await scenario.hub.exec('CREATE TABLE "shapes" ("id" INTEGER PRIMARY KEY, "f" FLOAT4)');
    await scenario.hub.exec('INSERT INTO "shapes" VALUES (1, ?)', [0.123456789]);

    assert.equal((await scenario.sync()).status, 'succeeded');

    const types = await scenario.member('store').query<{ column_name: string; type: string }>(columnTypesSql);
    assert.deepEqual(types.map((row) => `${row.column_name} ${row.type}`), ['id bigint', 'f double precision']);
    const rows = await scenario.member('store').query<{ f: number }>('SELECT "f" FROM "shapes"');
    assert.deepEqual(rows, [{ f: 0.123456789 }]);
  });
});
