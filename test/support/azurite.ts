import { createRequire } from 'node:module';

/** What the tests use of Azurite's Table server (its package ships JavaScript without types). */
interface AzuriteTableServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

interface AzuriteTableModules {
  readonly TableServer: new (configuration: unknown) => AzuriteTableServer;
  readonly TableConfiguration: new (...options: unknown[]) => unknown;
  /** The emulator's well-known development account (published, not a secret). */
  readonly account: { readonly name: string; readonly key: string };
}

export interface Azurite {
  /** The development account's connection string, pointing at this server. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

function loadAzurite(): AzuriteTableModules {
  const require = createRequire(import.meta.url);
  const server = require('azurite/dist/src/table/TableServer.js') as { default: AzuriteTableModules['TableServer'] };
  const configuration = require('azurite/dist/src/table/TableConfiguration.js') as {
    default: AzuriteTableModules['TableConfiguration'];
  };
  const constants = require('azurite/dist/src/common/utils/constants.js') as {
    EMULATOR_ACCOUNT_NAME: string;
    EMULATOR_ACCOUNT_KEY: Buffer;
  };
  return {
    TableServer: server.default,
    TableConfiguration: configuration.default,
    account: { name: constants.EMULATOR_ACCOUNT_NAME, key: constants.EMULATOR_ACCOUNT_KEY.toString('base64') },
  };
}

/**
 * Azurite's Table server in this process, on a free 127.0.0.1 port, holding everything in
 * memory: a real Table storage endpoint for the tests, gone when stopped.
 */
export async function startAzurite(): Promise<Azurite> {
  const { TableServer, TableConfiguration, account } = loadAzurite();
  // Positional, as Azurite's own entry point passes them: host, port (0: any free one),
  // keep-alive, metadata path (unused in memory), debug log, access log, access log stream,
  // debug log path, loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl,
  // in-memory persistence.
  const configuration = new TableConfiguration(
    '127.0.0.1', 0, undefined, undefined, false, false, undefined, undefined, false, false, '', '', '', undefined, false, true,
  );
  const server = new TableServer(configuration);
  await server.start();
  const port = new URL(server.getHttpServerAddress()).port;
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${account.name};AccountKey=${account.key};` +
      `TableEndpoint=http://127.0.0.1:${port}/${account.name};`,
    stop: () => server.close(),
  };
}
