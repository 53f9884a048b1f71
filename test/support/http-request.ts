import azureFunctions, { type HttpRequest } from '@azure/functions';

// A webpack bundle: Node cannot see its class exports as ESM named exports.
const { HttpRequest: HttpRequestClass } = azureFunctions;

export interface RequestOptions {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** JSON-encoded unless already a string. */
  readonly body?: unknown;
}

/** A real @azure/functions HttpRequest, as the worker builds one, for calling a handler. */
export function httpRequest(method: string, path: string, options: RequestOptions = {}): HttpRequest {
  const url = new URL(`https://hubsync.example.net/api/${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  url.searchParams.set('code', 'function-key');
  const body = options.body === undefined ? undefined : { string: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) };
  return new HttpRequestClass({
    method,
    url: url.href,
    params: options.params ?? {},
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    ...(body === undefined ? {} : { body }),
  });
}
