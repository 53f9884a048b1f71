import { createHash } from 'node:crypto';
import { streamStart } from './cursor.js';
import type { Cursor, Provider } from './provider.js';
import type { SyncValue, TableSchema } from './types.js';
import { keyValues, toJsonValue } from './values.js';

/** Every live row of a tracked table in canonical form, read page by page so memory stays flat. */
export async function* liveRows(
  provider: Provider,
  table: TableSchema,
  pageSize = 5000,
): AsyncGenerator<readonly SyncValue[]> {
  const before = (await provider.watermark()).stamp;
  let after: Cursor = streamStart;
  for (;;) {
    const changes = await provider.readChanges({ table, after, before, excludeScope: '', limit: pageSize });
    for (const change of changes) {
      if (change.operation !== 'delete') yield change.values;
    }
    const last = changes[changes.length - 1];
    if (!last || changes.length < pageSize) return;
    after = { stamp: last.stamp, key: keyValues(table, last.values) };
  }
}

export interface TableDigest {
  readonly rows: number;
  /** Independent of row order, so two databases that store rows differently still compare. */
  readonly digest: string;
}

export async function digestTable(provider: Provider, table: TableSchema): Promise<TableDigest> {
  let rows = 0;
  let sum = 0n;
  for await (const values of liveRows(provider, table)) {
    rows += 1;
    const hash = createHash('sha256').update(JSON.stringify(values.map(toJsonValue))).digest();
    sum = (sum + hash.readBigUInt64BE(0)) & 0xffffffffffffffffn;
  }
  return { rows, digest: sum.toString(16).padStart(16, '0') };
}
