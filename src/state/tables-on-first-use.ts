import type { TableClient } from '@azure/data-tables';

/**
 * What a Table-storage store calls before each request: the first call creates every table, later
 * calls share that creation. A failure is not remembered, so the next call tries again.
 */
export function tablesOnFirstUse(clients: readonly TableClient[]): () => Promise<void> {
  let created: Promise<void> | undefined;
  return () => {
    created ??= Promise.all(clients.map((client) => client.createTable())).then(
      () => undefined,
      (error: unknown) => {
        created = undefined;
        throw error;
      },
    );
    return created;
  };
}
