import type { EngineContext } from '../../src/engine/engine-context.js';
import type { ApplyRequest, Cursor, Provider } from '../../src/engine/provider.js';
import type { CheckpointKey, StateStore } from '../../src/engine/state-store.js';

/** A state store whose next checkpoint saves throw: a crash after the destination committed. */
export function failingCheckpoints(state: StateStore, shouldFail: (key: CheckpointKey) => boolean): StateStore {
  return new Proxy(state, {
    get(target, property, receiver) {
      if (property === 'compareAndSetCheckpoint') {
        return async (key: CheckpointKey, expected: Cursor | null, next: Cursor) => {
          if (shouldFail(key)) throw new Error('injected crash before the checkpoint was saved');
          return target.compareAndSetCheckpoint(key, expected, next);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Replace some methods of one node's provider, for observing it or making it fail. */
export function interceptProvider(
  context: EngineContext,
  nodeName: string,
  overrides: (provider: Provider) => Partial<Provider>,
): EngineContext {
  return {
    ...context,
    openProvider: async (node, options) => {
      const provider = await context.openProvider(node, options);
      if (node.name !== nodeName) return provider;
      const replaced = overrides(provider);
      return new Proxy(provider, {
        get(target, property, receiver) {
          const value: unknown =
            property in replaced ? Reflect.get(replaced, property) : Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(property in replaced ? replaced : target) : value;
        },
      });
    },
  };
}

/** Observe (or fail) each applyChanges of one node; `call` counts from 1 across reconnections. */
export function interceptApplies(
  context: EngineContext,
  nodeName: string,
  onApply: (request: ApplyRequest, call: number) => void,
): EngineContext {
  let calls = 0;
  return interceptProvider(context, nodeName, (provider) => ({
    applyChanges: (request: ApplyRequest) => {
      calls += 1;
      onApply(request, calls);
      return provider.applyChanges(request);
    },
  }));
}
