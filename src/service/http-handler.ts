import { app, type HttpHandler, type HttpMethod, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { errorResponse } from './http-responses.js';
import { durableClientInput } from './orchestration-client.js';
import { exportDeps, serviceDeps, type ExportDeps, type ServiceDeps } from './service-deps.js';

export type ServiceHandler<D = ServiceDeps> = (request: HttpRequest, deps: D, context: InvocationContext) => Promise<HttpResponseInit>;

/** Every error becomes the Azure REST error shape; nothing else (no stack trace) reaches the caller. */
export function httpHandler(handler: ServiceHandler): HttpHandler {
  return handlerWith(serviceDeps, handler);
}

/** The same for the export profile routes, which also work with the export state. */
export function exportHttpHandler(handler: ServiceHandler<ExportDeps>): HttpHandler {
  return handlerWith(exportDeps, handler);
}

function handlerWith<D>(deps: (context: InvocationContext) => Promise<D>, handler: ServiceHandler<D>): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, await deps(context), context);
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
