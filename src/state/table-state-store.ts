import type { TokenCredential } from '@azure/core-auth';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { Cursor } from '../engine/provider.js';
import type {
  CheckpointEntry,
  CheckpointKey,
  ConflictRecord,
  FailedRecord,
  GroupDefinition,
  Page,
  PageRequest,
  RunRecord,
  StateStore,
  StoredGroup,
} from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { TableCheckpoints } from './table-checkpoints.js';
import { descendingTime, escapeKey } from './table-keys.js';
import { TableRecords, type Revised } from './table-records.js';
import { TableDefinitions } from './table-definitions.js';
import { tablesOnFirstUse } from './tables-on-first-use.js';

/**
 * A connection string (keys stay in the secret store and arrive through it), or an endpoint and
 * an identity, as the service uses with `HUBSYNC_STATE_CONNECTION__tableServiceUri`.
 */
export type TableStateConnection = string | { readonly endpoint: string; readonly credential: TokenCredential };

export interface TableStateStoreOptions {
  readonly connection: TableStateConnection;
  /** Letters and digits starting with a letter; the tables are `<prefix>Checkpoints` and so on. */
  readonly tablePrefix?: string;
}

type TableName = 'Checkpoints' | 'Conflicts' | 'Failures' | 'Runs' | 'Groups';

/** Conflicts of one batch written at once: enough to overlap round trips, few enough to share connections. */
const parallelWrites = 16;

/** Groups share one partition: there are few, and they are listed together. */
const groupsPartition = 'groups';

/** The service's state store: Azure Table storage, its tables created on first use. */
export function createTableStateStore(options: TableStateStoreOptions): StateStore {
  const prefix = options.tablePrefix ?? 'hubsync';
  if (!/^[A-Za-z][A-Za-z0-9]{0,50}$/.test(prefix)) {
    throw new HubsyncError(ErrorCode.ConfigInvalid, `table prefix "${prefix}" must be letters and digits, starting with a letter`);
  }
  const client = (name: TableName): TableClient => tableClient(options.connection, `${prefix}${name}`);
  return new TableStateStore({
    Checkpoints: client('Checkpoints'),
    Conflicts: client('Conflicts'),
    Failures: client('Failures'),
    Runs: client('Runs'),
    Groups: client('Groups'),
  });
}

export function tableClient(connection: TableStateConnection, table: string): TableClient {
  const endpoint = typeof connection === 'string' ? /TableEndpoint=([^;]+)/i.exec(connection)?.[1] : connection.endpoint;
  // Plain HTTP only to this machine (the storage emulator); anything else needs TLS for its keys.
  const clientOptions: TableServiceClientOptions = { allowInsecureConnection: endpoint !== undefined && isLoopbackHttp(endpoint) };
  return typeof connection === 'string'
    ? TableClient.fromConnectionString(connection, table, clientOptions)
    : new TableClient(connection.endpoint, table, connection.credential, clientOptions);
}

