import type { NodeDefinition } from './group.js';
import type { Provider } from './provider.js';
import type { StateStore, TransferDirection } from './state-store.js';

/** What the engine needs from its host (CLI, Functions): no Azure, no database driver. */
export interface EngineContext {
  /** Connect to a node. `create`: a database that can be created on demand (a SQLite file) may be. */
  openProvider(node: NodeDefinition, options: { create: boolean }): Promise<Provider>;
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
