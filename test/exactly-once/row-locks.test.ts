import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import pg from 'pg';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { interceptProvider } from '../support/faults.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { insertItem, items, oneStore } from '../scenarios/fixtures.js';

/** Resolves with how long the promise took, or rejects after `limitMs`. */
async function timed(work: Promise<unknown>, limitMs: number): Promise<number> {
  const started = Date.now();
  await Promise.race([work, sleep(limitMs).then(() => Promise.reject(new Error(`still waiting after ${limitMs} ms`)))]);
  return Date.now() - started;
}

describe('a PostgreSQL hub applies with row locks, not a table lock', () => {
  let scenario: Scenario;
  let local: pg.Client;
  afterEach(async () => {
    await local.end();
    await scenario.dispose();
  });

  const open = async () => {
    scenario = await createScenario(oneStore({ name: 'pg', hub: postgresHarness, member: sqliteHarness }));
    await scenario.hub.exec(insertItem, [1000, 'unrelated', 1, null]);
    await provisionGroup(scenario.group, scenario.context);
    for (let id = 1; id <= 20; id += 1) await scenario.member('store').exec(insertItem, [id, `row ${id}`, id, null]);
    local = new pg.Client({ connectionString: scenario.hub.connection });
    await local.connect();
  };

  it('an application transaction left open on another row neither stalls the sync nor is waited for; the run names it', async () => {
    await open();
    await local.query('BEGIN');
    await local.query(`UPDATE items SET name = 'held open' WHERE id = 1000`);
    const [{ pid }] = (await local.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];

    const run = scenario.sync();
    await timed(run, 10_000);
    const result = await run;

    assert.equal(result.status, 'succeeded');
    assert.equal(result.members[0]?.uploaded, 20, 'every member row reached the hub while the transaction stayed open');
    assert.ok(result.notices.some((notice) => notice.includes(`pid ${pid}`)), result.notices.join('; '));
    const [recorded] = (await scenario.state.listRuns(scenario.group.name, { limit: 1 })).items;
    assert.ok(recorded?.notices?.some((notice) => notice.includes(`pid ${pid}`)), 'status shows it too');
    await local.query('ROLLBACK');
  });

  it('application writes to rows the batch does not touch go on while the batch is being applied', async () => {
    await open();
    let waited = Number.NaN;
    const observed = interceptProvider(scenario.context, 'hub', (provider) => ({
      applyChanges: (request) =>
        provider.applyChanges({
          ...request,
          // Inside the apply's transaction, after its row locks: an application writes another row.
          resolve: async (candidates) => {
            waited = await timed(local.query(`UPDATE items SET name = 'written meanwhile' WHERE id = 1000`), 5_000);
            return request.resolve(candidates);
          },
        }),
    }));

    const result = await scenario.sync(observed);

    assert.equal(result.status, 'succeeded');
    assert.ok(waited < 1_000, `the application write waited ${waited} ms for the apply`);
    assert.deepEqual(await scenario.hub.query(`SELECT name FROM items WHERE id = 1000`), [{ name: 'written meanwhile' }]);
    assert.equal((await scenario.snapshot(scenario.hub, items)).length, 21);
  });
});
