/**
 * Run by the embedded store's tests in a child process (as an unprivileged user when the tests
 * run as root, since root writes any file): open a state file, read it, try one write, and print
 * what happened as one JSON line.
 */
import { isHubsyncError } from '../../src/errors.js';
import { openEmbeddedStateStore } from '../../src/state/embedded-state-store.js';
import { run } from './state-fixtures.js';

const [path] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: read-only-probe <state file>');
const store = await openEmbeddedStateStore(path);
try {
  const runs = (await store.listRuns('retail')).items.map((run) => run.runId);
  const write = await store.saveRun(run('new', '2026-01-02T00:00:00Z')).then(
    () => null,
    (error: unknown) => ({
      code: isHubsyncError(error) ? error.code : null,
      input: isHubsyncError(error) && error.isInputError,
      message: error instanceof Error ? error.message : String(error),
    }),
  );
  process.stdout.write(`${JSON.stringify({ runs, write })}\n`);
} finally {
  await store.close();
}