function isLoopbackHttp(endpoint: string): boolean {
  const url = URL.canParse(endpoint) ? new URL(endpoint) : null;
  return url?.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

class TableStateStore implements StateStore {
  private readonly checkpoints: TableCheckpoints;
  private readonly conflicts: TableRecords<ConflictRecord>;
  private readonly failures: TableRecords<FailedRecord>;
  private readonly runs: TableRecords<RunRecord>;
  private readonly groups: TableDefinitions<GroupDefinition>;

  constructor(clients: Readonly<Record<TableName, TableClient>>) {
    const ready = tablesOnFirstUse(Object.values(clients));
    this.checkpoints = new TableCheckpoints(clients.Checkpoints, ready);
    this.conflicts = new TableRecords(clients.Conflicts, { timeKey: (c) => escapeKey(c.detectedAt), descending: false }, ready);
    this.failures = new TableRecords(clients.Failures, { timeKey: (f) => escapeKey(f.failedAt), descending: false }, ready);
    this.runs = new TableRecords(clients.Runs, { timeKey: (r) => descendingTime(r.startedAt), descending: true }, ready);
    this.groups = new TableDefinitions(clients.Groups, ready, groupsPartition, 'group');
  }

  getCheckpoint(key: CheckpointKey): Promise<Cursor | null> {
    return this.checkpoints.get(key);
  }

  compareAndSetCheckpoint(key: CheckpointKey, expected: Cursor | null, next: Cursor): Promise<boolean> {
    return this.checkpoints.compareAndSet(key, expected, next);
  }

  listCheckpoints(group: string): Promise<CheckpointEntry[]> {
    return this.checkpoints.list(group);
  }

  resetCheckpoints(group: string, only?: { readonly member?: string; readonly table?: string }): Promise<void> {
    return this.checkpoints.reset(group, only);
  }

  async recordConflicts(conflicts: readonly ConflictRecord[]): Promise<void> {
    // Each conflict is its own compare-and-set, so a replayed batch keeps a re-apply made meanwhile.
    for (let start = 0; start < conflicts.length; start += parallelWrites) {
      await Promise.all(
        conflicts.slice(start, start + parallelWrites).map((conflict) =>
          this.conflicts.write(escapeKey(conflict.group), conflict.id, (stored) =>
            stored?.value.reappliedAt ? { ...conflict, reappliedAt: stored.value.reappliedAt } : conflict,
          ),
        ),
      );
    }
  }

  async listConflicts(group: string, page?: PageRequest): Promise<Page<ConflictRecord>> {
    return values(await this.conflicts.list(escapeKey(group), page));
  }

  async getConflict(group: string, id: string): Promise<ConflictRecord | null> {
    return (await this.conflicts.get(escapeKey(group), id))?.value ?? null;
  }

  async markConflictReapplied(group: string, id: string, at: string): Promise<void> {
    await this.conflicts.write(escapeKey(group), id, (stored) => {
      if (stored === null) throw new HubsyncError(ErrorCode.NotFound, `no conflict with id "${id}" in group "${group}"`);
      return { ...stored.value, reappliedAt: at };
    });
  }

  async recordFailure(failure: FailedRecord, update?: (stored: FailedRecord) => FailedRecord): Promise<void> {
    // write() re-runs the decision when another writer got in first: no attempt is lost.
    await this.failures.write(escapeKey(failure.group), failure.id, (stored) =>
      stored === null || update === undefined ? failure : update(stored.value),
    );
  }

  async getFailure(group: string, id: string): Promise<FailedRecord | null> {
    return (await this.failures.get(escapeKey(group), id))?.value ?? null;
  }

  clearFailure(group: string, id: string): Promise<boolean> {
    return this.failures.delete(escapeKey(group), id);
  }

  async listFailures(group: string, page?: PageRequest): Promise<Page<FailedRecord>> {
    return values(await this.failures.list(escapeKey(group), page));
  }

  async saveRun(run: RunRecord): Promise<void> {
    await this.runs.write(escapeKey(run.group), run.runId, () => run);
  }

  async getRun(group: string, runId: string): Promise<RunRecord | null> {
    return (await this.runs.get(escapeKey(group), runId))?.value ?? null;
  }

  async listRuns(group: string, page?: PageRequest): Promise<Page<RunRecord>> {
    return values(await this.runs.list(escapeKey(group), page));
  }

  putGroup(definition: GroupDefinition, ifMatch?: string | null): Promise<StoredGroup> {
    return this.groups.put(definition, ifMatch);
  }

  getGroup(name: string): Promise<StoredGroup | null> {
    return this.groups.get(name);
  }

  listGroups(page?: PageRequest): Promise<Page<StoredGroup>> {
    return this.groups.list(page);
  }

  deleteGroup(name: string): Promise<boolean> {
    return this.groups.delete(name);
  }

  async close(): Promise<void> {
    // Nothing held open: each call is its own HTTP request.
  }
}

function values<T>(page: Page<Revised<T>>): Page<T> {
  return { items: page.items.map((item) => item.value), continuationToken: page.continuationToken };
}
