import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { populatePostgres, benchTable } from './bench-table.js';
import type { BenchEnv } from './bench-env.js';
import { sleep, timed, rowsPerSecond } from './measure.js';
import { type CaseResult, caseResult, figure } from './report.js';
import { withExportContext } from '../src/export/export-connections.js';
import { openEmbeddedExportState } from '../src/export/embedded-export-state.js';
import { runExport } from '../src/export/export-run.js';
import { exportStatus } from '../src/export/export-status.js';
import { parseExportProfile } from '../src/export/load-export-profile.js';
import { nodeAccess } from '../src/providers/node-access.js';
import { EnvironmentResolver } from '../src/secrets/environment-resolver.js';

/** The Data Export Service's published latency: "typically 15 minutes" between a change and its row in SQL. */
export const desLatencyMs = 15 * 60_000;
/** The goal: a change reaches the destination within a minute, 15 times sooner than the Data Export Service. */
export const exportDeltaGoal = desLatencyMs / 60_000;
/** 3,000 changes an hour, the trickle. */
const trickleIntervalMs = 3600_000 / 3000;
/** How often the export runs during the trickle (a scheduler or a `hubsync export run` loop). */
const runEveryMs = 5_000;

/**
 * Case `export-delta`: an export profile from a PostgreSQL source to a PostgreSQL destination.
 * First a trickle of 3,000 changes an hour (one update every 1.2 s) with a run every 5 s, latency
 * measured per change from its source commit to its destination commit (p50 and p95, from
 * `status`); then a burst of changes by one statement, exported by one run: rows/s.
 */
export async function exportDeltaCase(env: BenchEnv): Promise<CaseResult[]> {
  const { exportTrickleSeconds, exportBurstRows } = env.sizes;
  const source = await env.server.createDatabase('export_src');
  const destination = await env.server.createDatabase('export_dst');
  const state = openEmbeddedExportState(join(env.folder, 'export-delta.export.db'));
  try {
    await env.server.withClient(source, (client) => populatePostgres(client, exportBurstRows));
    const profile = parseExportProfile(
      {
        name: 'bench-export',
        source: { name: 'source', provider: 'postgres', connection: env.server.urlOf(source) },
        destination: { name: 'reporting', provider: 'postgres', connection: env.server.urlOf(destination), schema: 'dbo', prefix: 'crm' },
        tables: [{ name: benchTable }],
        batchSize: env.batchSize,
      },
      'bench profile',
    );
    const resolver = new EnvironmentResolver(tmpdir());
    const access = { resolver, openProvider: nodeAccess(resolver).openProvider };
    const run = () => withExportContext(profile, access, state, (context) => runExport(context));
    const initial = await timed(run);
    env.log(`  initial copy of ${exportBurstRows} rows: ${Math.round(initial.ms)} ms (not counted)`);

    let trickling = true;
    let written = 0;
    const trickle = env.server.withClient(source, async (client) => {
      while (trickling) {
        await client.query(`UPDATE ${benchTable} SET n = n + 1 WHERE id = $1`, [1 + (written % exportBurstRows)]);
        written += 1;
        await sleep(trickleIntervalMs);
      }
    });
    const trickleEnd = Date.now() + exportTrickleSeconds * 1000;
    while (Date.now() < trickleEnd) {
      const started = Date.now();
      await run();
      await sleep(Math.max(0, runEveryMs - (Date.now() - started)));
    }
    trickling = false;
    await trickle;
    await run();
    const latency = (await exportStatus(profile, state)).tables[0]?.latency;
    if (!latency) throw new Error('the trickle recorded no latency');
    env.log(`  trickle: ${written} changes, latency p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms`);

    await env.server.withClient(source, (client) => client.query(`UPDATE ${benchTable} SET n = n + 1`));
    const burst = await timed(run);
    const exported = burst.result.tables[0]?.exported ?? 0;
    if (exported !== exportBurstRows) throw new Error(`the burst exported ${exported} of ${exportBurstRows} rows`);
    env.log(`  burst: ${exportBurstRows} changes in ${Math.round(burst.ms)} ms`);

    const p50 = figure('hubsync export latency p50', 'ms', [latency.p50Ms]);
    return [
      caseResult({
        name: 'export-delta-latency',
        title: `Export latency at 3,000 changes/hour (run every ${runEveryMs / 1000} s, ${exportTrickleSeconds} s of trickle)`,
        ours: p50,
        baseline: figure('Data Export Service (published "typically 15 minutes")', 'ms', [desLatencyMs]),
        ratio: desLatencyMs / latency.p50Ms,
        ratioMeaning: 'Data Export Service latency / hubsync p50 latency',
        goal: exportDeltaGoal,
        figures: { p95Ms: latency.p95Ms, samples: latency.samples, changes: written, runEveryMs },
        notes: ['the baseline is a published figure, not measured here', 'latency is source commit (the change time the trigger records) to destination commit'],
      }),
      caseResult({
        name: 'export-delta-burst',
        title: `Export of a burst of ${exportBurstRows.toLocaleString('en-US')} changes in one run`,
        ours: figure('hubsync export', 'rows/s', [rowsPerSecond(exportBurstRows, burst.ms)]),
        baseline: null,
        ratio: null,
        ratioMeaning: '',
        goal: null,
        figures: { burstMs: burst.ms, initialCopyMs: initial.ms },
      }),
    ];
  } finally {
    await state.close();
    await env.server.dropDatabase(source);
    await env.server.dropDatabase(destination);
  }
}
