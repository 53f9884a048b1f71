import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import { KeyVaultResolver } from '../../src/secrets/key-vault-resolver.js';
import { startLocalKeyVault, type LocalKeyVault } from '../support/local-key-vault.js';

// A file of its own: MSAL chooses the managed-identity source and caches its tokens once per
// process, so an identity that grants nothing cannot share a process with one that works.
let local: LocalKeyVault;
before(async () => {
  local = await startLocalKeyVault({ identityAssigned: false });
});
after(() => local.stop());

it('says access was denied when the app has no managed identity, and reads nothing', async () => {
  const { identity, vault } = local;
  vault.setSecret('hub-db', 'postgres://svc:s3cret@db/hub');
  const resolver = new KeyVaultResolver({ settings: { HUBSYNC_KEY_VAULT_URL: vault.url } });

  await assert.rejects(resolver.resolve({ name: 'center', provider: 'postgres', connection: 'keyvault:hub-db' }), (error: unknown) => {
    assert.ok(error instanceof HubsyncError);
    assert.equal(error.code, ErrorCode.SecretAccessDenied);
    assert.equal(
      error.message,
      `Key Vault secret "hub-db" in ${new URL(vault.url).host} (referenced by hub "center") could not be read: ` +
        "no token for Key Vault from DefaultAzureCredential; enable the app's managed identity",
    );
    return true;
  });
  assert.ok(identity.requests.some((r) => r.identityHeader === identity.identityHeader), 'the identity endpoint was asked');
  assert.ok(vault.requests.every((r) => r.authorization === undefined), 'the vault never got a token');
});
