import type { HttpRequest } from '@azure/functions';
import { ErrorCode, HubsyncError } from '../errors.js';
import type { PageRequest } from '../engine/state-store.js';

/** Group, member and run names: they become state keys and instance ids, so they stay plain. */
const namePattern = /^[A-Za-z0-9_-]{1,64}$/;
const continuationParameter = 'continuationToken';
const pageSizeParameter = 'maxpagesize';
const maximumPageSize = 1000;

/** A name from the route; anything else is refused before it reaches a store or an instance id. */
export function routeName(request: HttpRequest, parameter: string): string {
  const value = request.params[parameter];
  // The offending text is not echoed: it is the caller's own and may hold anything.
  if (value === undefined || !namePattern.test(value)) {
    throw new HubsyncError(ErrorCode.RequestInvalid, `${parameter} must be 1-64 letters, digits, "_" or "-"`, {
      details: [{ code: ErrorCode.RequestInvalid, target: parameter, message: 'not a valid name' }],
    });
  }
  return value;
}

export async function readJsonBody(request: HttpRequest): Promise<unknown> {
  return parseJsonBody(await request.text());
}

/** A body that may be left out: undefined when there is none. */
export async function readOptionalJsonBody(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  return text.trim() === '' ? undefined : parseJsonBody(text);
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HubsyncError(ErrorCode.RequestInvalid, 'the request body must be JSON');
  }
}

export function pageRequest(request: HttpRequest): PageRequest {
  const size = request.query.get(pageSizeParameter);
  const token = request.query.get(continuationParameter);
  if (size !== null && !(/^\d+$/.test(size) && Number(size) >= 1 && Number(size) <= maximumPageSize)) {
    throw new HubsyncError(ErrorCode.RequestInvalid, `${pageSizeParameter} must be a whole number from 1 to ${maximumPageSize}`);
  }
  return { ...(size === null ? {} : { limit: Number(size) }), continuationToken: token };
}

/** The request's own URL (keeping its function key and page size) with the next page's token. */
export function nextLink(request: HttpRequest, continuationToken: string | null): string | undefined {
  if (continuationToken === null) return undefined;
  const url = new URL(request.url);
  url.searchParams.set(continuationParameter, continuationToken);
  return url.href;
}

/** `{value, nextLink}`, nextLink left out on the last page. */
export function listBody<T>(request: HttpRequest, value: readonly T[], continuationToken: string | null): object {
  const link = nextLink(request, continuationToken);
  return link === undefined ? { value } : { value, nextLink: link };
}

/** A `true`/`false` query parameter, false when absent; anything else is refused before anything changes. */
export function booleanQuery(request: HttpRequest, parameter: string): boolean {
  const value = request.query.get(parameter);
  if (value === null || value === 'false') return false;
  if (value === 'true') return true;
  throw new HubsyncError(ErrorCode.RequestInvalid, `${parameter} must be true or false`, {
    details: [{ code: ErrorCode.RequestInvalid, target: parameter, message: 'not true or false' }],
  });
}
