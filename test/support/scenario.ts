import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineContext } from '../../src/engine/engine-context.js';
import type { ConflictPolicy, Direction, SyncGroup, TableSelection } from '../../src/engine/group.js';
import type { Provider } from '../../src/engine/provider.js';
import { liveRows } from '../../src/engine/table-digest.js';
import { sameTable } from '../../src/engine/table-name.js';
import { toJsonValue } from '../../src/engine/values.js';
import type { StateStore } from '../../src/engine/state-store.js';
import { syncGroup, type RunResult } from '../../src/engine/sync-group.js';
import type { TableSchema } from '../../src/engine/types.js';
import { postgresLocation } from '../../src/providers/postgres/postgres-connection-string.js';
import { openPostgresProvider } from '../../src/providers/postgres/postgres-provider.js';
import { sqliteLocation } from '../../src/providers/sqlite/sqlite-location.js';
import { openSqliteProvider } from '../../src/providers/sqlite/sqlite-provider.js';
import { openEmbeddedStateStore } from '../../src/state/embedded-state-store.js';
import type { ProviderHarness, TestDatabase } from './harness.js';

export interface MemberSpec {
  readonly name: string;
  readonly harness: ProviderHarness;
  readonly direction: Direction;
}

export interface ScenarioSpec {
  readonly hub: ProviderHarness;
  readonly members: readonly MemberSpec[];
  /** Created in the hub before the group exists; members get them from provisioning. */
  readonly tables: readonly TableSchema[];
  readonly selections?: readonly TableSelection[];
  readonly conflictPolicy?: ConflictPolicy;
  readonly batchSize?: number;
  readonly retryCount?: number;
  readonly retryIntervalSeconds?: number;
}

/** A sync group over real, fresh databases, with a real embedded state file. */
export interface Scenario {
  readonly group: SyncGroup;
  readonly hub: TestDatabase;
  readonly members: ReadonlyMap<string, TestDatabase>;
  readonly state: StateStore;
  readonly context: EngineContext;
  member(name: string): TestDatabase;
  /** Replace the context pieces a test wants to break (a failing store, a crashing provider). */
  withContext(overrides: Partial<EngineContext>): EngineContext;
  sync(context?: EngineContext): Promise<RunResult>;
  /**
   * The live rows of a table in canonical form (read through the provider, so values from
   * different engines compare exactly), one JSON array per row, ordered by primary key.
   */
  snapshot(database: TestDatabase, table: TableSchema): Promise<string[]>;
  dispose(): Promise<void>;
}

export async function createScenario(spec: ScenarioSpec): Promise<Scenario> {
  const folder = await mkdtemp(join(tmpdir(), 'hubsync-scenario-'));
  const hub = await spec.hub.createDatabase();
  const members = new Map<string, TestDatabase>();
  for (const member of spec.members) members.set(member.name, await member.harness.createDatabase());
  const hubProvider = await hub.open();
  try {
    for (const table of spec.tables) await hubProvider.createTable(table);
  } finally {
    await hubProvider.close();
  }
  const state = await openEmbeddedStateStore(join(folder, 'state.db'));
  const databases = new Map<string, TestDatabase>([[hub.connection, hub]]);
  for (const database of members.values()) databases.set(database.connection, database);

  const group: SyncGroup = {
    name: 'scenario',
    hub: { name: 'hub', provider: spec.hub.engine, connection: hub.connection },
    members: spec.members.map((member) => ({
      name: member.name,
      provider: member.harness.engine,
      connection: members.get(member.name)?.connection ?? '',
      direction: member.direction,
    })),
    conflictPolicy: spec.conflictPolicy ?? 'hubWins',
    tables: spec.selections ?? spec.tables.map((table) => ({ ...(table.schema === undefined ? {} : { schema: table.schema }), name: table.name })),
    batchSize: spec.batchSize ?? 500,
    retryCount: spec.retryCount ?? 12,
    // Retried by the next run: tests do not wait for an interval.
    retryIntervalSeconds: spec.retryIntervalSeconds ?? 0,
  };
  const context: EngineContext = {
    state,
    openProvider: async (node, options): Promise<Provider> => {
      const database = databases.get(node.connection);
      if (database) return database.open();
      // A node the scenario did not create (an unreachable one, say) is opened like the CLI would.
      return node.provider === 'postgres'
        ? openPostgresProvider(node.connection)
        : openSqliteProvider(node.connection, options);
    },
    locateDatabase: async (node) =>
      node.provider === 'postgres' ? postgresLocation(node.connection) : sqliteLocation(node.connection),
  };

  return {
    group,
    hub,
    members,
    state,
    context,
    member(name) {
      const database = members.get(name);
      if (!database) throw new Error(`no member ${name}`);
      return database;
    },
    withContext: (overrides) => ({ ...context, ...overrides }),
    sync: (override) => syncGroup(group, override ?? context),
    snapshot: async (database, table) => snapshot(database, await asPlanned(hub, table)),
    async dispose() {
      await state.close();
      await Promise.allSettled([hub.dispose(), ...[...members.values()].map((database) => database.dispose())]);
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/**
 * The table with the column types the engine syncs it with: the hub's catalogue's, which can be
 * wider than those the table was created with (a SQLite hub reads every integer as 64-bit).
 */
async function asPlanned(hub: TestDatabase, table: TableSchema): Promise<TableSchema> {
  const provider = await hub.open();
  try {
    const found = (await provider.introspect()).find((info) => sameTable(info, table));
    const columns = table.columns.map((column) => {
      const type = found?.columns.find((info) => info.name === column.name)?.type;
      return type ? { ...column, type } : column;
    });
    return { ...table, columns };
  } finally {
    await provider.close();
  }
}

async function snapshot(database: TestDatabase, table: TableSchema): Promise<string[]> {
  const provider = await database.open();
  try {
    const rows: string[] = [];
    for await (const values of liveRows(provider, table)) rows.push(JSON.stringify(values.map(toJsonValue)));
    return rows.sort();
  } finally {
    await provider.close();
  }
}
