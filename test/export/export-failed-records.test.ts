import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { resyncFailed } from '../../src/export/export-resync.js';
import { runExport } from '../../src/export/export-run.js';
import { exportStatus } from '../../src/export/export-status.js';
import { ExportFixture } from './export-fixture.js';

/** The destination refuses names starting with "BAD" (a constraint the source does not have). */
const refuseBadNames = `ALTER TABLE crm_account ADD CONSTRAINT no_bad_names CHECK (name NOT LIKE 'BAD%')`;

describe('export profile: records the destination rejects', () => {
  let fixture: ExportFixture;
  const names = async (): Promise<string[]> =>
    (await fixture.destination.query<{ name: string }>('SELECT name FROM crm_account ORDER BY accountid')).map((row) => row.name);

  before(async () => {
    fixture = await ExportFixture.create(
      { source: 'postgres', destination: 'postgres' },
      { destination: { prefix: 'crm' }, tables: [{ name: 'account' }], retryCount: 2, retryIntervalSeconds: 0, writeDeleteLog: true, batchSize: 4 },
    );
    await fixture.source.exec('CREATE TABLE account (accountid integer PRIMARY KEY, name text NOT NULL)');
    await fixture.source.exec(`INSERT INTO account VALUES (1, 'Contoso')`);
    await fixture.with((context) => runExport(context));
    await fixture.destination.exec(refuseBadNames);
  });
  after(() => fixture.dispose());

  it('retries a rejected record per the profile, keeps it as a failed record with the reason, and writes the rest', async () => {
    await fixture.source.exec(`INSERT INTO account VALUES (2, 'Fabrikam'), (3, 'BAD one'), (4, 'Litware'), (5, 'Northwind'), (6, 'BAD two'), (7, 'Tailspin')`);
    const run = await fixture.with((context) => runExport(context));
    assert.equal(run.status, 'succeededWithFailures');
    assert.deepEqual(run.tables.map((table) => [table.exported, table.failed]), [[4, 2]]);
    assert.deepEqual(await names(), ['Contoso', 'Fabrikam', 'Litware', 'Northwind', 'Tailspin']);
    const failures = await fixture.state.listFailures(fixture.profile.name);
    assert.deepEqual(failures.map((failure) => [failure.table, failure.key, failure.operation, failure.status, failure.attempts]), [
      ['account', { accountid: 3 }, 'insert', 'failed', 3],
      ['account', { accountid: 6 }, 'insert', 'failed', 3],
    ]);
    assert.match(failures[0]?.error ?? '', /no_bad_names/);
    const status = await exportStatus(fixture.profile, fixture.state);
    assert.equal(status.tables[0]?.failedRecords, 2);
  });

  it('resync failed writes them with the current source row once the cause is fixed, and never brings back a deleted one', async () => {
    await fixture.destination.exec('ALTER TABLE crm_account DROP CONSTRAINT no_bad_names');
    await fixture.source.exec(`UPDATE account SET name = 'BAD one, fixed later' WHERE accountid = 3`);
    await fixture.source.exec('DELETE FROM account WHERE accountid = 6');
    const run = await fixture.with((context) => resyncFailed(context));
    assert.deepEqual(run.tables.map((table) => [table.resolved, table.failed]), [[2, 0]]);
    assert.deepEqual(await names(), ['Contoso', 'Fabrikam', 'BAD one, fixed later', 'Litware', 'Northwind', 'Tailspin']);
    assert.deepEqual(await fixture.state.listFailures(fixture.profile.name), []);
    // The next run brings the delete of 6 and the update of 3 again: nothing changes, nothing comes back.
    await fixture.with((context) => runExport(context));
    assert.deepEqual(await names(), ['Contoso', 'Fabrikam', 'BAD one, fixed later', 'Litware', 'Northwind', 'Tailspin']);
  });

  it('with a retry interval, a later run makes the next try once its time has come', async () => {
    fixture.profile = { ...fixture.profile, retryCount: 1, retryIntervalSeconds: 1 };
    await fixture.destination.exec(`ALTER TABLE crm_account ADD CONSTRAINT no_nope CHECK (name NOT LIKE 'NOPE%')`);
    await fixture.source.exec(`INSERT INTO account VALUES (8, 'NOPE')`);
    await fixture.with((context) => runExport(context));
    const first = await fixture.state.listFailures(fixture.profile.name);
    assert.deepEqual(first.map((failure) => [failure.status, failure.attempts]), [['retrying', 1]]);
    await fixture.with((context) => runExport(context));
    assert.deepEqual((await fixture.state.listFailures(fixture.profile.name)).map((failure) => failure.attempts), [1], 'not due yet');
    await sleep(1100);
    await fixture.with((context) => runExport(context));
    const last = await fixture.state.listFailures(fixture.profile.name);
    assert.deepEqual(last.map((failure) => [failure.status, failure.attempts]), [['failed', 2]]);
  });
});
