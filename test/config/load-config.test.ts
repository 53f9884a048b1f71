import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGroupConfig } from '../../src/config/load-config.js';
import { ErrorCode, HubsyncError } from '../../src/errors.js';

const sample = {
  name: 'retail',
  hub: { name: 'hub', provider: 'postgres', connection: 'postgres://postgres@127.0.0.1:5432/retail_hub' },
  members: [
    { name: 'store1', provider: 'sqlite', connection: './store1.db', direction: 'bidirectional' },
    { name: 'store2', provider: 'postgres', connection: 'env:STORE2_URL', direction: 'fromHub' },
  ],
  tables: [{ name: 'customers' }, { name: 'orders', columns: ['id', 'customer_id', 'total'], conflictPolicy: 'memberWins' }],
};

describe('loadGroupConfig', () => {
  let folder: string;
  let counter = 0;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'hubsync-config-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function writeConfig(text: string): Promise<string> {
    counter += 1;
    const path = join(folder, `config-${counter}.json`);
    await writeFile(path, text);
    return path;
  }

  /** Loads `config` and returns the ConfigInvalid message, failing when it loads. */
  async function rejection(config: unknown): Promise<string> {
    const path = await writeConfig(typeof config === 'string' ? config : JSON.stringify(config, null, 2));
    const error = await loadGroupConfig(path).then(
      () => assert.fail('expected the config to be rejected'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof HubsyncError);
    assert.equal(error.code, ErrorCode.ConfigInvalid);
    assert.ok(error.message.includes(path), `message names the file: ${error.message}`);
    return error.message;
  }

  it('loads the sample and fills in the defaults', async () => {
    const path = await writeConfig(JSON.stringify(sample));
    const loaded = await loadGroupConfig(path);
    assert.equal(loaded.path, path);
    assert.equal(loaded.directory, folder);
    assert.equal(loaded.group.conflictPolicy, 'hubWins');
    assert.equal(loaded.group.batchSize, 5000);
    assert.deepEqual(loaded.group.members.map((member) => member.direction), ['bidirectional', 'fromHub']);
    assert.deepEqual(loaded.group.tables[1], sample.tables[1]);
  });

  it('accepts a byte-order mark', async () => {
    const loaded = await loadGroupConfig(await writeConfig(`\uFEFF${JSON.stringify(sample)}`));
    assert.equal(loaded.group.name, 'retail');
  });

  it('names the member and field of a bad direction', async () => {
    const members = [sample.members[0], { ...sample.members[1], direction: 'sideways' }];
    const message = await rejection({ ...sample, members });
    assert.match(message, /members\[1\]\.direction: expected one of bidirectional, toHub, fromHub/);
  });

  it('rejects unknown keys so typos are caught', async () => {
    const members = [{ ...sample.members[0], directon: 'toHub' }, sample.members[1]];
    const message = await rejection({ ...sample, members, batchsize: 10 });
    assert.match(message, /members\[0\]\.directon: unknown key/);
    assert.match(message, /batchsize: unknown key/);
  });

  it('reports a missing hub', async () => {
    const { hub: _hub, ...withoutHub } = sample;
    assert.match(await rejection(withoutHub), /hub: is required/);
  });

  it('rejects duplicate node names, also between hub and member', async () => {
    const members = [sample.members[0], { ...sample.members[1], name: 'store1' }, { ...sample.members[1], name: 'hub' }];
    const message = await rejection({ ...sample, members });
    assert.match(message, /members\[1\]\.name: duplicate node name "store1"/);
    assert.match(message, /members\[2\]\.name: duplicate node name "hub"/);
  });

  it('rejects duplicate tables and duplicate columns', async () => {
    const tables = [{ name: 'orders', columns: ['id', 'id'] }, { name: 'orders' }];
    const message = await rejection({ ...sample, tables });
    assert.match(message, /tables\[1\]\.name: duplicate table "orders"/);
    assert.match(message, /tables\[0\]\.columns\[1\]: duplicate column "id"/);
  });

  it('takes a table as "table", "schema.table" (a part with a dot in double quotes) or { schema, name }, and a member name per member', async () => {
    const tables = [
      'customers',
      'sales.orders',
      '"eu.sales"."order.lines"',
      { schema: 'sales', name: 'returns', memberNames: { store1: 'returns_copy', store2: { schema: 'archive', name: 'returns' } } },
    ];
    const loaded = await loadGroupConfig(await writeConfig(JSON.stringify({ ...sample, tables })));
    assert.deepEqual(loaded.group.tables, [
      { name: 'customers' },
      { schema: 'sales', name: 'orders' },
      { schema: 'eu.sales', name: 'order.lines' },
      { schema: 'sales', name: 'returns', memberNames: { store1: { name: 'returns_copy' }, store2: { schema: 'archive', name: 'returns' } } },
    ]);
  });

  it('finds the same table written two ways, and names from the hub\'s default schema', async () => {
    const message = await rejection({ ...sample, tables: ['sales.orders', { schema: 'sales', name: 'orders' }, 'customers', 'public.customers'] });
    assert.match(message, /tables\[1\]\.name: duplicate table "sales\.orders"/);
    assert.match(message, /tables\[3\]\.name: duplicate table "customers"/);
  });

  it('rejects a malformed table name, a typo in a table entry and a member name for no member', async () => {
    const message = await rejection({ ...sample, tables: ['a.b.c', { name: 'orders', colums: ['id'] }] });
    assert.match(message, /tables\[0\]: "a\.b\.c" is not a table name/);
    assert.match(message, /tables\[1\]\.colums: unknown key/);
    const unknownMember = await rejection({ ...sample, tables: [{ name: 'customers', memberNames: { store9: 'clients' } }] });
    assert.match(unknownMember, /tables\[0\]\.memberNames\.store9: the group has no member "store9"/);
  });

  it('requires at least one member and one table', async () => {
    const message = await rejection({ ...sample, members: [], tables: [] });
    assert.match(message, /members: must not be empty/);
    assert.match(message, /tables: must not be empty/);
  });

  it('keeps batchSize an integer from 1 to 100000', async () => {
    assert.match(await rejection({ ...sample, batchSize: 0 }), /batchSize: must be at least 1/);
    assert.match(await rejection({ ...sample, batchSize: 100_001 }), /batchSize: must be at most 100000/);
    assert.match(await rejection({ ...sample, batchSize: 2.5 }), /batchSize: must be an integer/);
  });

  it('keeps the retry settings whole numbers in the Data Export Service ranges, defaulting to 12 and 5 s', async () => {
    assert.match(await rejection({ ...sample, retryCount: 21 }), /retryCount: must be at most 20/);
    assert.match(await rejection({ ...sample, retryCount: -1 }), /retryCount: must be at least 0/);
    assert.match(await rejection({ ...sample, retryCount: 1.5 }), /retryCount: must be an integer/);
    assert.match(await rejection({ ...sample, retryIntervalSeconds: 3601 }), /retryIntervalSeconds: must be at most 3600/);
    assert.match(await rejection({ ...sample, retryIntervalSeconds: -1 }), /retryIntervalSeconds: must be at least 0/);
    assert.match(await rejection({ ...sample, retryIntervalSeconds: '5' }), /retryIntervalSeconds: /);
    const loaded = async (config: object) => {
      const path = join(folder, 'retry.json');
      await writeFile(path, JSON.stringify(config));
      return (await loadGroupConfig(path)).group;
    };
    const defaults = await loaded(sample);
    assert.deepEqual([defaults.retryCount, defaults.retryIntervalSeconds], [12, 5]);
    const set = await loaded({ ...sample, retryCount: 0, retryIntervalSeconds: 3600 });
    assert.deepEqual([set.retryCount, set.retryIntervalSeconds], [0, 3600]);
  });

  it('rejects names that cannot be scope ids and empty env: references', async () => {
    const message = await rejection({ ...sample, name: 'retail group', hub: { ...sample.hub, connection: 'env:' } });
    assert.match(message, /name: must be 1-64 letters/);
    assert.match(message, /hub\.connection: env: must be followed by an environment variable name/);
  });

  it('never echoes a rejected value, which may be a connection string', async () => {
    const secret = 'postgres://admin:hunter2@db';
    const message = await rejection({ ...sample, hub: { ...sample.hub, provider: secret }, name: secret });
    assert.ok(!message.includes('hunter2'), message);
  });

  it('gives the line and column of a JSON syntax error without quoting the file', async () => {
    const message = await rejection('{\n  "name": "retail",\n  "hub": { "connection": "postgres://admin:hunter2@db" x }\n}');
    assert.match(message, /not valid JSON at line 3, column 56/);
    assert.ok(!message.includes('hunter2'), message);
  });

  it('reports an empty file as not JSON', async () => {
    assert.match(await rejection(''), /not valid JSON at line 1, column 1/);
  });

  it('reports a missing file as ConfigInvalid naming it', async () => {
    const path = join(folder, 'missing.json');
    await assert.rejects(loadGroupConfig(path), (error: unknown) => {
      assert.ok(error instanceof HubsyncError);
      assert.equal(error.code, ErrorCode.ConfigInvalid);
      assert.match(error.message, /missing\.json: file not found/);
      return true;
    });
  });
});
