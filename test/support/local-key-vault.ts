import { startKeyVaultServer, type KeyVaultServer } from './key-vault-server.js';
import { startManagedIdentityServer, useAppServiceIdentity, type ManagedIdentityServer } from './managed-identity-server.js';

/** A Key Vault that accepts the tokens of an App Service managed identity, both on 127.0.0.1. */
export interface LocalKeyVault {
  readonly identity: ManagedIdentityServer;
  readonly vault: KeyVaultServer;
  /** Closes both servers and puts process.env back. */
  stop(): Promise<void>;
}

/** Starts both servers and points this process's managed identity at the token endpoint. */
export async function startLocalKeyVault(options: { identityAssigned?: boolean } = {}): Promise<LocalKeyVault> {
  const identity = await startManagedIdentityServer(options);
  const vault = await startKeyVaultServer(identity.token);
  const restoreEnvironment = useAppServiceIdentity(identity);
  return {
    identity,
    vault,
    stop: async () => {
      restoreEnvironment();
      await Promise.all([vault.close(), identity.close()]);
    },
  };
}
