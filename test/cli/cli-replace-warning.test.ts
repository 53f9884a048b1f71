import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CliFixture } from './cli-fixture.js';

/**
 * SQLite fires no delete trigger when INSERT OR REPLACE deletes a row through a unique index other
 * than the primary key (unless recursive_triggers is on): such a delete leaves no tombstone, so
 * validate warns about every SQLite node holding a table with such an index.
 */
describe('hubsync validate: INSERT OR REPLACE through a unique index on SQLite', () => {
  let fixture: CliFixture;
  before(async () => {
    fixture = await CliFixture.create({
      name: 'replace',
      hub: { name: 'hub', provider: 'sqlite', connection: 'hub.db' },
      members: [{ name: 'store', provider: 'sqlite', connection: 'store.db', direction: 'bidirectional' }],
      tables: [{ name: 'people' }, { name: 'notes' }],
    });
    fixture.exec(
      'hub.db',
      `CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
       CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);`,
    );
    fixture.exec('store.db', 'SELECT 1');
  });
  after(() => fixture.dispose());

  it('warns for each SQLite node and table with a secondary unique index, and only those', async () => {
    const result = await fixture.hubsync('validate');
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.stdout.split('\n').filter((line) => line.includes('INSERT OR REPLACE'));
    assert.equal(warnings.length, 2, result.stdout);
    assert.match(warnings[0] ?? '', /^ {2}people: on hub, unique index "people_email_key" .*recursive_triggers/);
    assert.match(warnings[1] ?? '', /^ {2}people: on store, /);
  });
});
