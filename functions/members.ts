import { deleteMember, putMember } from '../src/service/groups.js';
import { etagHeader, groupView } from '../src/service/group-view.js';
import { apiRoute, httpHandler } from '../src/service/http-handler.js';
import { jsonResponse } from '../src/service/http-responses.js';
import { deprovisionAndDeleteMember } from '../src/service/maintenance.js';
import { booleanQuery, readJsonBody, routeName } from '../src/service/request-input.js';

export const putSyncGroupMember = httpHandler(async (request, deps) => {
  const group = routeName(request, 'group');
  const member = routeName(request, 'member');
  const { stored, created } = await putMember(deps, group, member, await readJsonBody(request));
  return jsonResponse(created ? 201 : 200, groupView(stored), etagHeader(stored));
});

export const deleteSyncGroupMember = httpHandler(async (request, deps) => {
  const group = routeName(request, 'group');
  const member = routeName(request, 'member');
  if (booleanQuery(request, 'deprovision')) await deprovisionAndDeleteMember(deps, group, member, booleanQuery(request, 'force'));
  else await deleteMember(deps, group, member);
  return { status: 204 };
});

apiRoute('putSyncGroupMember', 'PUT', 'syncgroups/{group}/members/{member}', putSyncGroupMember);
apiRoute('deleteSyncGroupMember', 'DELETE', 'syncgroups/{group}/members/{member}', deleteSyncGroupMember);
