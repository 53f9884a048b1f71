import { etagHeader, groupView } from '../src/service/group-view.js';
import { putSchema } from '../src/service/groups.js';
import { apiRoute, httpHandler } from '../src/service/http-handler.js';
import { jsonResponse } from '../src/service/http-responses.js';
import { readJsonBody, routeName } from '../src/service/request-input.js';

export const putSyncGroupSchema = httpHandler(async (request, deps) => {
  const stored = await putSchema(deps, routeName(request, 'group'), await readJsonBody(request));
  return jsonResponse(200, groupView(stored), etagHeader(stored));
});

apiRoute('putSyncGroupSchema', 'PUT', 'syncgroups/{group}/schema', putSyncGroupSchema);
