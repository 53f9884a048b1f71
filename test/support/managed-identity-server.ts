import { randomUUID } from 'node:crypto';
import { sendJson, startLocalHttpServer, type LocalHttpServer } from './local-http.js';

/** One request to the token endpoint, as the server saw it. */
export interface TokenRequest {
  readonly identityHeader: string | undefined;
  readonly resource: string | null;
  readonly apiVersion: string | null;
}

export interface ManagedIdentityServer extends LocalHttpServer {
  /** The value App Service puts in IDENTITY_HEADER; requests without it are refused. */
  readonly identityHeader: string;
  /** The access token it issues. */
  readonly token: string;
  readonly requests: readonly TokenRequest[];
}

/**
 * App Service's managed-identity endpoint (IDENTITY_ENDPOINT, api-version 2019-08-01), as
 * @azure/identity's ManagedIdentityCredential (MSAL's AppService source) calls it:
 * `GET <endpoint>?api-version=2019-08-01&resource=<resource>` with `X-IDENTITY-HEADER`.
 * Without `identityAssigned` it answers as App Service does for an app with no identity.
 */
export async function startManagedIdentityServer({ identityAssigned = true } = {}): Promise<ManagedIdentityServer> {
  const identityHeader = randomUUID();
  const token = `mi-token-${randomUUID()}`;
  const requests: TokenRequest[] = [];
  const server = await startLocalHttpServer((request, response) => {
    const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
    const seen: TokenRequest = {
      identityHeader: request.headers['x-identity-header'] as string | undefined,
      resource: query.get('resource'),
      apiVersion: query.get('api-version'),
    };
    requests.push(seen);
    if (seen.identityHeader !== identityHeader) {
      sendJson(response, 401, { error: { code: 'UnauthorizedRequest', message: 'X-IDENTITY-HEADER is missing or wrong' } });
    } else if (seen.apiVersion !== '2019-08-01' || !seen.resource) {
      sendJson(response, 400, { error: { code: 'BadRequest', message: 'api-version 2019-08-01 and resource are required' } });
    } else if (!identityAssigned) {
      sendJson(response, 400, { statusCode: 400, message: 'No managed identity found for the app', correlationId: randomUUID() });
    } else {
      sendJson(response, 200, {
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: seen.resource,
        token_type: 'Bearer',
        client_id: randomUUID(),
      });
    }
  });
  return { ...server, identityHeader, token, requests };
}

// Every variable that makes DefaultAzureCredential pick a credential before, or instead of, App
// Service's managed identity (environment, workload identity, Service Fabric, Arc, IMDS, a user-assigned id).
const competingVariables = [
  'AZURE_TOKEN_CREDENTIALS',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'AZURE_FEDERATED_TOKEN_FILE',
  'IDENTITY_SERVER_THUMBPRINT',
  'IMDS_ENDPOINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
];

/**
 * Sets process.env as App Service does for a managed identity, with nothing that would make
 * DefaultAzureCredential use another credential; returns a function that puts it back. MSAL picks
 * its managed-identity source once per process, so a test file sets this once, before any token.
 */
export function useAppServiceIdentity(server: ManagedIdentityServer): () => void {
  const changes: Record<string, string | undefined> = {
    IDENTITY_ENDPOINT: server.url,
    IDENTITY_HEADER: server.identityHeader,
    ...Object.fromEntries(competingVariables.map((name) => [name, undefined])),
  };
  const saved = Object.fromEntries(Object.keys(changes).map((name) => [name, process.env[name]]));
  setEnvironment(changes);
  return () => setEnvironment(saved);
}

function setEnvironment(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
