import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { compareGroup } from '../../src/engine/compare-group.js';
import { validateGroup } from '../../src/engine/validate-group.js';
import type { ProviderHarness } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { sqliteHarness } from '../support/sqlite-harness.js';

/**
 * A PostgreSQL hub table with a non-key GENERATED ALWAYS identity column and a generated column.
 * The identity value is copied on insert (OVERRIDING SYSTEM VALUE) and never updated, since
 * PostgreSQL refuses any other value for it; the generated column is computed by each database.
 */
const hubTable =
  'CREATE TABLE "orders" ("id" bigint PRIMARY KEY, "seq" integer GENERATED ALWAYS AS IDENTITY, ' +
  '"qty" integer, "twice" integer GENERATED ALWAYS AS ("qty" * 2) STORED)';

describe('identity and generated columns on a PostgreSQL hub', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  async function ordersScenario(member: ProviderHarness): Promise<Scenario> {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [{ name: 'store', harness: member, direction: 'bidirectional' }],
      tables: [],
      selections: [{ name: 'orders' }],
    });
    await scenario.hub.exec(hubTable);
    await scenario.hub.exec('INSERT INTO "orders" ("id", "qty") VALUES (1, 5), (2, 6)');
    return scenario;
  }

  for (const member of [postgresHarness, sqliteHarness]) {
    it(`syncs the identity column both ways and skips the generated one (${member.engine} member)`, async () => {
      const current = await ordersScenario(member);
      const plan = await validateGroup(current.group, current.context);
      assert.ok(plan.warnings.some((warning) => warning.column === 'twice' && /generated/.test(warning.message)));

      assert.equal((await current.sync()).status, 'succeeded');
      const store = current.member('store');
      await store.exec('UPDATE "orders" SET "qty" = 50 WHERE "id" = 1');
      await store.exec('INSERT INTO "orders" ("id", "seq", "qty") VALUES (3, 300, 7)');

      const result = await current.sync();

      assert.equal(result.status, 'succeeded', result.errors.join('\n'));
      const rows = await current.hub.query('SELECT "id"::int AS id, "seq", "qty", "twice" FROM "orders" ORDER BY "id"');
      assert.deepEqual(rows, [
        { id: 1, seq: 1, qty: 50, twice: 100 },
        { id: 2, seq: 2, qty: 6, twice: 12 },
        { id: 3, seq: 300, qty: 7, twice: 14 },
      ]);
      assert.ok((await compareGroup(current.group, current.context)).every((comparison) => comparison.equal));
    });
  }

  it('keeps a member edit of the identity value as a failed record, not a silently different row', async () => {
    const current = await ordersScenario(sqliteHarness);
    assert.equal((await current.sync()).status, 'succeeded');
    await current.member('store').exec('UPDATE "orders" SET "seq" = 99, "qty" = 8 WHERE "id" = 2');

    const result = await current.sync();

    assert.equal(result.status, 'succeededWithFailures');
    const failures = (await current.state.listFailures(current.group.name)).items;
    assert.deepEqual(failures.map((failure) => failure.key), [{ id: '2' }]);
    assert.match(failures[0]?.error ?? '', /"orders\.seq".*identity/i);
    const rows = await current.hub.query('SELECT "seq", "qty" FROM "orders" WHERE "id" = 2');
    assert.deepEqual(rows, [{ seq: 2, qty: 6 }]);
  });
});
