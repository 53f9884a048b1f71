import type { DurableFunctionLookup } from './durable-replay.js';

/**
 * The registered functions, with one activity made to wait for `hold(input)` before it runs for
 * real: how a test catches a run in progress without changing the run.
 */
export function holdingActivity(functions: DurableFunctionLookup, activity: string, hold: (input: unknown) => Promise<unknown>): DurableFunctionLookup {
  return {
    orchestration: (name) => functions.orchestration(name),
    activity: (name) => {
      const handler = functions.activity(name);
      if (name !== activity || handler === undefined) return handler;
      return async (input, context) => {
        await hold(input);
        return handler(input, context);
      };
    },
  };
}
