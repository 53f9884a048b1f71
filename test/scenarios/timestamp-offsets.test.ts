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
 * offset and store 10:00, another reader would shift it to 08:00. It is refused, never altered.
 */
describe('a timestamp with an offset in a SQLite column without a zone', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  /** A SQLite hub with a TIMESTAMP column and a PostgreSQL member. */
  async function eventsScenario(): Promise<Scenario> {
    const created = await createScenario({
      hub: sqliteHarness,
      members: [{ name: 'store', harness: postgresHarness, direction: 'bidirectional' }],
      tables: [],
      selections: [{ name: 'events' }],
    });
    await created.hub.exec('CREATE TABLE "events" ("id" INTEGER PRIMARY KEY, "at" TIMESTAMP)');
    return created;
  }

  it('is rejected with HS_DATA_REJECTED naming the column and the value shape, and reaches no member', async () => {
    scenario = await eventsScenario();
    await scenario.hub.exec('INSERT INTO "events" VALUES (1, \'2026-01-01 10:00:00+02:00\')');

    const result = await scenario.sync();

    assert.equal(result.status, 'failed');
    const error = result.errors.join('\n');
    assert.match(error, /"events\.at"/);
    assert.match(error, /offset/);
    const rows = await scenario.member('store').query<{ at: string }>('SELECT "at"::text AS at FROM "events"');
    assert.deepEqual(rows, [], 'no shifted or offset-less copy of the value');
  });

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
