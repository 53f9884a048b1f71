import { apiRoute, httpHandler } from '../src/service/http-handler.js';
import { jsonResponse } from '../src/service/http-responses.js';
import { listBody, pageRequest, routeName } from '../src/service/request-input.js';
import { runView } from '../src/service/run-view.js';
import { cancelRun, getRun, listRuns, startRun } from '../src/service/runs.js';
import { runStartedResponse } from '../src/service/run-started.js';

export const startSyncGroupRun = httpHandler(async (request, deps) =>
  runStartedResponse(request, deps, await startRun(deps, routeName(request, 'group'))),
);

export const listSyncGroupRuns = httpHandler(async (request, deps) => {
  const page = await listRuns(deps, routeName(request, 'group'), pageRequest(request));
  return jsonResponse(200, listBody(request, page.items.map(runView), page.continuationToken));
});

export const getSyncGroupRun = httpHandler(async (request, deps) => {
  const run = await getRun(deps, routeName(request, 'group'), routeName(request, 'runId'));
  return jsonResponse(200, runView(run));
});

/** 202: the task hub stops the orchestration asynchronously; the run is already recorded cancelled. */
export const cancelSyncGroupRun = httpHandler(async (request, deps) => {
  const run = await cancelRun(deps, routeName(request, 'group'), routeName(request, 'runId'));
  return jsonResponse(202, runView(run));
});

apiRoute('startSyncGroupRun', 'POST', 'syncgroups/{group}/sync', startSyncGroupRun);
apiRoute('listSyncGroupRuns', 'GET', 'syncgroups/{group}/runs', listSyncGroupRuns);
apiRoute('getSyncGroupRun', 'GET', 'syncgroups/{group}/runs/{runId}', getSyncGroupRun);
apiRoute('cancelSyncGroupRun', 'POST', 'syncgroups/{group}/runs/{runId}/cancel', cancelSyncGroupRun);
