import type { ChangedTablesRequest, Provider } from './provider.js';
import { tableId } from './table-name.js';

/**
 * Provider.changedTables for an engine without a one-statement form: a one-change read per
 * table, exactly what a transfer would read first.
 */
export async function changedTablesByReading(provider: Pick<Provider, 'readChanges'>, request: ChangedTablesRequest): Promise<ReadonlySet<string>> {
  const changed = new Set<string>();
  for (const { table, after } of request.tables) {
    const changes = await provider.readChanges({ table, after, before: request.before, excludeScope: request.excludeScope, limit: 1 });
    if (changes.length > 0) changed.add(tableId(table));
  }
  return changed;
}
