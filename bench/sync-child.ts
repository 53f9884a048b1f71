/**
 * Child process for measurements that must not share the bench's own process: sync runs of one
 * group, then one JSON line on stdout with each run's time and the process's peak resident
 * memory. Started by child-run.ts.
 *
 * argv[2]: JSON of ChildRequest. `warmupRuns` run first and are not reported (e.g. the first sync
 * before timing syncs with nothing to do); with `profilePath` only the reported runs are
 * CPU-profiled (V8 inspector), with `traceSql` only their statements are timed. With
 * `"noop": true` the child only loads hubsync: the memory floor every run pays.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { SyncGroup } from '../src/engine/group.js';
import { downloaded, timedSync } from './hubsync-run.js';
import { resetSqlTrace, type SqlTraceEntry, sqlTrace, traceSql } from './sql-trace.js';

export interface ChildRequest {
  readonly group: SyncGroup;
  readonly folder: string;
  readonly stateName: string;
  readonly warmupRuns?: number;
  readonly runs?: number;
  readonly noop?: boolean;
  /** Time every PostgreSQL statement by shape (see sql-trace.ts). */
  readonly traceSql?: boolean;
  /** Write a V8 CPU profile of the reported runs here. */
  readonly profilePath?: string;
}

export interface ChildResult {
  /** Time of each reported run. */
  readonly ms: readonly number[];
  /** Rows moved to members by the last run. */
  readonly downloaded: number;
  /** process.resourceUsage().maxRSS: kilobytes. */
  readonly maxRssKb: number;
  /** Peaks of process.memoryUsage() sampled every 100 ms, in kilobytes: what the resident memory is made of. */
  readonly peakUsageKb: Readonly<Record<'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers', number>>;
  readonly sqlTrace?: readonly SqlTraceEntry[];
}

const peaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };

function sampleMemory(): void {
  const usage = process.memoryUsage();
  for (const key of Object.keys(peaks) as (keyof typeof peaks)[]) peaks[key] = Math.max(peaks[key], Math.round(usage[key] / 1024));
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest;
  const sampler = setInterval(sampleMemory, 100);
  if (request.traceSql === true) traceSql();
  const ms: number[] = [];
  let moved = 0;
  if (request.noop !== true) {
    for (let run = 0; run < (request.warmupRuns ?? 0); run += 1) await timedSync(request.group, request.folder, request.stateName);
    resetSqlTrace();
    const session = request.profilePath === undefined ? null : new Session();
    if (session !== null) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 1000 });
      await session.post('Profiler.start');
    }
    for (let run = 0; run < (request.runs ?? 1); run += 1) {
      const outcome = await timedSync(request.group, request.folder, request.stateName);
      ms.push(outcome.ms);
      moved = downloaded(outcome.result);
    }
    if (session !== null && request.profilePath !== undefined) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(request.profilePath, JSON.stringify(profile));
      session.disconnect();
    }
  }
  clearInterval(sampler);
  sampleMemory();
  const result: ChildResult = {
    ms,
    downloaded: moved,
    maxRssKb: process.resourceUsage().maxRSS,
    peakUsageKb: { ...peaks },
    ...(request.traceSql === true ? { sqlTrace: sqlTrace() } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
