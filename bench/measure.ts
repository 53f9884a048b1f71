/** Timing, medians and interleaved repetitions. */

export function now(): number {
  return performance.now();
}

/** Runs `work` and returns how long it took in milliseconds, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ readonly ms: number; readonly result: T }> {
  const start = now();
  const result = await work();
  return { ms: now() - start, result };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export interface Contender<S> {
  readonly name: string;
  readonly run: (repetition: number) => Promise<S>;
}

/**
 * Runs every contender `repetitions` times, interleaved so that drift on a shared machine (other
 * load, caches, autovacuum) falls on all of them alike: rounds alternate their order,
 * A B, B A, A B, ... so neither always goes first.
 */
export async function interleaved<S>(
  repetitions: number,
  contenders: readonly Contender<S>[],
  log: (line: string) => void,
  describe: (sample: S) => string,
): Promise<Map<string, S[]>> {
  const samples = new Map<string, S[]>(contenders.map((contender) => [contender.name, []]));
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const order = repetition % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      const sample = await contender.run(repetition);
      samples.get(contender.name)?.push(sample);
      log(`  run ${repetition + 1}/${repetitions} ${contender.name}: ${describe(sample)}`);
    }
  }
  return samples;
}

/** Rows per second from a row count and milliseconds. */
export function rowsPerSecond(rows: number, ms: number): number {
  return ms > 0 ? (rows * 1000) / ms : Number.NaN;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
