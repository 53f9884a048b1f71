import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { jsonResponse } from './http-responses.js';
import type { StartedRun } from './runs.js';
import type { ServiceDeps } from './service-deps.js';

/**
 * 202 with the run id, the durable status URLs and a Location on the run's own resource (for an
 * export profile, its status: export runs have no resource of their own).
 */
export async function runStartedResponse(
  request: HttpRequest,
  deps: ServiceDeps,
  { runId, instanceId }: StartedRun,
): Promise<HttpResponseInit> {
  const location = new URL(request.url);
  location.pathname = location.pathname.replace(/\/sync\/?$/, `/runs/${runId}`).replace(/\/(run|resync)\/?$/, '/status');
  location.search = '';
  const statusUrls = await deps.client.statusUrls(request, instanceId);
  return jsonResponse(202, { runId, ...statusUrls }, { Location: location.href, 'Retry-After': '10' });
}
