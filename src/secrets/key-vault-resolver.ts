import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { ErrorCode, HubsyncError } from '../errors.js';
import type { NodeDefinition } from '../engine/group.js';
import { describeNode, type ConnectionResolver } from './connection-resolver.js';
import { parseConnectionReference } from './connection-reference.js';
import { readEnvironmentSetting, type Environment } from './environment-setting.js';
import { ExpiringCache } from './expiring-cache.js';
import { keyVaultError } from './key-vault-errors.js';
import { keyVaultUrlSetting, parseKeyVaultUrl } from './key-vault-url.js';

export { parseConnectionReference, type ConnectionReference } from './connection-reference.js';

export const defaultSecretCacheTtlMs = 5 * 60 * 1000;

export interface KeyVaultResolverOptions {
  /**
   * App settings: HUBSYNC_KEY_VAULT_URL and the variables `env:` references name. The identity's
   * own variables (IDENTITY_ENDPOINT, AZURE_CLIENT_ID, ...) DefaultAzureCredential reads from process.env.
   */
  readonly settings?: Environment;
  /** How long a secret is used before it is read again, so a rotated secret is picked up. */
  readonly cacheTtlMs?: number;
  readonly now?: () => number;
}

interface Vault {
  readonly client: SecretClient;
  readonly host: string;
}

/**
 * The service's resolver: `keyvault:<secret-name>` is read from Key Vault with the app's managed
 * identity (DefaultAzureCredential) and kept in memory for a few minutes; `env:<SETTING>` is read
 * from the app settings, for local runs. Anything else, a literal connection string above all, is
 * refused: the service stores and handles references only.
 */
export class KeyVaultResolver implements ConnectionResolver {
  private readonly settings: Environment;
  private readonly vault: Vault | undefined;
  private readonly cache: ExpiringCache<string>;

  constructor(options: KeyVaultResolverOptions = {}) {
    this.settings = options.settings ?? process.env;
    this.cache = new ExpiringCache(options.cacheTtlMs ?? defaultSecretCacheTtlMs, options.now ?? Date.now);
    const vaultUrl = this.settings[keyVaultUrlSetting];
    // Without a vault the service still runs with env: references (local runs); the setting is
    // checked here so a bad URL fails at start-up rather than at the first sync.
    this.vault = vaultUrl ? openVault(vaultUrl) : undefined;
  }

  async resolve(node: NodeDefinition): Promise<string> {
    const subject = describeNode(node);
    const reference = parseConnectionReference(node.connection, subject);
    if (reference.kind === 'env') return readEnvironmentSetting(this.settings, reference.name, node);
    const vault = this.vault;
    if (!vault) {
      throw new HubsyncError(
        ErrorCode.ConfigInvalid,
        `${subject} references a Key Vault secret but ${keyVaultUrlSetting} is not set`,
      );
    }
    return this.cache.get(reference.name, () => readSecret(vault, reference.name, subject));
  }
}

function openVault(vaultUrl: string): Vault {
  const { url, host, local } = parseKeyVaultUrl(vaultUrl);
  const client = new SecretClient(url, new DefaultAzureCredential(), {
    allowInsecureConnection: local,
    // A local vault's challenge names the real Key Vault resource, not 127.0.0.1.
    disableChallengeResourceVerification: local,
  });
  return { client, host };
}

async function readSecret(vault: Vault, name: string, subject: string): Promise<string> {
  let value: string | undefined;
  try {
    ({ value } = await vault.client.getSecret(name));
  } catch (error) {
    throw keyVaultError(error, name, vault.host, subject);
  }
  if (value === undefined || value === '') {
    throw new HubsyncError(ErrorCode.SecretNotFound, `Key Vault secret "${name}" in ${vault.host} (referenced by ${subject}) is empty`);
  }
  return value;
}
