import { app, type HttpHandler } from '@azure/functions';
import { errorResponse, jsonResponse } from '../src/service/http-responses.js';
import { readOpenApiDocument } from '../src/service/openapi-document.js';

export const getOpenApiDocument: HttpHandler = async (_request, context) => {
  try {
    return jsonResponse(200, await readOpenApiDocument());
  } catch (error) {
    return errorResponse(error, context);
  }
};

app.http('getOpenApiDocument', { methods: ['GET'], route: 'openapi.json', authLevel: 'function', handler: getOpenApiDocument });
