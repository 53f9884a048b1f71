import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readServiceSettings } from '../../src/service/settings.js';

const storage = 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0LWtleQ==;EndpointSuffix=core.windows.net';

test('defaults: state in AzureWebJobsStorage, every minute, 120-second activities, no vault', () => {
  assert.deepEqual(readServiceSettings({ AzureWebJobsStorage: storage }), {
    stateConnection: { kind: 'connectionString', connectionString: storage },
    keyVaultUrl: null,
    scheduler: '0 */1 * * * *',
    activityBudgetSeconds: 120,
  });
});

test('HUBSYNC_STATE_CONNECTION wins over AzureWebJobsStorage, in either form', () => {
  assert.deepEqual(readServiceSettings({ AzureWebJobsStorage: storage, HUBSYNC_STATE_CONNECTION__tableServiceUri: 'https://state.table.core.windows.net/' }).stateConnection, {
    kind: 'identity',
    tableServiceUri: 'https://state.table.core.windows.net/',
  });
  assert.equal(readServiceSettings({ AzureWebJobsStorage: storage, HUBSYNC_STATE_CONNECTION: 'UseDevelopmentStorage=true' }).stateConnection.kind, 'connectionString');
});

test('bad settings are HS_CONFIG_INVALID naming the setting, never echoing a connection string', () => {
  const cases: Record<string, string>[] = [
    {},
    { AzureWebJobsStorage: storage, HUBSYNC_SCHEDULER: 'every minute' },
    { AzureWebJobsStorage: storage, HUBSYNC_ACTIVITY_BUDGET_SECONDS: '5' },
    { AzureWebJobsStorage: storage, HUBSYNC_ACTIVITY_BUDGET_SECONDS: 'two minutes' },
    { AzureWebJobsStorage: storage, HUBSYNC_KEY_VAULT_URL: 'http://vault.example.net/' },
    { AzureWebJobsStorage: storage, HUBSYNC_STATE_CONNECTION__tableServiceUri: 'http://state.example.net/' },
  ];
  for (const settings of cases) {
    assert.throws(
      () => readServiceSettings(settings),
      (error: Error & { code?: string }) => error.code === 'HS_CONFIG_INVALID' && !error.message.includes('c2VjcmV0'),
      JSON.stringify(Object.keys(settings)),
    );
  }
  assert.equal(readServiceSettings({ AzureWebJobsStorage: storage, HUBSYNC_ACTIVITY_BUDGET_SECONDS: '300' }).activityBudgetSeconds, 300);
});
