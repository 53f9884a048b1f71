import type { ExportProfile } from './export-profile.js';
import type { ExportSource } from './export-source.js';
import type { ExportStateStore } from './export-state.js';
import type { ExportTarget } from './export-target.js';

/** Everything one export run works with; the host (CLI, service) opens and closes it. */
export interface ExportContext {
  readonly profile: ExportProfile;
  readonly source: ExportSource;
  readonly target: ExportTarget;
  readonly state: ExportStateStore;
  /**
   * Epoch milliseconds after which a run starts no new batch and no new table, and returns with
   * `more` (a serverless activity stays inside its time limit; the next call goes on). The first
   * batch always runs, so every call makes progress.
   */
  readonly deadline?: number;
  /** After each batch the destination committed: rows written, and whether more follow. */
  readonly onBatch?: (table: string, exported: number, more: boolean) => void;
}
