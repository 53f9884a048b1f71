import type { EngineContext } from '../../src/engine/engine-context.js';
import type { ApplyRequest, Provider } from '../../src/engine/provider.js';
import type { CheckpointKey, StateStore } from '../../src/engine/state-store.js';

/** A state store whose next checkpoint saves throw: a crash after the destination committed. */
export function failingCheckpoints(state: StateStore, shouldFail: (key: CheckpointKey) => boolean): StateStore {
  return new Proxy(state, {
    get(target, property, receiver) {
      if (property === 'saveCheckpoint') {
        return async (key: CheckpointKey, cursor: Parameters<StateStore['saveCheckpoint']>[1]) => {
          if (shouldFail(key)) throw new Error('injected crash before the checkpoint was saved');
          return target.saveCheckpoint(key, cursor);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Wrap the providers of chosen nodes so their applies can be observed or made to fail. */
export function interceptApplies(
  context: EngineContext,
  nodeName: string,
  onApply: (request: ApplyRequest, call: number) => void,
): EngineContext {
  let calls = 0;
  return {
    ...context,
    openProvider: async (node, options) => {
      const provider = await context.openProvider(node, options);
      if (node.name !== nodeName) return provider;
      return new Proxy(provider, {
        get(target, property, receiver) {
          if (property === 'applyChanges') {
            return async (request: ApplyRequest) => {
              calls += 1;
              onApply(request, calls);
              return target.applyChanges(request);
            };
          }
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) satisfies Provider;
    },
  };
}
