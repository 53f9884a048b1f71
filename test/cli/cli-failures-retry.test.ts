import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FailedRecord } from '../../src/engine/state-store.js';
import { CliFixture, onlyJson } from './cli-fixture.js';
import { singleErrorLine } from './run-hubsync.js';

/** The member refuses long names through a trigger of its own, which the user drops as the fix. */
const refuseLongNames = `CREATE TRIGGER refuse_long_names BEFORE INSERT ON customers WHEN length(NEW.name) > 3
  BEGIN SELECT RAISE(ABORT, 'name too long for this store'); END;`;

describe('hubsync command line: failures retry', () => {
  let fixture: CliFixture;

  before(async () => {
    fixture = await CliFixture.create({
      name: 'retail',
      hub: { name: 'hub', provider: 'sqlite', connection: 'hub.db' },
      members: [{ name: 'store1', provider: 'sqlite', connection: 'store1.db', direction: 'fromHub' }],
      tables: [{ name: 'customers' }],
      // One automatic retry, an hour apart: this test retries by hand.
      retryCount: 1,
      retryIntervalSeconds: 3600,
    });
    fixture.exec('hub.db', "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO customers VALUES (1, 'Ada'), (2, 'Brian');");
    fixture.exec('store1.db', `CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL); ${refuseLongNames}`);
    assert.equal((await fixture.hubsync('sync')).code, 1);
  });
  after(async () => {
    await fixture.dispose();
  });

  const failures = async (): Promise<FailedRecord[]> => {
    const result = await fixture.hubsync('failures', '--json');
    assert.equal(result.code, 0, result.stderr);
    return (onlyJson(result) as { failures: FailedRecord[] }).failures;
  };
  const storeNames = (): unknown[] => fixture.query('store1.db', 'SELECT name FROM customers ORDER BY id').map((row) => (row as { name: string }).name);

  it('lists attempts, status and the next attempt', async () => {
    const [failure] = await failures();
    assert.equal(failure?.attempts, 1);
    assert.equal(failure?.status, 'pending');
    assert.ok(failure?.nextAttemptAt !== null && Date.parse(failure?.nextAttemptAt ?? '') > Date.now() + 3000 * 1000, 'an hour from the failure');
    const listed = (await fixture.hubsync('failures')).stdout;
    assert.match(listed, /ATTEMPTS +STATUS +NEXT ATTEMPT +REASON/);
    assert.match(listed, /customers +\{"id":"2"\} +download store1 +insert +1 +pending +\d{4}-\d\d-\d\dT\S+ +.*name too long/);
  });

  it('without --all retries only records that are due, and exits 0 when none is', async () => {
    const result = await fixture.hubsync('failures', 'retry');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /no failed records due for a retry/);
    assert.equal((await failures())[0]?.attempts, 1);
  });

  it('with --all retries now; a record still rejected is counted, its retries used up, and the exit status is 1', async () => {
    const result = await fixture.hubsync('failures', 'retry', '--all', '--json');
    assert.equal(result.code, 1);
    const outcome = onlyJson(result) as { attempted: number; cleared: number; stillFailing: number; records: { result: string; error: string }[] };
    assert.deepEqual([outcome.attempted, outcome.cleared, outcome.stillFailing], [1, 0, 1]);
    assert.equal(outcome.records[0]?.result, 'failed');
    assert.match(outcome.records[0]?.error ?? '', /name too long/);
    assert.match(singleErrorLine(result), /^hubsync: 1 failed record\(s\) still failing$/);
    const [failure] = await failures();
    assert.deepEqual([failure?.attempts, failure?.status, failure?.nextAttemptAt], [2, 'failed', null]);
  });

  it('a record whose retries are used up waits for --all, which delivers it once the cause is fixed', async () => {
    fixture.exec('store1.db', 'DROP TRIGGER refuse_long_names');
    const run = await fixture.hubsync('sync', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal('retried' in onlyJson(run), false, 'nothing retried: the field is left out');
    assert.deepEqual(storeNames(), ['Ada']);

    const result = await fixture.hubsync('failures', 'retry', '--all');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /retried 1 failed record\(s\): 1 cleared, 0 still failing/);
    assert.match(result.stdout, /customers +\{"id":"2"\} +download store1 +cleared/);
    assert.deepEqual(storeNames(), ['Ada', 'Brian']);
    assert.deepEqual(await failures(), []);
    assert.match((await fixture.hubsync('failures')).stdout, /no failed records for group retail/);
  });
});
