import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FailedRecord } from '../../src/engine/state-store.js';
import { CliFixture, onlyJson } from './cli-fixture.js';
import { singleErrorLine } from './run-hubsync.js';

describe('hubsync command line: a run with failed rows', () => {
  let fixture: CliFixture;

  before(async () => {
    fixture = await CliFixture.create({
      name: 'retail',
      hub: { name: 'hub', provider: 'sqlite', connection: 'hub.db' },
      members: [{ name: 'store1', provider: 'sqlite', connection: 'store1.db', direction: 'fromHub' }],
      tables: [{ name: 'customers' }],
    });
    fixture.exec('hub.db', "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO customers VALUES (1, 'Ada'), (2, 'Brian');");
    // The member rejects long names, so one downloaded row fails.
    fixture.exec('store1.db', 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) <= 3))');
  });
  after(async () => {
    await fixture.dispose();
  });

  it('still prints one JSON object, says so on stderr and exits 1', async () => {
    const result = await fixture.hubsync('sync', '--json');
    assert.equal(result.code, 1);
    const run = onlyJson(result);
    assert.equal(run.status, 'succeededWithFailures');
    assert.deepEqual(run.members, [{ name: 'store1', uploaded: 0, downloaded: 1, conflicts: 0, failed: 1 }]);
    assert.match(singleErrorLine(result), /finished with 1 failed row/);
  });

  it('failures lists the rejected row with its values and the reason', async () => {
    const result = await fixture.hubsync('failures', '--json');
    assert.equal(result.code, 0, result.stderr);
    const { failures } = onlyJson(result) as { failures: FailedRecord[] };
    assert.equal(failures.length, 1);
    assert.deepEqual(failures[0]?.key, { id: '2' });
    assert.equal(failures[0]?.values?.['name'], 'Brian');
    assert.match(failures[0]?.error ?? '', /CHECK constraint/i);
    assert.match((await fixture.hubsync('failures')).stdout, /customers +\{"id":"2"\} +download store1/);
  });
});
