import { apiRoute, httpHandler } from '../src/service/http-handler.js';
import { jsonResponse } from '../src/service/http-responses.js';
import { deleteGroup, getGroup, listGroups, putGroup } from '../src/service/groups.js';
import { etagHeader, groupView, unquoteEtag } from '../src/service/group-view.js';
import { listBody, pageRequest, readJsonBody, routeName } from '../src/service/request-input.js';

export const listSyncGroups = httpHandler(async (request, deps) => {
  const page = await listGroups(deps, pageRequest(request));
  const value = page.items.map(({ stored, lastRun }) => groupView(stored, lastRun));
  return jsonResponse(200, listBody(request, value, page.continuationToken));
});

export const putSyncGroup = httpHandler(async (request, deps) => {
  const group = routeName(request, 'group');
  const body = await readJsonBody(request);
  const { stored, created } = await putGroup(deps, group, body, unquoteEtag(request.headers.get('if-match')));
  return jsonResponse(created ? 201 : 200, groupView(stored), etagHeader(stored));
});

export const getSyncGroup = httpHandler(async (request, deps) => {
  const { stored, lastRun } = await getGroup(deps, routeName(request, 'group'));
  return jsonResponse(200, groupView(stored, lastRun), etagHeader(stored));
});

export const deleteSyncGroup = httpHandler(async (request, deps) => {
  await deleteGroup(deps, routeName(request, 'group'));
  return { status: 204 };
});

apiRoute('listSyncGroups', 'GET', 'syncgroups', listSyncGroups);
apiRoute('putSyncGroup', 'PUT', 'syncgroups/{group}', putSyncGroup);
apiRoute('getSyncGroup', 'GET', 'syncgroups/{group}', getSyncGroup);
apiRoute('deleteSyncGroup', 'DELETE', 'syncgroups/{group}', deleteSyncGroup);
