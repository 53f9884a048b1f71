import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { ActivityFailure, publicMessage } from '../src/service/public-message.js';

/** An activity's typed handle: the orchestrator yields `handle(input)` instead of repeating a name. */
export type ActivityHandle<I> = (input: I) => df.RegisteredActivityTask;

/**
 * Registers an activity that runs `work` and logs one structured line per call (its input's names,
 * its result's counts, its duration) through the invocation context, so Application Insights gets
 * them. Inputs and results are names, stamps and counts only, so the line holds no secret; a
 * failure leaves the activity as its public message only.
 */
export function serviceActivity<I extends object, O>(name: string, work: (input: I) => Promise<O>): ActivityHandle<I> {
  const registered = df.app.activity(name, {
    handler: async (input: unknown, context: InvocationContext): Promise<O> => {
      const started = Date.now();
      // The orchestrator built this input from the same type: it is trusted like a function argument.
      const typed = input as I;
      try {
        const result = await work(typed);
        context.info(JSON.stringify({ event: name, ...typed, result: result ?? null, durationMs: Date.now() - started }));
        return result;
      } catch (error) {
        const message = publicMessage(error);
        context.warn(JSON.stringify({ event: name, ...typed, error: message, durationMs: Date.now() - started }));
        throw new ActivityFailure(message);
      }
    },
  });
  return (input) => registered(input);
}
