import assert from 'node:assert/strict';
import { test } from 'node:test';
import { triggerOf } from '../support/functions-core-stub.js';
import { httpRoutes, loadRegisteredApp } from '../support/registered-app.js';

/** Every HTTP operation of issues 8 and 11: [function, method, route under /api]. */
const expectedHttp: readonly (readonly [string, string, string])[] = [
  ['listSyncGroups', 'GET', 'syncgroups'],
  ['putSyncGroup', 'PUT', 'syncgroups/{group}'],
  ['getSyncGroup', 'GET', 'syncgroups/{group}'],
  ['deleteSyncGroup', 'DELETE', 'syncgroups/{group}'],
  ['putSyncGroupMember', 'PUT', 'syncgroups/{group}/members/{member}'],
  ['deleteSyncGroupMember', 'DELETE', 'syncgroups/{group}/members/{member}'],
  ['refreshSyncGroupSchema', 'POST', 'syncgroups/{group}/refresh-schema'],
  ['putSyncGroupSchema', 'PUT', 'syncgroups/{group}/schema'],
  ['startSyncGroupRun', 'POST', 'syncgroups/{group}/sync'],
  ['listSyncGroupRuns', 'GET', 'syncgroups/{group}/runs'],
  ['getSyncGroupRun', 'GET', 'syncgroups/{group}/runs/{runId}'],
  ['cancelSyncGroupRun', 'POST', 'syncgroups/{group}/runs/{runId}/cancel'],
  ['listSyncGroupConflicts', 'GET', 'syncgroups/{group}/conflicts'],
  ['reapplySyncGroupConflict', 'POST', 'syncgroups/{group}/conflicts/{conflictId}/reapply'],
  ['listSyncGroupFailures', 'GET', 'syncgroups/{group}/failures'],
  ['retrySyncGroupFailures', 'POST', 'syncgroups/{group}/failures/retry'],
  ['deprovisionSyncGroup', 'POST', 'syncgroups/{group}/deprovision'],
  ['getOpenApiDocument', 'GET', 'openapi.json'],
  ['listExportProfiles', 'GET', 'exportprofiles'],
  ['putExportProfile', 'PUT', 'exportprofiles/{profile}'],
  ['getExportProfile', 'GET', 'exportprofiles/{profile}'],
  ['deleteExportProfile', 'DELETE', 'exportprofiles/{profile}'],
  ['activateExportProfile', 'POST', 'exportprofiles/{profile}/activate'],
  ['deactivateExportProfile', 'POST', 'exportprofiles/{profile}/deactivate'],
  ['runExportProfile', 'POST', 'exportprofiles/{profile}/run'],
  ['resyncExportProfile', 'POST', 'exportprofiles/{profile}/resync'],
  ['getExportProfileStatus', 'GET', 'exportprofiles/{profile}/status'],
  ['listExportProfileFailures', 'GET', 'exportprofiles/{profile}/failures'],
];

test('the built app loads through package.json main and registers every HTTP operation with function keys', async () => {
  const { core, files } = await loadRegisteredApp();
  assert.ok(files.every((file) => /^dist\/(functions|orchestrations)\//.test(file)), files.join(', '));
  const routes = httpRoutes(core)
    .map(({ name, method, route, authLevel }) => [name, method, route, authLevel])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const expected = expectedHttp
    .map(([name, method, route]) => [name, method, route, 'function'])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  assert.deepEqual(routes, expected);
});

test('every HTTP function that touches runs or groups has the durable client binding', async () => {
  const { core } = await loadRegisteredApp();
  for (const registered of core.functions) {
    const trigger = triggerOf(registered);
    if (trigger.type !== 'httpTrigger' || registered.name === 'getOpenApiDocument') continue;
    const inputs = Object.values(registered.bindings).filter((binding) => binding !== trigger && binding.direction === 'in');
    assert.deepEqual(inputs.map((binding) => binding.type), ['durableClient'], registered.name);
  }
});

test('the scheduler is one timer on the HUBSYNC_SCHEDULER setting, and the app closes its resources on terminate', async () => {
  const { core } = await loadRegisteredApp();
  const timers = core.functions.filter((registered) => triggerOf(registered).type === 'timerTrigger');
  assert.deepEqual(
    timers.map((registered) => [registered.name, triggerOf(registered).schedule]),
    [['scheduler', '%HUBSYNC_SCHEDULER%']],
  );
  assert.ok(Object.values(timers[0]?.bindings ?? {}).some((binding) => binding.type === 'durableClient'));
  assert.deepEqual(core.hooks.map((hook) => hook.name), ['appTerminate']);
});

test('the orchestrations and their activities are registered: the run, its member transfers, one activity per step; the export run and its step', async () => {
  const { core } = await loadRegisteredApp();
  const durable = core.functions
    .filter((registered) => !['httpTrigger', 'timerTrigger'].includes(triggerOf(registered).type))
    .map((registered) => `${registered.name}:${triggerOf(registered).type}`)
    .sort();
  assert.deepEqual(durable, [
    'exportProfileRun:orchestrationTrigger',
    'exportStep:activityTrigger',
    'finishRun:activityTrigger',
    'memberTransfer:orchestrationTrigger',
    'prepareRun:activityTrigger',
    'readWatermark:activityTrigger',
    'recordHubSeen:activityTrigger',
    'retryFailures:activityTrigger',
    'startRun:activityTrigger',
    'syncGroupRun:orchestrationTrigger',
    'transferStep:activityTrigger',
  ]);
});
