import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CliFixture } from './cli-fixture.js';

/**
 * validate shows, before the first sync, the type every synced column has on each member (its
 * own, or the one hubsync will create) and the known lossy cases: a member column wider than the
 * hub's lets that member write values the hub rounds or rejects.
 */
describe('hubsync validate: column types per member', () => {
  let fixture: CliFixture;
  before(async () => {
    fixture = await CliFixture.create({
      name: 'shop',
      hub: { name: 'hub', provider: 'sqlite', connection: './hub.db' },
      members: [
        { name: 'wide', provider: 'sqlite', connection: './wide.db', direction: 'bidirectional' },
        { name: 'fresh', provider: 'sqlite', connection: './fresh.db', direction: 'fromHub' },
      ],
      tables: [{ name: 'prices' }],
    });
    fixture.exec('hub.db', 'CREATE TABLE prices (id INTEGER PRIMARY KEY, amount DECIMAL_TEXT(12,2) NOT NULL)');
    fixture.exec('wide.db', 'CREATE TABLE prices (id INTEGER PRIMARY KEY, amount DECIMAL_TEXT(38,10) NOT NULL)');
    fixture.exec('fresh.db', 'SELECT 1');
  });
  after(() => fixture.dispose());

  it('prints each member\'s type next to the hub\'s and warns where a member is wider', async () => {
    const result = await fixture.hubsync('validate');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /COLUMN +TYPE +NULLABLE +ON WIDE +ON FRESH/);
    assert.match(result.stdout, /amount +decimal\(12,2\) +not null +DECIMAL_TEXT\(38,10\) +new decimal\(12,2\)/);
    assert.match(result.stdout, /prices: on wide, "amount" is DECIMAL_TEXT\(38,10\) .*which the hub's decimal\(12,2\) cannot hold exactly/);
  });
});
