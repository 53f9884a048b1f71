import assert from 'node:assert/strict';
import type {
  CheckpointKey,
  ConflictRecord,
  FailedRecord,
  GroupDefinition,
  Page,
  PageRequest,
  RunRecord,
  StateStore,
} from '../../src/engine/state-store.js';
import { isHubsyncError, type ErrorCode } from '../../src/errors.js';

/** What a state store's test file gives the conformance suite: a fresh, empty store each call. */
export type StateStoreFactory = () => Promise<{ readonly store: StateStore; dispose(): Promise<void> }>;

export async function withStore(factory: StateStoreFactory, work: (store: StateStore) => Promise<void>): Promise<void> {
  const { store, dispose } = await factory();
  try {
    await work(store);
  } finally {
    await store.close();
    await dispose();
  }
}

export const upload: CheckpointKey = { group: 'retail', member: 'store1', table: 'orders', direction: 'upload' };

/** Times that sort as they read: second `n` of one day. */
export function at(n: number): string {
  return new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
}

export function conflict(id: string, detectedAt: string, overrides: Partial<ConflictRecord> = {}): ConflictRecord {
  return {
    id,
    group: 'retail',
    table: 'orders',
    runId: 'run-1',
    member: 'store1',
    key: { id: 7 },
    kind: 'update/update',
    policy: 'hubWins',
    winner: 'hub',
    winning: { node: 'hub', operation: 'update', values: { id: 7, total: '12.50' }, changedAt: at(1) },
    losing: { node: 'store1', operation: 'update', values: { id: 7, total: '9.99' }, changedAt: at(0) },
    detectedAt,
    reappliedAt: null,
    ...overrides,
  };
}

export function failure(id: string, failedAt: string, overrides: Partial<FailedRecord> = {}): FailedRecord {
  return {
    id,
    group: 'retail',
    table: 'orders',
    runId: 'run-1',
    member: 'store1',
    direction: 'download',
    key: { id: 8 },
    operation: 'insert',
    values: { id: 8, total: 'abc' },
    error: 'value too long',
    failedAt,
    attempts: 1,
    lastError: 'value too long',
    lastAttemptAt: failedAt,
    nextAttemptAt: failedAt,
    status: 'pending',
    ...overrides,
  };
}

export function run(runId: string, startedAt: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    group: 'retail',
    runId,
    status: 'succeeded',
    startedAt,
    finishedAt: null,
    members: [{ name: 'store1', uploaded: 1, downloaded: 2, conflicts: 0, failed: 0 }],
    error: null,
    ...overrides,
  };
}

export function groupDefinition(name: string, intervalSeconds = 300): GroupDefinition {
  return {
    name,
    config: { name, hub: { name: 'hub', engine: 'postgres', connection: 'env:HUB' }, tables: ['orders'] },
    schedule: { intervalSeconds },
    updatedAt: at(intervalSeconds),
  };
}

/** Every page of a list, asking `limit` at a time; checks each page's size and where the token ends. */
export async function allPages<T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<T[][]> {
  const pages: T[][] = [];
  let continuationToken: string | null = null;
  do {
    const page: Page<T> = await list({ limit, continuationToken });
    assert.ok(page.items.length <= limit, `a page holds at most ${limit} items, got ${page.items.length}`);
    pages.push(page.items);
    continuationToken = page.continuationToken;
    assert.ok(pages.length < 10_000, 'the continuation tokens never end');
  } while (continuationToken !== null);
  return pages;
}

export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isHubsyncError(error), `expected a HubsyncError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}
