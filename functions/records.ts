import { apiRoute, httpHandler } from '../src/service/http-handler.js';
import { jsonResponse } from '../src/service/http-responses.js';
import { listConflicts, listFailures } from '../src/service/records.js';
import { listBody, pageRequest, routeName } from '../src/service/request-input.js';

export const listSyncGroupConflicts = httpHandler(async (request, deps) => {
  const page = await listConflicts(deps, routeName(request, 'group'), pageRequest(request));
  return jsonResponse(200, listBody(request, page.items, page.continuationToken));
});

export const listSyncGroupFailures = httpHandler(async (request, deps) => {
  const page = await listFailures(deps, routeName(request, 'group'), pageRequest(request));
  return jsonResponse(200, listBody(request, page.items, page.continuationToken));
});

apiRoute('listSyncGroupConflicts', 'GET', 'syncgroups/{group}/conflicts', listSyncGroupConflicts);
apiRoute('listSyncGroupFailures', 'GET', 'syncgroups/{group}/failures', listSyncGroupFailures);
