/**
 * Work to undo when the bench ends, however it ends: normally, on an error, or on Ctrl-C.
 * Actions run newest first, each at most once, and a failing action does not stop the others.
 */
type CleanupAction = () => Promise<void> | void;

const actions: { readonly label: string; readonly run: CleanupAction }[] = [];
let running: Promise<void> | null = null;
let stopping = false;

/**
 * Called before creating anything (a database, a state file): once a signal arrived, the bench
 * stops creating so that the cleanup running meanwhile does not miss what is made after it.
 */
export function throwIfStopping(): void {
  if (stopping) throw new Error('the bench is stopping');
}

export function onCleanup(label: string, run: CleanupAction): void {
  actions.push({ label, run });
}

export function runCleanup(): Promise<void> {
  running ??= (async () => {
    while (actions.length > 0) {
      const action = actions.pop();
      if (action === undefined) break;
      try {
        await action.run();
      } catch (error) {
        process.stderr.write(`cleanup "${action.label}" failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })();
  return running;
}

/** Ctrl-C or a kill: clean up, then exit with the conventional 128 + signal number. */
export function cleanUpOnSignals(): void {
  const signals: readonly [NodeJS.Signals, number][] = [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ];
  for (const [signal, code] of signals) {
    process.once(signal, () => {
      stopping = true;
      process.stderr.write(`\n${signal}: cleaning up bench databases and files...\n`);
      void runCleanup().finally(() => process.exit(code));
    });
  }
}
