import type { NodeDefinition } from './group.js';
import type { Provider } from './provider.js';
import type { StateStore, TransferDirection } from './state-store.js';

/** What the engine needs from its host (CLI, Functions): no Azure, no database driver. */
export interface EngineContext {
  /** Connect to a node. `create`: a database that can be created on demand (a SQLite file) may be. */
  openProvider(node: NodeDefinition, options: { create: boolean }): Promise<Provider>;
  /**
   * Where a node's database is, without connecting or creating anything: equal for two
   * references to the same database (PostgreSQL host, port and database; a SQLite file's real
   * path). It holds no secret, but messages name nodes, not locations.
   */
  locateDatabase(node: NodeDefinition): Promise<string>;
  readonly state: StateStore;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface ProgressEvent {
  readonly phase: TransferDirection;
  readonly member: string;
  readonly table: string;
  /** Changes moved by this batch. */
  readonly moved: number;
  /** Whether more batches follow for this member and table. */
  readonly more: boolean;
}
