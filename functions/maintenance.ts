import { apiRoute, httpHandler } from '../src/service/http-handler.js';
import { jsonResponse } from '../src/service/http-responses.js';
import { refreshHubSchema } from '../src/service/hub-schema.js';
import { deprovisionSyncGroup as deprovisionGroup, reapplyGroupConflict } from '../src/service/maintenance.js';
import { booleanQuery, routeName } from '../src/service/request-input.js';
import { startRun } from '../src/service/runs.js';
import { runStartedResponse } from '../src/service/run-started.js';

export const refreshSyncGroupSchema = httpHandler(async (request, deps) =>
  jsonResponse(200, await refreshHubSchema(deps, routeName(request, 'group'))),
);

export const reapplySyncGroupConflict = httpHandler(async (request, deps) =>
  jsonResponse(200, await reapplyGroupConflict(deps, routeName(request, 'group'), routeName(request, 'conflictId'))),
);

/**
 * Re-sending failed records on their own is not built in the engine yet: this starts a sync run
 * (202, as POST /sync), which delivers a failed row again only once it changes at its source.
 */
export const retrySyncGroupFailures = httpHandler(async (request, deps) => {
  const started = await startRun(deps, routeName(request, 'group'));
  return runStartedResponse(request, deps, started, {
    message: 'started a sync run; re-sending failed records by themselves is not available yet, a failed row is sent again when it changes',
  });
});

export const deprovisionSyncGroup = httpHandler(async (request, deps) => {
  await deprovisionGroup(deps, routeName(request, 'group'), booleanQuery(request, 'force'));
  return { status: 204 };
});

apiRoute('refreshSyncGroupSchema', 'POST', 'syncgroups/{group}/refresh-schema', refreshSyncGroupSchema);
apiRoute('reapplySyncGroupConflict', 'POST', 'syncgroups/{group}/conflicts/{conflictId}/reapply', reapplySyncGroupConflict);
apiRoute('retrySyncGroupFailures', 'POST', 'syncgroups/{group}/failures/retry', retrySyncGroupFailures);
apiRoute('deprovisionSyncGroup', 'POST', 'syncgroups/{group}/deprovision', deprovisionSyncGroup);
