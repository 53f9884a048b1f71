import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { MemberDefinition, NodeDefinition } from '../../src/engine/group.js';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import { EnvironmentResolver } from '../../src/secrets/environment-resolver.js';

const configFolder = join('/', 'srv', 'hubsync');

function member(provider: NodeDefinition['provider'], connection: string): MemberDefinition {
  return { name: 'store1', provider, connection, direction: 'bidirectional' };
}

describe('EnvironmentResolver', () => {
  it('reads env:NAME from the environment', async () => {
    const resolver = new EnvironmentResolver(configFolder, { STORE_URL: 'postgres://u:p@h/db' });
    assert.equal(await resolver.resolve(member('postgres', 'env:STORE_URL')), 'postgres://u:p@h/db');
  });

  it('names the missing variable and the member, and no value of the environment', async () => {
    const resolver = new EnvironmentResolver(configFolder, { OTHER_URL: 'postgres://admin:hunter2@db', EMPTY: '' });
    for (const name of ['STORE_URL', 'EMPTY']) {
      await assert.rejects(resolver.resolve(member('postgres', `env:${name}`)), (error: unknown) => {
        assert.ok(error instanceof HubsyncError);
        assert.equal(error.code, ErrorCode.SecretNotFound);
        assert.equal(error.message, `environment variable ${name} is not set (referenced by member "store1")`);
        assert.equal(error.isInputError, true);
        return true;
      });
    }
  });

  it('says hub when the hub references a missing variable', async () => {
    const resolver = new EnvironmentResolver(configFolder, {});
    await assert.rejects(resolver.resolve({ name: 'center', provider: 'postgres', connection: 'env:HUB_URL' }), /referenced by hub "center"/);
  });

  it('resolves a relative SQLite path against the config folder', async () => {
    const resolver = new EnvironmentResolver(configFolder, { STORE_DB: 'data/store.db' });
    assert.equal(await resolver.resolve(member('sqlite', './store1.db')), join(configFolder, 'store1.db'));
    assert.equal(await resolver.resolve(member('sqlite', 'env:STORE_DB')), join(configFolder, 'data', 'store.db'));
    assert.equal(await resolver.resolve(member('sqlite', '/var/lib/store.db')), '/var/lib/store.db');
  });

  it('uses a postgres connection string as written', async () => {
    const resolver = new EnvironmentResolver(configFolder, {});
    assert.equal(await resolver.resolve(member('postgres', 'postgres://h/db')), 'postgres://h/db');
  });
});
