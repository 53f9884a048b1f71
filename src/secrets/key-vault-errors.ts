import { AggregateAuthenticationError, AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { ErrorCode, HubsyncError } from '../errors.js';

/**
 * Turns what SecretClient threw while reading `secretName` into a HubsyncError. The SDK's own
 * message is left out on purpose: it can run to pages (one paragraph per credential tried) and
 * the error object carries the request; the code and the names say what to fix.
 */
export function keyVaultError(error: unknown, secretName: string, vaultHost: string, subject: string): HubsyncError {
  const secret = `Key Vault secret "${secretName}" in ${vaultHost} (referenced by ${subject})`;
  if (isCredentialError(error)) {
    return new HubsyncError(
      ErrorCode.SecretAccessDenied,
      `${secret} could not be read: no token for Key Vault from DefaultAzureCredential; enable the app's managed identity`,
    );
  }
  const status = statusCode(error);
  if (status === 404) {
    return new HubsyncError(ErrorCode.SecretNotFound, `${secret} does not exist`);
  }
  if (status === 401 || status === 403) {
    return new HubsyncError(
      ErrorCode.SecretAccessDenied,
      `${secret} could not be read: Key Vault refused the app's identity (HTTP ${status}); grant it the "Key Vault Secrets User" role`,
    );
  }
  return new HubsyncError(
    ErrorCode.SecretStoreUnavailable,
    `${secret} could not be read: ${status === undefined ? 'Key Vault could not be reached' : `Key Vault answered HTTP ${status}`}`,
  );
}

function isCredentialError(error: unknown): boolean {
  return (
    error instanceof CredentialUnavailableError ||
    error instanceof AuthenticationError ||
    error instanceof AggregateAuthenticationError
  );
}

/** The HTTP status of a RestError, read structurally so as not to depend on core-rest-pipeline. */
function statusCode(error: unknown): number | undefined {
  if (!(error instanceof Error) || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}
