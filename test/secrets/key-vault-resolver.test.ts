import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MemberDefinition } from '../../src/engine/group.js';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import { KeyVaultResolver, defaultSecretCacheTtlMs, parseConnectionReference } from '../../src/secrets/key-vault-resolver.js';
import { startKeyVaultServer, type KeyVaultServer } from '../support/key-vault-server.js';
import { startLocalKeyVault, type LocalKeyVault } from '../support/local-key-vault.js';
import type { ManagedIdentityServer } from '../support/managed-identity-server.js';

function member(connection: string): MemberDefinition {
  return { name: 'store1', provider: 'postgres', connection, direction: 'bidirectional' };
}

/** Requests that reached the secret with the identity's token (the challenge round trip excluded). */
function secretReads(vault: KeyVaultServer, name: string, token: string): number {
  return vault.requests.filter((r) => r.path.startsWith(`/secrets/${name}/`) && r.authorization === `Bearer ${token}`).length;
}

async function rejectsWithCode(work: Promise<unknown>, code: ErrorCode): Promise<HubsyncError> {
  let caught: unknown;
  await assert.rejects(work, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof HubsyncError, `expected a HubsyncError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.doesNotMatch(caught.message, /\n\s+at /, 'no stack trace in the message');
  return caught;
}

describe('KeyVaultResolver against a local Key Vault and managed-identity endpoint', () => {
  let local: LocalKeyVault;
  let identity: ManagedIdentityServer;
  let vault: KeyVaultServer;

  before(async () => {
    local = await startLocalKeyVault();
    ({ identity, vault } = local);
  });
  after(() => local.stop());

  it('reads a keyvault: secret with a token from the managed identity', async () => {
    vault.setSecret('hub-db', 'postgres://svc:s3cret@db.internal/hub');
    const resolver = new KeyVaultResolver({ settings: { HUBSYNC_KEY_VAULT_URL: vault.url } });

    assert.equal(await resolver.resolve(member('keyvault:hub-db')), 'postgres://svc:s3cret@db.internal/hub');

    assert.ok(identity.requests.length > 0, 'the token endpoint was called');
    for (const request of identity.requests) {
      assert.deepEqual(request, { identityHeader: identity.identityHeader, resource: 'https://vault.azure.net', apiVersion: '2019-08-01' });
    }
    assert.equal(vault.requests[0]?.authorization, undefined, 'the first request is the unauthenticated challenge');
    assert.equal(secretReads(vault, 'hub-db', identity.token), 1);
  });

  it('reads a secret again only once the cache time has passed, so a rotated secret is picked up', async () => {
    vault.setSecret('store-db', 'postgres://svc:first@db/store');
    let now = 1_000_000;
    const resolver = new KeyVaultResolver({ settings: { HUBSYNC_KEY_VAULT_URL: vault.url }, now: () => now });

    assert.equal(await resolver.resolve(member('keyvault:store-db')), 'postgres://svc:first@db/store');
    vault.setSecret('store-db', 'postgres://svc:second@db/store');
    now += defaultSecretCacheTtlMs - 1;
    assert.equal(await resolver.resolve(member('keyvault:store-db')), 'postgres://svc:first@db/store');
    assert.equal(secretReads(vault, 'store-db', identity.token), 1, 'no vault request within the cache time');

    now += 1;
    assert.equal(await resolver.resolve(member('keyvault:store-db')), 'postgres://svc:second@db/store');
    assert.equal(secretReads(vault, 'store-db', identity.token), 2);
  });

  it('names a missing secret and the vault, and no value', async () => {
    vault.setSecret('other-db', 'postgres://svc:hunter2@db/other');
    const resolver = new KeyVaultResolver({ settings: { HUBSYNC_KEY_VAULT_URL: vault.url } });

    const error = await rejectsWithCode(resolver.resolve(member('keyvault:missing-db')), ErrorCode.SecretNotFound);
    assert.equal(error.message, `Key Vault secret "missing-db" in ${new URL(vault.url).host} (referenced by member "store1") does not exist`);
    assert.equal(error.isInputError, true);
    assert.equal(secretReads(vault, 'missing-db', identity.token), 1, 'the vault was asked');
  });

  it('says access was denied when the vault refuses the identity, without the token', async () => {
    const strictVault = await startKeyVaultServer('a-token-this-identity-does-not-have');
    try {
      strictVault.setSecret('hub-db', 'postgres://svc:s3cret@db/hub');
      const resolver = new KeyVaultResolver({ settings: { HUBSYNC_KEY_VAULT_URL: strictVault.url } });

      const error = await rejectsWithCode(resolver.resolve(member('keyvault:hub-db')), ErrorCode.SecretAccessDenied);
      assert.match(error.message, /"hub-db".*refused the app's identity \(HTTP 401\)/);
      assert.ok(!error.message.includes(identity.token));
      assert.ok(strictVault.requests.some((r) => r.authorization === `Bearer ${identity.token}`), 'the token was offered');
    } finally {
      await strictVault.close();
    }
  });

  it('refuses a literal connection string without repeating it or asking the vault', async () => {
    const resolver = new KeyVaultResolver({ settings: { HUBSYNC_KEY_VAULT_URL: vault.url } });
    const before = vault.requests.length;

    const error = await rejectsWithCode(resolver.resolve(member('postgres://user:pw@host/db')), ErrorCode.ConnectionReferenceInvalid);
    assert.match(error.message, /^member "store1" must be a reference, keyvault:<secret-name> .* or env:<SETTING>/);
    assert.ok(!error.message.includes('pw'), error.message);
    assert.equal(error.isInputError, true);
    assert.equal(vault.requests.length, before);
  });

  it('reads env: references from the settings, and names a missing one', async () => {
    const resolver = new KeyVaultResolver({ settings: { STORE_URL: 'postgres://svc:local@localhost/store' } });
    assert.equal(await resolver.resolve(member('env:STORE_URL')), 'postgres://svc:local@localhost/store');

    const error = await rejectsWithCode(resolver.resolve(member('env:HUB_URL')), ErrorCode.SecretNotFound);
    assert.equal(error.message, 'environment variable HUB_URL is not set (referenced by member "store1")');
  });

  it('needs HUBSYNC_KEY_VAULT_URL for a keyvault: reference', async () => {
    const resolver = new KeyVaultResolver({ settings: {} });
    const error = await rejectsWithCode(resolver.resolve(member('keyvault:hub-db')), ErrorCode.ConfigInvalid);
    assert.match(error.message, /HUBSYNC_KEY_VAULT_URL is not set/);
  });

  it('refuses a plain-http vault URL that is not this machine', () => {
    for (const url of ['http://myvault.vault.azure.net/', 'http://10.0.0.4:8443', 'not a url']) {
      assert.throws(
        () => new KeyVaultResolver({ settings: { HUBSYNC_KEY_VAULT_URL: url } }),
        (error: unknown) => error instanceof HubsyncError && error.code === ErrorCode.ConfigInvalid && /HUBSYNC_KEY_VAULT_URL/.test(error.message),
        url,
      );
    }
    for (const url of ['https://myvault.vault.azure.net/', 'http://localhost:8200', 'http://127.0.0.1:8200']) {
      assert.doesNotThrow(() => new KeyVaultResolver({ settings: { HUBSYNC_KEY_VAULT_URL: url } }), url);
    }
  });
});

describe('parseConnectionReference', () => {
  it('accepts keyvault:<secret-name> and env:<SETTING>', () => {
    assert.deepEqual(parseConnectionReference('keyvault:hub-db-2'), { kind: 'keyvault', name: 'hub-db-2' });
    assert.deepEqual(parseConnectionReference(`keyvault:${'a'.repeat(127)}`), { kind: 'keyvault', name: 'a'.repeat(127) });
    assert.deepEqual(parseConnectionReference('env:HUB_URL'), { kind: 'env', name: 'HUB_URL' });
  });

  it('refuses anything else, naming the subject and never the text', () => {
    const refused = [
      'Server=tcp:db.example.com;Password=Sup3rS3cret!',
      'postgres://admin:Sup3rS3cret@db/hub',
      'keyvault:',
      `keyvault:${'a'.repeat(128)}`,
      'keyvault:hub_db',
      'keyvault:Sup3rS3cret/versions',
      'env:',
      'env:1ST',
      'envSup3rS3cret',
      'KeyVault:hub-db',
      '',
    ];
    for (const text of refused) {
      assert.throws(
        () => parseConnectionReference(text, 'hub "center"'),
        (error: unknown) =>
          error instanceof HubsyncError &&
          error.code === ErrorCode.ConnectionReferenceInvalid &&
          error.message.startsWith('hub "center" must be a reference') &&
          !error.message.includes('Sup3rS3cret'),
        text,
      );
    }
  });
});
