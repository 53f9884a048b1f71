import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import azureFunctions from '@azure/functions';
import { registeredHandler } from '../support/functions-core-stub.js';
import { httpRequest } from '../support/http-request.js';
import { appRoot, httpRoutes, loadRegisteredApp } from '../support/registered-app.js';

const methods = ['get', 'put', 'post', 'delete', 'patch'];

async function readDocument(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(appRoot, 'openapi.json'), 'utf8')) as Record<string, unknown>;
}

test('openapi.json is a valid OpenAPI 3 document', async () => {
  const api = await SwaggerParser.validate(structuredClone(await readDocument()) as never);
  assert.match(String((api as { openapi?: string }).openapi), /^3\./);
});

test('the document lists exactly the registered HTTP routes and methods', async () => {
  const { core } = await loadRegisteredApp();
  const documented = Object.entries((await readDocument()).paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => methods.includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  const registered = httpRoutes(core).map(({ method, route }) => `${method} /${route}`).sort();
  assert.deepEqual(documented, registered);
});

test('GET /openapi.json serves the document', async () => {
  const { core } = await loadRegisteredApp();
  const handler = registeredHandler(core, 'getOpenApiDocument') as (request: unknown, context: InvocationContext) => Promise<HttpResponseInit>;
  const response = await handler(httpRequest('GET', 'openapi.json'), new azureFunctions.InvocationContext({ functionName: 'getOpenApiDocument' }));
  assert.equal(response.status, 200);
  assert.deepEqual(response.jsonBody, await readDocument());
});
