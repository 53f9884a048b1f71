import { app, type HttpHandler, type HttpMethod, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { errorResponse } from './http-responses.js';
import { durableClientInput, orchestrationClient } from './orchestration-client.js';
import { serviceStateStore } from './service-context.js';
import type { ServiceDeps } from './service-deps.js';

export type ServiceHandler = (request: HttpRequest, deps: ServiceDeps, context: InvocationContext) => Promise<HttpResponseInit>;

/** Every error becomes the Azure REST error shape; nothing else (no stack trace) reaches the caller. */
export function httpHandler(handler: ServiceHandler): HttpHandler {
  return async (request, context) => {
    try {
      const deps: ServiceDeps = { store: await serviceStateStore(), client: orchestrationClient(context), now: () => new Date() };
      return await handler(request, deps, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

/**
 * Registers one API operation: function-key auth, under the host's `/api` prefix, with the durable
 * client binding the service functions need.
 */
export function apiRoute(name: string, method: HttpMethod, route: string, handler: HttpHandler): void {
  app.http(name, { methods: [method], route, authLevel: 'function', extraInputs: [durableClientInput], handler });
}
