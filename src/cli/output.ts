import { isHubsyncError } from '../errors.js';

/** What commands print: data on stdout, diagnostics on stderr (the progress bar draws itself, see progress.ts). */

/** The whole stdout of a --json command: one JSON object on one line. */
export function printJson(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * One `hubsync: ...` line on stderr, never a stack; a multi-line message is folded so scripts can
 * grep it, and hubsync's own errors end with their code (HS_...) so users can look it up.
 */
export function printError(error: unknown): void {
  const message = error instanceof Error ? error.message || error.name : String(error);
  const code = isHubsyncError(error) ? ` [${error.code}]` : '';
  process.stderr.write(`hubsync: ${message.replace(/\s*\n\s*/g, ' ')}${code}\n`);
}

/** A note that does not change the outcome, on stderr so --json stdout stays one object. */
export function printWarning(message: string): void {
  process.stderr.write(`hubsync: warning: ${message}\n`);
}

/** Left-aligned columns under upper-case headers, two spaces apart, no trailing blanks. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers.map((header) => header.toUpperCase())), ...rows.map(line)];
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
