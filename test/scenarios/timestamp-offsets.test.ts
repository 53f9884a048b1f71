import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import { toCanonical } from '../../src/providers/sqlite/sqlite-types.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { sqliteHarness } from '../support/sqlite-harness.js';

/**
 * SQLite keeps whatever text a program writes, also '2026-01-01 10:00:00+02:00' in a TIMESTAMP
 * column. A column without a zone cannot say which instant that is: PostgreSQL would drop the
 * offset and store 10:00, another reader would shift it to 08:00. It is refused, never altered:
 * that row becomes a failed record, retried with the source's current value by later runs.
 */
describe('a timestamp with an offset in a SQLite column without a zone', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  /** A SQLite hub with a TIMESTAMP column and a PostgreSQL member. */
  async function eventsScenario(batchSize?: number): Promise<Scenario> {
    const created = await createScenario({
      hub: sqliteHarness,
      members: [{ name: 'store', harness: postgresHarness, direction: 'bidirectional' }],
      tables: [],
      selections: [{ name: 'events' }],
      ...(batchSize === undefined ? {} : { batchSize }),
    });
    await created.hub.exec('CREATE TABLE "events" ("id" INTEGER PRIMARY KEY, "at" TIMESTAMP)');
    return created;
  }

  // One row a batch makes the first sync a bulk load, which must not take the row with its value missing.
  for (const [batchSize, how] of [[undefined, 'in batches'], [1, 'in a first sync by bulk load']] as const) {
    it(`becomes a failed record naming the column and the value shape; the other rows go on, and the row lands once fixed (${how})`, async () => {
      scenario = await eventsScenario(batchSize);
      await scenario.hub.exec('INSERT INTO "events" VALUES (1, \'2026-01-01 10:00:00+02:00\'), (2, \'2026-01-01 11:00:00\')');

      const result = await scenario.sync();

      assert.equal(result.status, 'succeededWithFailures', result.errors.join('; '));
      assert.equal(result.members[0]?.failed, 1);
      const [failure, ...others] = (await scenario.state.listFailures(scenario.group.name)).items;
      assert.equal(others.length, 0);
      assert.deepEqual(failure?.key, { id: '1' });
      assert.equal(failure?.direction, 'download');
      assert.match(failure?.error ?? '', /"events\.at"/);
      assert.match(failure?.error ?? '', /offset/);
      assert.equal(failure?.values, null, 'the row\'s values could not be read: none are made up');
      const member = scenario.member('store');
      const rows = await member.query<{ id: number; at: string }>('SELECT "id"::int AS id, "at"::text AS at FROM "events" ORDER BY "id"');
      assert.deepEqual(rows, [{ id: 2, at: '2026-01-01 11:00:00' }], 'no shifted or offset-less copy of the value; the other row landed');

      await scenario.hub.exec('UPDATE "events" SET "at" = \'2026-01-01 08:00:00\' WHERE "id" = 1');
      const fixed = await scenario.sync();
      assert.equal(fixed.status, 'succeeded', fixed.errors.join('; '));
      assert.deepEqual(fixed.retried, { attempted: 1, cleared: 1, stillFailing: 0 });
      assert.deepEqual((await scenario.state.listFailures(scenario.group.name)).items, []);
      assert.deepEqual(await member.query<{ id: number; at: string }>('SELECT "id"::int AS id, "at"::text AS at FROM "events" ORDER BY "id"'), [
        { id: 1, at: '2026-01-01 08:00:00' },
        { id: 2, at: '2026-01-01 11:00:00' },
      ]);
    });
  }

  it('is refused by the SQLite reading with HS_DATA_REJECTED', () => {
    assert.throws(
      () => toCanonical('2026-01-01 10:00:00+02:00', { kind: 'timestamp' }),
      (error: unknown) => error instanceof HubsyncError && error.code === ErrorCode.DataRejected,
    );
  });

  it('keeps the zero offset spellings Z and +00:00, which name the same wall-clock time', async () => {
    scenario = await eventsScenario();
    await scenario.hub.exec('INSERT INTO "events" VALUES (1, \'2026-01-01T10:00:00Z\'), (2, \'2026-01-01 10:00:00+00:00\')');

    assert.equal((await scenario.sync()).status, 'succeeded');
    const rows = await scenario.member('store').query<{ at: string }>('SELECT "at"::text AS at FROM "events" ORDER BY "id"');
    assert.deepEqual(rows, [{ at: '2026-01-01 10:00:00' }, { at: '2026-01-01 10:00:00' }]);
  });
});
