import assert from 'node:assert/strict';
import { TableClient, TableServiceClient } from '@azure/data-tables';

/**
 * Invariant 10 as a user would check it: reads every entity of every table in the storage
 * account and every log line, and fails naming the table when any holds one of the secrets.
 * Returns how many entities were read, so a test can tell an empty scan from a clean one.
 */
export async function assertNoSecretStored(connectionString: string, logLines: readonly string[], secrets: readonly string[]): Promise<number> {
  const service = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  let entities = 0;
  for await (const table of service.listTables()) {
    const client = TableClient.fromConnectionString(connectionString, table.name ?? '', { allowInsecureConnection: true });
    for await (const entity of client.listEntities()) {
      entities += 1;
      const text = JSON.stringify(entity);
      for (const secret of secrets) assert.ok(!text.includes(secret), `a secret in table ${table.name}`);
    }
  }
  for (const secret of secrets) assert.ok(!logLines.some((line) => line.includes(secret)), 'a secret in a log line');
  return entities;
}
