import { ErrorCode, HubsyncError } from '../errors.js';

export const keyVaultUrlSetting = 'HUBSYNC_KEY_VAULT_URL';

export interface KeyVaultUrl {
  readonly url: string;
  readonly host: string;
  /** Plain http to this machine, for tests against a local vault; never allowed elsewhere. */
  readonly local: boolean;
}

const localHosts: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost']);

/**
 * Checks the vault URL setting: bearer tokens and secrets travel over it, so it must be https,
 * except to this machine.
 */
export function parseKeyVaultUrl(text: string): KeyVaultUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`${keyVaultUrlSetting} is not a URL`);
  }
  if (url.protocol === 'https:') return { url: url.href, host: url.host, local: false };
  if (url.protocol === 'http:' && localHosts.has(url.hostname)) return { url: url.href, host: url.host, local: true };
  throw invalid(`${keyVaultUrlSetting} must be an https:// URL (http:// only to 127.0.0.1 or localhost), not ${url.protocol}//${url.host}`);
}

function invalid(message: string): HubsyncError {
  return new HubsyncError(ErrorCode.ConfigInvalid, message);
}
