import type { BenchEnv } from './bench-env.js';
import { exportDeltaCase, exportDeltaGoal } from './export-delta-case.js';
import { fanOutCase } from './fan-out-case.js';
import { idleSyncCase, azureIdleSyncMs, idleSyncBudgetMs } from './idle-sync-case.js';
import { incrementalCase, incrementalGoal } from './incremental-case.js';
import { initialSyncCase, initialSyncGoal } from './initial-sync-case.js';
import { memoryCase, memoryGoal } from './memory-case.js';
import type { CaseResult } from './report.js';
import { sqliteCase, sqliteInitialSyncGoal } from './sqlite-case.js';
import { triggerOverheadCase, triggerOverheadGoal } from './trigger-overhead-case.js';

export interface BenchCase {
  /** What `--cases` takes. */
  readonly key: string;
  /** The result name(s), for a failed case's line. */
  readonly name: string;
  readonly title: string;
  readonly goal: number | null;
  readonly run: (env: BenchEnv) => Promise<CaseResult | CaseResult[]>;
}

/** The cases, in its order. */
export const benchCases: readonly BenchCase[] = [
  { key: 'initial', name: 'initial-sync', title: 'Initial sync vs COPY', goal: initialSyncGoal, run: initialSyncCase },
  { key: 'incremental', name: 'incremental-sync', title: 'Incremental sync vs logical replication', goal: incrementalGoal, run: incrementalCase },
  { key: 'triggers', name: 'trigger-overhead', title: 'Trigger overhead on writes', goal: triggerOverheadGoal, run: triggerOverheadCase },
  { key: 'idle', name: 'nothing-to-do', title: 'Sync run with nothing to do', goal: azureIdleSyncMs / idleSyncBudgetMs, run: idleSyncCase },
  { key: 'memory', name: 'memory', title: 'Peak memory of an initial sync', goal: memoryGoal, run: memoryCase },
  { key: 'sqlite', name: 'sqlite-initial-sync', title: 'SQLite initial sync vs insert loop', goal: sqliteInitialSyncGoal, run: sqliteCase },
  { key: 'export', name: 'export-delta', title: 'Export profile: trickle latency and burst', goal: exportDeltaGoal, run: exportDeltaCase },
  { key: 'fan-out', name: 'fan-out', title: 'One changed row, many tables and SQLite members', goal: null, run: fanOutCase },
];
