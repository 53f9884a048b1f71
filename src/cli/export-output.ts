import type { ExportFailure } from '../export/export-state.js';
import type { ExportRunResult } from '../export/export-run.js';
import type { ExportStatus } from '../export/export-status.js';
import type { ExportPlan } from '../export/validate-export.js';
import { formatDuration, formatTable } from './output.js';

export function formatExportPlan(plan: ExportPlan): string[] {
  return [
    `export profile ${plan.profile} is valid`,
    ...plan.notes.map((note) => `note: ${note}`),
    ...plan.tables.flatMap((table) => [
      '',
      `table ${table.table} -> ${table.destination}  (primary key ${table.primaryKey.join(', ')})`,
      ...formatTable(['column', 'type'], table.columns.map((column) => [column.name, column.type])).map((line) => `  ${line}`),
    ]),
  ];
}

export function formatExportRun(result: ExportRunResult): string[] {
  const rows = result.tables.map((table) => [table.table, String(table.exported), String(table.failed), String(table.resolved), table.stopped ?? '']);
  return [
    `${result.kind} ${result.runId} of profile ${result.profile}: ${result.status} in ${formatDuration(result.durationMs)}`,
    ...formatTable(['table', 'exported', 'failed', 'resolved', 'stopped'], rows),
  ];
}

export function formatExportStatus(status: ExportStatus): string[] {
  const rows = status.tables.map((table) => [
    table.table,
    table.destination,
    String(table.rowsExported),
    String(table.failedRecords),
    String(table.retryingRecords),
    table.lastSuccessAt ?? '-',
    table.latency === null ? '-' : `${formatDuration(table.latency.p50Ms)} / ${formatDuration(table.latency.p95Ms)}`,
  ]);
  const stopped = status.tables.filter((table) => table.stoppedReason !== null).map((table) => `  ${table.table}: ${table.stoppedReason ?? ''}`);
  return [
    `profile ${status.profile}: last run ${status.lastRun === null ? 'never' : `${status.lastRun.status} at ${status.lastRun.startedAt}`}`,
    ...formatTable(['table', 'destination', 'rows exported', 'failed', 'retrying', 'last success', 'latency p50 / p95 (1 h)'], rows),
    ...(stopped.length > 0 ? ['', 'stopped:', ...stopped] : []),
  ];
}

export function formatFailures(failures: readonly ExportFailure[]): string[] {
  const rows = failures.map((failure) => [
    failure.failedAt,
    failure.table,
    JSON.stringify(failure.key),
    failure.operation,
    `${failure.status} (${failure.attempts})`,
    failure.error,
  ]);
  return formatTable(['failed at', 'table', 'key', 'change', 'status (tries)', 'reason'], rows);
}
