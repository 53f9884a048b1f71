import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { ErrorCode, HubsyncError } from '../errors.js';
import { readPages } from '../state/read-pages.js';
import { descendingTime, escapeKey } from '../state/table-keys.js';
import { TableRecords, type Revised } from '../state/table-records.js';
import { TableDefinitions } from '../state/table-definitions.js';
import { tablesOnFirstUse } from '../state/tables-on-first-use.js';
import type { Page, PageRequest } from '../engine/state-store.js';
import type { ExportProfileStore, ProfileDefinition, StoredProfile } from './export-profile-store.js';
import { tableClient, type TableStateConnection } from '../state/table-state-store.js';
import type {
  ExportFailure,
  ExportRunRecord,
  ExportStateStore,
  ExportTableState,
  FailureFilter,
  LatencySample,
} from './export-state.js';

type TableName = 'ExportTables' | 'ExportFailures' | 'ExportRuns' | 'ExportLatency' | 'ExportProfiles';

/** Profiles share one partition, as sync groups do: there are few, and they are listed together. */
const profilesPartition = 'profiles';

/** The service's export state: what the engine keeps between runs, and the profile definitions. */
export type ServiceExportState = ExportStateStore & ExportProfileStore;

/** The latency samples of one table written at once (one batch): one record, not one entity per change. */
interface LatencyBatch {
  /** Its record id, kept so that pruning can delete it. */
  readonly id: string;
  readonly table: string;
  readonly at: string;
  readonly ms: readonly number[];
}

/**
 * The service's export state in Azure Table storage, a partition per profile, with the same
 * record layout as the sync state (src/state/table-records.ts): `<prefix>ExportTables`,
 * `ExportFailures`, `ExportRuns`, `ExportLatency` and `ExportProfiles`, created on first use.
 */
export function createTableExportState(options: { readonly connection: TableStateConnection; readonly tablePrefix?: string }): ServiceExportState {
  const prefix = options.tablePrefix ?? 'hubsync';
  if (!/^[A-Za-z][A-Za-z0-9]{0,50}$/.test(prefix)) {
    throw new HubsyncError(ErrorCode.ConfigInvalid, `table prefix "${prefix}" must be letters and digits, starting with a letter`);
  }
  const names: readonly TableName[] = ['ExportTables', 'ExportFailures', 'ExportRuns', 'ExportLatency', 'ExportProfiles'];
  const clients = Object.fromEntries(names.map((name) => [name, tableClient(options.connection, `${prefix}${name}`)])) as Record<TableName, TableClient>;
  return new TableExportState(clients);
}

class TableExportState implements ServiceExportState {
  private readonly tables: TableRecords<ExportTableState>;
  private readonly failures: TableRecords<ExportFailure>;
  private readonly runs: TableRecords<ExportRunRecord>;
  private readonly latency: TableRecords<LatencyBatch>;
  private readonly profiles: TableDefinitions<ProfileDefinition>;

  constructor(clients: Readonly<Record<TableName, TableClient>>) {
    const ready = tablesOnFirstUse(Object.values(clients));
    this.tables = new TableRecords(clients.ExportTables, { timeKey: (entry) => escapeKey(entry.table), descending: false }, ready);
    this.failures = new TableRecords(clients.ExportFailures, { timeKey: (failure) => escapeKey(failure.failedAt), descending: false }, ready);
    this.runs = new TableRecords(clients.ExportRuns, { timeKey: (run) => descendingTime(run.startedAt), descending: true }, ready);
    this.latency = new TableRecords(clients.ExportLatency, { timeKey: (batch) => escapeKey(batch.at), descending: false }, ready);
    this.profiles = new TableDefinitions(clients.ExportProfiles, ready, profilesPartition, 'export profile');
  }

  async listTables(profile: string): Promise<ExportTableState[]> {
    return this.all(this.tables, profile);
  }

  async saveTable(state: ExportTableState): Promise<void> {
    await this.tables.write(escapeKey(state.profile), state.table, () => state);
  }

  async saveFailure(failure: ExportFailure): Promise<void> {
    await this.failures.write(escapeKey(failure.profile), failure.id, () => failure);
  }

  async removeFailure(profile: string, id: string): Promise<void> {
    await this.failures.delete(escapeKey(profile), id);
  }

  async listFailures(profile: string, filter: FailureFilter = {}): Promise<ExportFailure[]> {
    const from = filter.from ?? '';
    const to = filter.to ?? '\uffff';
    return (await this.all(this.failures, profile)).filter(
      (failure) => failure.failedAt >= from && failure.failedAt < to && (filter.tables?.includes(failure.table) ?? true),
    );
  }

  async purgeFailures(profile: string, before: string): Promise<number> {
    const old = (await this.all(this.failures, profile)).filter((failure) => failure.failedAt < before);
    for (const failure of old) await this.failures.delete(escapeKey(profile), failure.id);
    return old.length;
  }

  async saveRun(run: ExportRunRecord): Promise<void> {
    await this.runs.write(escapeKey(run.profile), run.runId, () => run);
  }

  async listRuns(profile: string, limit: number): Promise<ExportRunRecord[]> {
    return (await readPages((page) => this.runs.list(escapeKey(profile), page), limit)).map((run) => run.value);
  }

  async addLatency(profile: string, samples: readonly LatencySample[]): Promise<void> {
    const byTable = new Map<string, LatencySample[]>();
    for (const sample of samples) byTable.set(sample.table, [...(byTable.get(sample.table) ?? []), sample]);
    for (const [table, ofTable] of byTable) {
      const at = ofTable.reduce((latest, sample) => (sample.at > latest ? sample.at : latest), '');
      const id = randomUUID();
      await this.latency.write(escapeKey(profile), id, () => ({ id, table, at, ms: ofTable.map((sample) => Math.round(sample.ms)) }));
    }
  }

  async listLatency(profile: string, table: string, since: string): Promise<number[]> {
    return (await this.all(this.latency, profile)).filter((batch) => batch.table === table && batch.at >= since).flatMap((batch) => [...batch.ms]);
  }

  async pruneLatency(profile: string, before: string): Promise<void> {
    const old = (await this.all(this.latency, profile)).filter((batch) => batch.at < before);
    for (const batch of old) await this.latency.delete(escapeKey(profile), batch.id);
  }

  putProfile(definition: ProfileDefinition, ifMatch?: string | null): Promise<StoredProfile> {
    return this.profiles.put(definition, ifMatch);
  }

  getProfile(name: string): Promise<StoredProfile | null> {
    return this.profiles.get(name);
  }

  listProfiles(page?: PageRequest): Promise<Page<StoredProfile>> {
    return this.profiles.list(page);
  }

  deleteProfile(name: string): Promise<boolean> {
    return this.profiles.delete(name);
  }

  async close(): Promise<void> {
    // Nothing held open: each call is its own HTTP request.
  }

  private async all<T>(records: TableRecords<T>, profile: string): Promise<T[]> {
    return (await readPages((page) => records.list(escapeKey(profile), page))).map((record) => record.value);
  }
}
