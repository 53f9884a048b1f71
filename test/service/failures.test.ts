import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import azureFunctions from '@azure/functions';
import type { StateStore } from '../../src/engine/state-store.js';
import { useServiceStateStore } from '../../src/service/service-context.js';
import { durableClientInput } from '../../src/service/orchestration-client.js';
import { registeredHandler } from '../support/functions-core-stub.js';
import { httpRequest } from '../support/http-request.js';
import { loadRegisteredApp } from '../support/registered-app.js';

const secret = 'postgres://sync:Pa55word@db.example.net/sales';

/** A store that fails the way a driver might: with a message holding a connection string. */
function failingStore(closed: { count: number }): StateStore {
  return new Proxy({} as StateStore, {
    get(_target, property) {
      if (property === 'close') return async () => void (closed.count += 1);
      // Not a thenable: the store is handed around in promises.
      if (property === 'then') return undefined;
      return async () => {
        throw new Error(`could not connect with ${secret}`);
      };
    },
  });
}

function context(name: string, logs: string[]): InvocationContext {
  const invocation = new azureFunctions.InvocationContext({
    functionName: name,
    invocationId: 'invocation-1',
    options: { extraInputs: [durableClientInput] },
    logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(' ')}`),
  });
  invocation.extraInputs.set(durableClientInput, {
    taskHubName: 'hubsync',
    creationUrls: {},
    managementUrls: {},
    rpcBaseUrl: 'http://127.0.0.1:9/durabletask/',
  });
  return invocation;
}

test('an unexpected failure is a 500 HS_INTERNAL_ERROR with no stack trace, and its message reaches neither the caller nor the log', async () => {
  const { core } = await loadRegisteredApp();
  useServiceStateStore(failingStore({ count: 0 }));
  const logs: string[] = [];
  const handler = registeredHandler(core, 'getSyncGroup') as (request: unknown, context: InvocationContext) => Promise<HttpResponseInit>;
  const response = await handler(httpRequest('GET', 'syncgroups/sales', { params: { group: 'sales' } }), context('getSyncGroup', logs));
  assert.equal(response.status, 500);
  const text = JSON.stringify(response.jsonBody);
  assert.equal((response.jsonBody as { error: { code: string } }).error.code, 'HS_INTERNAL_ERROR');
  assert.match(text, /invocation-1/);
  assert.ok(!text.includes('Pa55word') && !text.includes(' at '), text);
  assert.ok(logs.length > 0 && !logs.join('\n').includes('Pa55word'), logs.join('\n'));
});

test('the app terminate hook closes the state store', async () => {
  const { core } = await loadRegisteredApp();
  const closed = { count: 0 };
  useServiceStateStore(failingStore(closed));
  const hook = core.hooks.find((candidate) => candidate.name === 'appTerminate');
  await hook?.callback({ hookData: {}, appHookData: {} });
  assert.equal(closed.count, 1);
});
