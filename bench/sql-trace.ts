import pg from 'pg';
import { now } from './measure.js';

/**
 * Diagnostic for `--profile`: wall time spent waiting on PostgreSQL per kind of statement, by
 * wrapping pg.Client#query in this process. A CPU profile shows only the Node side; this shows
 * where the database's side of a sync run goes (statements of the same shape are grouped).
 */
export interface SqlTraceEntry {
  readonly statement: string;
  readonly calls: number;
  readonly totalMs: number;
}

const totals = new Map<string, { calls: number; totalMs: number }>();

function shapeOf(query: unknown): string {
  const text =
    typeof query === 'string'
      ? query
      : typeof query === 'object' && query !== null && 'text' in query && typeof query.text === 'string'
        ? query.text
        : '(unknown)';
  return text
    .replace(/\s+/g, ' ')
    .replace(/"[^"]*"/g, '"…"')
    .trim()
    .slice(0, 90);
}

function record(shape: string, start: number): void {
  const entry = totals.get(shape) ?? { calls: 0, totalMs: 0 };
  entry.calls += 1;
  entry.totalMs += now() - start;
  totals.set(shape, entry);
}

export function traceSql(): void {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function tracedQuery(this: unknown, ...args: unknown[]): unknown {
    const shape = shapeOf(args[0]);
    const start = now();
    // pg.Pool#query passes a callback and gets no promise back.
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (...callbackArgs: unknown[]): unknown => {
        record(shape, start);
        return (last as (...values: unknown[]) => unknown)(...callbackArgs);
      };
    }
    const result = original.apply(this, args);
    if (typeof result === 'object' && result !== null && 'then' in result && typeof result.then === 'function') {
      (result as Promise<unknown>).then(
        () => record(shape, start),
        () => record(shape, start),
      );
    } else if (typeof result === 'object' && result !== null && 'once' in result && typeof result.once === 'function') {
      // A COPY stream (pg-copy-streams): done when it finishes or ends.
      const stream = result as NodeJS.EventEmitter;
      let done = false;
      const finish = () => {
        if (!done) record(shape, start);
        done = true;
      };
      stream.once('finish', finish);
      stream.once('end', finish);
      stream.once('error', finish);
    }
    return result;
  };
}

export function resetSqlTrace(): void {
  totals.clear();
}

export function sqlTrace(): SqlTraceEntry[] {
  return [...totals.entries()]
    .map(([statement, entry]) => ({ statement, calls: entry.calls, totalMs: entry.totalMs }))
    .sort((a, b) => b.totalMs - a.totalMs);
}
