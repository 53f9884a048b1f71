import { apiRoute, httpHandler } from '../src/service/http-handler.js';
import { jsonResponse } from '../src/service/http-responses.js';
import { refreshHubSchema } from '../src/service/hub-schema.js';
import {
  deprovisionSyncGroup as deprovisionGroup,
  reapplyGroupConflict,
  retryAllRequested,
  retryFailuresNow,
} from '../src/service/maintenance.js';
import { booleanQuery, readOptionalJsonBody, routeName } from '../src/service/request-input.js';

export const refreshSyncGroupSchema = httpHandler(async (request, deps) =>
  jsonResponse(200, await refreshHubSchema(deps, routeName(request, 'group'))),
);

export const reapplySyncGroupConflict = httpHandler(async (request, deps) =>
  jsonResponse(200, await reapplyGroupConflict(deps, routeName(request, 'group'), routeName(request, 'conflictId'))),
);

/** Retries failed records now with their rows' current source versions: 200 with what was cleared and what still fails. */
export const retrySyncGroupFailures = httpHandler(async (request, deps) => {
  const group = routeName(request, 'group');
  const all = retryAllRequested(await readOptionalJsonBody(request));
  return jsonResponse(200, await retryFailuresNow(deps, group, all));
});

export const deprovisionSyncGroup = httpHandler(async (request, deps) => {
  await deprovisionGroup(deps, routeName(request, 'group'), booleanQuery(request, 'force'));
  return { status: 204 };
});

apiRoute('refreshSyncGroupSchema', 'POST', 'syncgroups/{group}/refresh-schema', refreshSyncGroupSchema);
apiRoute('reapplySyncGroupConflict', 'POST', 'syncgroups/{group}/conflicts/{conflictId}/reapply', reapplySyncGroupConflict);
apiRoute('retrySyncGroupFailures', 'POST', 'syncgroups/{group}/failures/retry', retrySyncGroupFailures);
apiRoute('deprovisionSyncGroup', 'POST', 'syncgroups/{group}/deprovision', deprovisionSyncGroup);
