import { fileURLToPath } from 'node:url';
import { installFunctionsCore, triggerOf, type FunctionsCoreRecorder } from './functions-core-stub.js';
import { loadAppEntryPoints } from './load-app.js';

/** The repository root, seen from dist/test/support/. */
export const appRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface LoadedApp {
  readonly core: FunctionsCoreRecorder;
  readonly files: readonly string[];
}

let loaded: Promise<LoadedApp> | null = null;

/** The built app, loaded once per test process with registrations recorded. */
export function loadRegisteredApp(): Promise<LoadedApp> {
  loaded ??= (async () => {
    const core = installFunctionsCore();
    const files = await loadAppEntryPoints(appRoot);
    return { core, files };
  })();
  return loaded;
}

export interface HttpRoute {
  readonly name: string;
  readonly method: string;
  readonly route: string;
  readonly authLevel: string;
}

export function httpRoutes(core: FunctionsCoreRecorder): HttpRoute[] {
  return core.functions.flatMap((registered) => {
    const trigger = triggerOf(registered);
    if (trigger.type !== 'httpTrigger') return [];
    return (trigger.methods ?? []).map((method) => ({
      name: registered.name,
      method,
      route: trigger.route ?? '',
      authLevel: trigger.authLevel ?? '',
    }));
  });
}
