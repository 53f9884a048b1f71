import Module from 'node:module';

/** A binding as `@azure/functions` hands it to the worker (trigger, inputs, outputs). */
export interface BindingMetadata {
  readonly type: string;
  readonly direction: string;
  readonly name?: string;
  readonly route?: string;
  readonly methods?: readonly string[];
  readonly authLevel?: string;
  readonly schedule?: string;
}

export type RegisteredHandler = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  readonly name: string;
  readonly bindings: Readonly<Record<string, BindingMetadata>>;
  readonly handler: RegisteredHandler;
}

export interface FunctionsCoreRecorder {
  readonly functions: RegisteredFunction[];
  readonly hooks: { readonly name: string; readonly callback: RegisteredHandler }[];
}

interface RequireTarget {
  require: (this: unknown, id: string) => unknown;
}

let recorder: FunctionsCoreRecorder | null = null;

/**
 * Stands in for `@azure/functions-core`, the module the Functions worker injects, by intercepting
 * `require` the way the worker does. Outside the worker `app.http(...)` only warns and registers
 * nothing; with this, every registration is recorded with its metadata and handler. Must run
 * before the first registration: `@azure/functions` looks the core module up then, once, and
 * keeps the answer.
 */
export function installFunctionsCore(): FunctionsCoreRecorder {
  if (recorder !== null) return recorder;
  const installed: FunctionsCoreRecorder = { functions: [], hooks: [] };
  const coreApi = {
    version: '4.0.0-test',
    hostVersion: '4.0.0-test',
    setProgrammingModel: (): void => undefined,
    getProgrammingModel: (): undefined => undefined,
    registerFunction(metadata: { name: string; bindings: Record<string, BindingMetadata> }, handler: RegisteredHandler) {
      if (installed.functions.some((registered) => registered.name === metadata.name)) {
        throw new Error(`function "${metadata.name}" registered twice`);
      }
      installed.functions.push({ name: metadata.name, bindings: metadata.bindings, handler });
      return { dispose: (): void => undefined };
    },
    registerHook(name: string, callback: RegisteredHandler) {
      installed.hooks.push({ name, callback });
      return { dispose: (): void => undefined };
    },
  };
  const target = Module.prototype as unknown as RequireTarget;
  target.require = new Proxy(target.require, {
    apply(original, thisArg, args: [string]) {
      return args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(original, thisArg, args);
    },
  });
  recorder = installed;
  return installed;
}

export function triggerOf(registered: RegisteredFunction): BindingMetadata {
  const trigger = Object.values(registered.bindings).find((binding) => /trigger$/i.test(binding.type));
  if (trigger === undefined) throw new Error(`function "${registered.name}" has no trigger`);
  return trigger;
}

export function registeredHandler(core: FunctionsCoreRecorder, name: string): RegisteredHandler {
  const found = core.functions.find((registered) => registered.name === name);
  if (found === undefined) throw new Error(`no function "${name}" was registered`);
  return found.handler;
}
