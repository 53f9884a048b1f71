import type { HttpRequest } from '@azure/functions';
import { ErrorCode, HubsyncError } from '../src/errors.js';
import { apiRoute, httpHandler, type ServiceHandler } from '../src/service/http-handler.js';
import { routeName } from '../src/service/request-input.js';
import { requireGroup } from '../src/service/service-deps.js';

/**
 * Operations of the API that need the engine's step API (refresh-schema, reapply, retry,
 * deprovision). They are registered, validated and documented now so the API's shape is whole;
 * until they are built they answer 501 after checking the names, changing nothing.
 */
function notYetImplemented(operation: string, names: readonly string[]): ServiceHandler {
  return async (request: HttpRequest, deps) => {
    const [group = ''] = names.map((name) => routeName(request, name));
    await requireGroup(deps.store, group);
    throw new HubsyncError(ErrorCode.NotImplemented, `${operation} is not available in the service yet; the CLI has it`);
  };
}

export const refreshSyncGroupSchema = httpHandler(notYetImplemented('refresh-schema', ['group']));
export const reapplySyncGroupConflict = httpHandler(notYetImplemented('conflict reapply', ['group', 'conflictId']));
export const retrySyncGroupFailures = httpHandler(notYetImplemented('failures retry', ['group']));
export const deprovisionSyncGroup = httpHandler(notYetImplemented('deprovision', ['group']));

apiRoute('refreshSyncGroupSchema', 'POST', 'syncgroups/{group}/refresh-schema', refreshSyncGroupSchema);
apiRoute('reapplySyncGroupConflict', 'POST', 'syncgroups/{group}/conflicts/{conflictId}/reapply', reapplySyncGroupConflict);
apiRoute('retrySyncGroupFailures', 'POST', 'syncgroups/{group}/failures/retry', retrySyncGroupFailures);
apiRoute('deprovisionSyncGroup', 'POST', 'syncgroups/{group}/deprovision', deprovisionSyncGroup);
