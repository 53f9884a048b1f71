import { benchTable, populatePostgres } from './bench-table.js';
import { benchGroup, postgresNode, provisionHub } from './hubsync-run.js';
import { timed } from './measure.js';
import type { PostgresServer } from './postgres-admin.js';

/** How much each case moves: the sizes, or a scaled-down set for `--quick`. */
export interface Sizes {
  readonly initialRows: number;
  readonly incrementalRows: number;
  readonly triggerRows: number;
  readonly rowsPerStatement: number;
  readonly memorySmallRows: number;
  readonly memoryLargeRows: number;
  readonly sqliteRows: number;
  readonly idleTables: number;
  readonly idleMembers: number;
  readonly idleRowsPerTable: number;
  /** The fan-out case's group, and the smaller count it is compared with in each dimension. */
  readonly fanOutTables: number;
  readonly fanOutMembers: number;
  readonly fanOutBase: number;
  readonly repetitions: number;
  /** The nothing-to-do run is short, so it is repeated more. */
  readonly idleRepetitions: number;
  /** How long the export case trickles 3,000 changes an hour at the source. */
  readonly exportTrickleSeconds: number;
  /** The export case's burst: rows changed by one statement. */
  readonly exportBurstRows: number;
}

export const fullSizes: Sizes = {
  initialRows: 1_000_000,
  incrementalRows: 200_000,
  triggerRows: 200_000,
  rowsPerStatement: 1_000,
  memorySmallRows: 100_000,
  memoryLargeRows: 1_000_000,
  sqliteRows: 1_000_000,
  idleTables: 10,
  idleMembers: 3,
  idleRowsPerTable: 1_000,
  fanOutTables: 100,
  fanOutMembers: 50,
  fanOutBase: 10,
  repetitions: 3,
  idleRepetitions: 7,
  exportTrickleSeconds: 120,
  exportBurstRows: 200_000,
};

export const quickSizes: Sizes = {
  initialRows: 20_000,
  incrementalRows: 20_000,
  triggerRows: 10_000,
  rowsPerStatement: 1_000,
  memorySmallRows: 2_000,
  memoryLargeRows: 20_000,
  sqliteRows: 20_000,
  idleTables: 10,
  idleMembers: 3,
  idleRowsPerTable: 100,
  fanOutTables: 20,
  fanOutMembers: 10,
  fanOutBase: 5,
  repetitions: 1,
  idleRepetitions: 3,
  exportTrickleSeconds: 15,
  exportBurstRows: 20_000,
};

export interface HubFixture {
  readonly database: string;
  readonly url: string;
  readonly rows: number;
  readonly populateMs: number;
  /** Provisioning the hub's tracking, back-fill of every existing row included. */
  readonly provisionMs: number;
}

/** What every case gets: the server, sizes, options, a scratch folder and shared fixtures. */
export class BenchEnv {
  private readonly hubs = new Map<number, Promise<HubFixture>>();

  constructor(
    readonly server: PostgresServer,
    readonly sizes: Sizes,
    readonly batchSize: number,
    /** Scratch folder: state files and SQLite databases; removed at the end. */
    readonly folder: string,
    /** Where the compiled bench lives, to start child processes. */
    readonly benchDirectory: string,
    readonly log: (line: string) => void,
  ) {}

  /** A PostgreSQL hub holding `rows` rows of bench_rows, provisioned; made once and shared by cases (they only read it). */
  pgHub(rows: number): Promise<HubFixture> {
    let hub = this.hubs.get(rows);
    if (hub === undefined) {
      hub = this.makeHub(rows);
      this.hubs.set(rows, hub);
    }
    return hub;
  }

  private async makeHub(rows: number): Promise<HubFixture> {
    this.log(`  preparing a hub with ${rows.toLocaleString('en-US')} rows (populate + provision, not timed as sync)`);
    const database = await this.server.createDatabase(`hub_${rows}`);
    const url = this.server.urlOf(database);
    const populate = await timed(() => this.server.withClient(database, (client) => populatePostgres(client, rows)));
    const group = benchGroup({ name: `hub${rows}`, hub: postgresNode('hub', url), members: [], tables: [benchTable], batchSize: this.batchSize });
    const provisionMs = await provisionHub(group, this.folder);
    // A real hub's tables, its tracking table included, have long been vacuumed by autovacuum.
    await this.server.withClient(database, (client) => client.query('VACUUM ANALYZE'));
    this.log(`  hub ready: populate ${Math.round(populate.ms)} ms, provision ${Math.round(provisionMs)} ms`);
    return { database, url, rows, populateMs: populate.ms, provisionMs };
  }
}
