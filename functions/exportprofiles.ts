import type { HttpRequest } from '@azure/functions';
import { exportProfileStatus, listExportFailures, startExportRun } from '../src/service/export-runs.js';
import { parseResyncBody, timeQuery } from '../src/service/export-input.js';
import { deleteProfile, listProfiles, profileView, putProfile, setProfileActive } from '../src/service/export-profiles.js';
import { requireProfile } from '../src/service/export-engine.js';
import { apiRoute, exportHttpHandler } from '../src/service/http-handler.js';
import { jsonResponse } from '../src/service/http-responses.js';
import { booleanQuery, listBody, pageRequest, readJsonBody, routeName } from '../src/service/request-input.js';
import { runStartedResponse } from '../src/service/run-started.js';

const profileName = (request: HttpRequest): string => routeName(request, 'profile');

export const listExportProfiles = exportHttpHandler(async (request, deps) => {
  const page = await listProfiles(deps, pageRequest(request));
  return jsonResponse(200, listBody(request, page.items.map(profileView), page.continuationToken));
});

export const putExportProfile = exportHttpHandler(async (request, deps) => {
  const { stored, created } = await putProfile(deps, profileName(request), await readJsonBody(request));
  return jsonResponse(created ? 201 : 200, profileView(stored));
});

export const getExportProfile = exportHttpHandler(async (request, deps) => jsonResponse(200, profileView(await requireProfile(deps.exports, profileName(request)))));

/** `?deprovision=true` forgets the positions in the destination; `dropDestination`, `sourceTracking` as `hubsync export deprovision`. */
export const deleteExportProfile = exportHttpHandler(async (request, deps) => {
  const dropDestination = booleanQuery(request, 'dropDestination');
  const sourceTracking = booleanQuery(request, 'sourceTracking');
  const deprovision = booleanQuery(request, 'deprovision') || dropDestination || sourceTracking;
  await deleteProfile(deps, profileName(request), deprovision ? { dropDestination, sourceTracking } : null);
  return { status: 204 };
});

export const activateExportProfile = exportHttpHandler(async (request, deps) =>
  jsonResponse(200, profileView(await setProfileActive(deps, profileName(request), true))),
);

export const deactivateExportProfile = exportHttpHandler(async (request, deps) =>
  jsonResponse(200, profileView(await setProfileActive(deps, profileName(request), false))),
);

export const runExportProfile = exportHttpHandler(async (request, deps) =>
  runStartedResponse(request, deps, await startExportRun(deps, profileName(request), { mode: 'run', tables: null })),
);

export const resyncExportProfile = exportHttpHandler(async (request, deps) => {
  const name = profileName(request);
  const body = await readJsonBody(request);
  const { definition } = await requireProfile(deps.exports, name);
  return runStartedResponse(request, deps, await startExportRun(deps, name, parseResyncBody(definition.profile, body)));
});

export const getExportProfileStatus = exportHttpHandler(async (request, deps) => jsonResponse(200, await exportProfileStatus(deps, profileName(request))));

export const listExportProfileFailures = exportHttpHandler(async (request, deps) => {
  const from = timeQuery(request, 'from');
  const to = timeQuery(request, 'to');
  return jsonResponse(200, listBody(request, await listExportFailures(deps, profileName(request), from, to), null));
});

apiRoute('listExportProfiles', 'GET', 'exportprofiles', listExportProfiles);
apiRoute('putExportProfile', 'PUT', 'exportprofiles/{profile}', putExportProfile);
apiRoute('getExportProfile', 'GET', 'exportprofiles/{profile}', getExportProfile);
apiRoute('deleteExportProfile', 'DELETE', 'exportprofiles/{profile}', deleteExportProfile);
apiRoute('activateExportProfile', 'POST', 'exportprofiles/{profile}/activate', activateExportProfile);
apiRoute('deactivateExportProfile', 'POST', 'exportprofiles/{profile}/deactivate', deactivateExportProfile);
apiRoute('runExportProfile', 'POST', 'exportprofiles/{profile}/run', runExportProfile);
apiRoute('resyncExportProfile', 'POST', 'exportprofiles/{profile}/resync', resyncExportProfile);
apiRoute('getExportProfileStatus', 'GET', 'exportprofiles/{profile}/status', getExportProfileStatus);
apiRoute('listExportProfileFailures', 'GET', 'exportprofiles/{profile}/failures', listExportProfileFailures);
