import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inDatabase, parseTableName, tableId, withoutDefaultSchema, type TableName } from '../../src/engine/table-name.js';
import { ErrorCode, HubsyncError } from '../../src/errors.js';

describe('table names', () => {
  it('writes a table of the default schema as its bare name, as before schemas existed', () => {
    assert.equal(tableId({ name: 'orders' }), 'orders');
    assert.equal(tableId({ name: 'we"ird; --' }), 'we"ird; --');
    assert.equal(tableId({ schema: 'sales', name: 'orders' }), 'sales.orders');
  });

  it('reads back every id it writes, quoting parts that hold a dot or start with a quote', () => {
    const tables: TableName[] = [
      { name: 'orders' },
      { schema: 'sales', name: 'orders' },
      { schema: 'eu.sales', name: 'order.lines' },
      { schema: '"quoted"', name: 'x' },
      { schema: 'Sales ]Dept', name: `it's "odd"` },
    ];
    for (const table of tables) assert.deepEqual(parseTableName(tableId(table)), table, tableId(table));
    assert.notEqual(tableId({ schema: 'a', name: 'b.c' }), tableId({ schema: 'a.b', name: 'c' }));
  });

  it('refuses text that is no table name', () => {
    for (const text of ['', 'a.b.c', '.a', 'a.', '"open', '"a"b', 'a..b']) assert.equal(parseTableName(text), null, text);
  });

  it('leaves out the default schema and refuses another one where the engine has none', () => {
    assert.deepEqual(withoutDefaultSchema({ schema: 'public', name: 'x' }, 'postgres'), { name: 'x' });
    assert.deepEqual(withoutDefaultSchema({ schema: 'public', name: 'x' }, 'mssql'), { schema: 'public', name: 'x' });
    assert.deepEqual(inDatabase({ schema: 'main', name: 'x' }, 'sqlite', 'member "m"'), { name: 'x' });
    assert.throws(
      () => inDatabase({ schema: 'sales', name: 'x' }, 'sqlite', 'member "m"'),
      (error: unknown) => error instanceof HubsyncError && error.code === ErrorCode.ConfigInvalid && /only the schema "main"/.test(error.message),
    );
  });
});
