import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './measure.js';

/** One measured quantity: the value of each repetition and their median. */
export interface Figure {
  readonly label: string;
  readonly unit: string;
  readonly median: number;
  readonly runs: readonly number[];
}

export function figure(label: string, unit: string, runs: readonly number[]): Figure {
  return { label, unit, median: median(runs), runs };
}

/**
 * One line of the results. `ratio` is ours against the baseline, oriented so that higher is
 * better (1.0 = as good as the baseline); `met` is ratio >= goal, null where there is no goal or
 * nothing was measured.
 */
export interface CaseResult {
  readonly name: string;
  readonly title: string;
  readonly ours: Figure | null;
  readonly baseline: Figure | null;
  readonly ratio: number | null;
  /** How the ratio is computed, in words. */
  readonly ratioMeaning: string;
  readonly goal: number | null;
  readonly met: boolean | null;
  /** Every other figure measured for this case (set-up times, row counts, sizes). */
  readonly figures: Readonly<Record<string, Figure | number | string>>;
  readonly notes: readonly string[];
  /** Set when the case, or its baseline, could not run: the reason. */
  readonly skipped?: string;
}

/** What a case reports; caseResult derives `met` and fills in empty figures and notes. */
export type CaseInput = Omit<CaseResult, 'met' | 'figures' | 'notes'> & Partial<Pick<CaseResult, 'figures' | 'notes'>>;

export function caseResult(input: CaseInput): CaseResult {
  const ratio = input.ratio !== null && Number.isFinite(input.ratio) ? input.ratio : null;
  return {
    ...input,
    ratio,
    met: ratio !== null && input.goal !== null ? ratio >= input.goal : null,
    figures: input.figures ?? {},
    notes: input.notes ?? [],
  };
}

/** A failed case still gets its line, so one broken case never hides the others' figures. */
export function failedCase(name: string, title: string, goal: number | null, error: unknown): CaseResult {
  const reason = error instanceof Error ? error.message : String(error);
  return caseResult({ name, title, ours: null, baseline: null, ratio: null, ratioMeaning: '', goal, skipped: `failed: ${reason}` });
}

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '-';
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return `${text} ${unit}`;
}

function cell(value: Figure | null): string {
  return value === null ? '-' : formatValue(value.median, value.unit);
}

/** The table of medians and ratios printed at the end of a run. */
export function formatTable(results: readonly CaseResult[]): string {
  const header = ['case', 'hubsync (median)', 'baseline (median)', 'ratio', 'goal', 'met'];
  const rows = results.map((result) => [
    result.name,
    cell(result.ours),
    result.baseline === null && result.skipped !== undefined ? 'not measured' : cell(result.baseline),
    result.ratio === null ? '-' : `${result.ratio.toFixed(2)}x`,
    result.goal === null ? '-' : `>= ${result.goal.toFixed(2)}x`,
    result.met === null ? (result.skipped !== undefined && result.ours === null ? 'FAILED' : '-') : result.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row.map((text, column) => (column === 0 ? text.padEnd(widths[column] ?? 0) : text.padStart(widths[column] ?? 0))).join('  ');
  const separator = widths.map((width) => '-'.repeat(width)).join('  ');
  const body = [line(header), separator, ...rows.map(line)];
  const skipped = results.filter((result) => result.skipped !== undefined).map((result) => `  ${result.name}: ${result.skipped ?? ''}`);
  return [...body, ...(skipped.length > 0 ? ['', 'Not measured:', ...skipped] : [])].join('\n');
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly mode: 'quick' | 'full';
  readonly options: Readonly<Record<string, unknown>>;
  readonly machine: Readonly<Record<string, unknown>>;
  readonly versions: Readonly<Record<string, unknown>>;
  readonly cases: readonly CaseResult[];
  readonly profiles?: readonly unknown[];
}

/** Writes `<folder>/<iso-timestamp>.json` and returns its path. */
export function writeReport(folder: string, report: BenchReport): string {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(report, jsonNumbers, 2)}\n`);
  return path;
}

/** NaN and Infinity have no JSON form: they are written as null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
