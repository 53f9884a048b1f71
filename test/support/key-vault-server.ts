import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, startLocalHttpServer, type LocalHttpServer } from './local-http.js';

/** One request to the vault, as the server saw it. */
export interface VaultRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
}

export interface KeyVaultServer extends LocalHttpServer {
  readonly requests: readonly VaultRequest[];
  /** Adds a secret or a new version of it, as `az keyvault secret set` does. */
  setSecret(name: string, value: string): void;
}

const tenant = '72f988bf-0000-4000-8000-000000000000';
// What Key Vault answers a request without a valid token; the SDK's challenge policy reads
// `resource` (or `scope`) for the token's audience and `authorization` for the tenant.
const challenge = `Bearer authorization="https://login.microsoftonline.com/${tenant}", resource="https://vault.azure.net"`;
const secretPath = /^\/secrets\/([^/]+)(?:\/([^/]*))?$/;

/**
 * Enough of the Key Vault REST API for SecretClient.getSecret: a bearer challenge for any request
 * without `Bearer <acceptedToken>`, then `GET /secrets/{name}[/{version}]?api-version=…`.
 */
export async function startKeyVaultServer(acceptedToken: string): Promise<KeyVaultServer> {
  const secrets = new Map<string, { readonly value: string; readonly version: string }>();
  const requests: VaultRequest[] = [];
  const server = await startLocalHttpServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: request.method ?? '', path: url.pathname, authorization: request.headers.authorization });
    if (request.headers.authorization !== `Bearer ${acceptedToken}`) {
      sendJson(response, 401, { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } }, { 'www-authenticate': challenge });
      return;
    }
    const match = secretPath.exec(url.pathname);
    if (request.method !== 'GET' || !match || !url.searchParams.get('api-version')) {
      sendJson(response, 400, { error: { code: 'BadParameter', message: 'not a secret read this test vault serves' } });
      return;
    }
    const [, name = '', version = ''] = match;
    sendSecret(response, name, version);
  });

  function sendSecret(response: ServerResponse, name: string, version: string): void {
    const secret = secrets.get(decodeURIComponent(name));
    if (!secret || (version !== '' && version !== secret.version)) {
      sendJson(response, 404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    sendJson(response, 200, {
      value: secret.value,
      id: `${server.url}/secrets/${name}/${secret.version}`,
      attributes: { enabled: true, created: now, updated: now, recoveryLevel: 'Recoverable+Purgeable' },
    });
  }

  return {
    ...server,
    requests,
    setSecret: (name, value) => secrets.set(name, { value, version: randomBytes(16).toString('hex') }),
  };
}
