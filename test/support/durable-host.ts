import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import azureFunctions, { type FunctionInput } from '@azure/functions';
// A webpack bundle: Node cannot see its class exports as ESM named exports.
const { InvocationContext } = azureFunctions;
type InvocationContext = InstanceType<typeof InvocationContext>;
import { triggerOf, type FunctionsCoreRecorder } from './functions-core-stub.js';
import { ReplayDriver, type DurableFunctionLookup, type DurableHandler, type OrchestrationInstance } from './durable-replay.js';

const systemKey = 'test-system-key';
const activeStatuses: ReadonlySet<string> = new Set(['Pending', 'Running']);

/** Orchestrations and activities as recorded by the functions-core stand-in when the app loaded. */
export function registeredDurableFunctions(core: FunctionsCoreRecorder): DurableFunctionLookup {
  const find = (name: string, type: string): DurableHandler | undefined => {
    const registered = core.functions.find((candidate) => candidate.name === name && triggerOf(candidate).type === type);
    return registered === undefined ? undefined : (registered.handler as DurableHandler);
  };
  return { orchestration: (name) => find(name, 'orchestrationTrigger'), activity: (name) => find(name, 'activityTrigger') };
}

/**
 * Stands in for the Functions host's Durable extension: the HTTP API the SDK's DurableClient
 * calls (at the `rpcBaseUrl` of the client binding: start, status, terminate, list) on 127.0.0.1,
 * instances kept in memory, each run by a ReplayDriver through the real durable-functions replay.
 * It knows nothing of any particular orchestration.
 */
export class DurableTestHost {
  /** Every line the orchestrators and activities logged through their invocation context. */
  readonly logs: string[] = [];
  private readonly instances = new Map<string, OrchestrationInstance>();
  private readonly runs = new Map<string, Promise<void>>();
  private readonly driver: ReplayDriver;

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    readonly functions: DurableFunctionLookup,
    readonly taskHub: string,
  ) {
    this.driver = new ReplayDriver(functions, {
      runChild: async (name, instanceId, input, parent) => this.waitFor((await this.start(name, instanceId, input, parent)).instanceId),
      log: (line) => this.logs.push(line),
    });
  }

  static async start(functions: DurableFunctionLookup, taskHub = 'hubsync'): Promise<DurableTestHost> {
    let host: DurableTestHost | undefined;
    const server = createServer((request, response) => {
      host?.serve(request, response).catch((error: unknown) => send(response, 500, { message: String(error) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    host = new DurableTestHost(server, `http://127.0.0.1:${port}`, functions, taskHub);
    return host;
  }

  /** The durable client binding's data, shaped as the extension sends it. */
  clientData(): Record<string, unknown> {
    const webhooks = `${this.origin}/runtime/webhooks/durabletask`;
    const query = `taskHub=${this.taskHub}&connection=Storage&code=${systemKey}`;
    const instance = `${webhooks}/instances/INSTANCEID`;
    return {
      taskHubName: this.taskHub,
      creationUrls: {
        createNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?code=${systemKey}`,
        createAndWaitOnNewInstancePostUri: `${webhooks}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${systemKey}`,
      },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${instance}?${query}`,
        sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
        terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
        rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
        purgeHistoryDeleteUri: `${instance}?${query}`,
        restartPostUri: `${instance}/restart?${query}`,
        suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
        resumePostUri: `${instance}/resume?reason={text}&${query}`,
      },
      baseUrl: webhooks,
      requiredQueryStringParameters: `code=${systemKey}`,
      rpcBaseUrl: `${this.origin}/durabletask/`,
    };
  }

  /** An invocation context carrying the durable client binding, to call a client function's handler. */
  invocationContext(functionName: string, clientInput: FunctionInput, log: (line: string) => void = () => undefined): InvocationContext {
    const context = new InvocationContext({
      functionName,
      options: { extraInputs: [clientInput] },
      logHandler: (level, ...args) => log(`${level} ${args.map(String).join(' ')}`),
    });
    context.extraInputs.set(clientInput, this.clientData());
    return context;
  }

  instance(instanceId: string): OrchestrationInstance | undefined {
    return this.instances.get(instanceId);
  }

  allInstances(): OrchestrationInstance[] {
    return [...this.instances.values()];
  }

  /** Resolves once the instance is no longer pending or running. */
  async waitFor(instanceId: string): Promise<OrchestrationInstance> {
    await this.runs.get(instanceId);
    const instance = this.instances.get(instanceId);
    if (instance === undefined) throw new Error(`no instance ${instanceId}`);
    return instance;
  }

  /** Resolves once every instance has ended. */
  async idle(): Promise<void> {
    while ([...this.instances.values()].some((instance) => activeStatuses.has(instance.status))) {
      await Promise.all(this.runs.values());
    }
  }

  async close(): Promise<void> {
    for (const instance of this.instances.values()) if (activeStatuses.has(instance.status)) instance.terminateReason = 'host closed';
    await Promise.allSettled(this.runs.values());
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Creates an instance and runs it in the background; refuses an id that is still active, as the task hub does. */
  async start(name: string, instanceId: string, input: unknown, parentInstanceId: string | null = null): Promise<OrchestrationInstance> {
    const existing = this.instances.get(instanceId);
    if (existing !== undefined && activeStatuses.has(existing.status)) {
      throw new InstanceExistsError(`An Orchestration instance with the status ${existing.status} already exists.`);
    }
    const now = new Date();
    const instance: OrchestrationInstance = {
      instanceId,
      name,
      parentInstanceId,
      input,
      status: 'Pending',
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      history: [],
      terminateReason: null,
      stats: { episodes: 0, activityCalls: 0, continuedAsNew: 0, maxHistoryEvents: 0 },
    };
    this.instances.set(instanceId, instance);
    // Started on a later turn, as the extension dequeues it: the caller sees Pending first.
    this.runs.set(instanceId, new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.driver.run(instance)));
    return instance;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.origin);
    const path = url.pathname.replace(/^\/durabletask\//, '').split('/').map(decodeURIComponent);
    const body = await readBody(request);
    if (request.method === 'POST' && path[0] === 'orchestrators' && path[1] !== undefined) {
      return this.serveStart(response, path[1], path[2], body);
    }
    if (path[0] === 'instances') {
      const instanceId = path[1] ?? '';
      if (request.method === 'GET' && instanceId === '') return send(response, 200, this.allInstances().map(statusBody));
      if (request.method === 'GET' && path.length === 2) return this.serveStatus(response, instanceId);
      if (request.method === 'POST' && path[2] === 'terminate') return this.serveTerminate(response, instanceId, url.searchParams.get('reason') ?? '');
    }
    send(response, 404, { message: `the test host does not serve ${request.method} ${url.pathname}` });
  }

  private async serveStart(response: ServerResponse, name: string, instanceId: string | undefined, body: string): Promise<void> {
    if (this.functions.orchestration(name) === undefined) return send(response, 400, { message: `The function '${name}' doesn't exist.` });
    const id = instanceId ?? crypto.randomUUID();
    try {
      await this.start(name, id, body === '' ? undefined : (JSON.parse(body) as unknown));
    } catch (error) {
      if (error instanceof InstanceExistsError) return send(response, 409, { message: error.message });
      throw error;
    }
    const urls = this.clientData().managementUrls as Record<string, string>;
    send(response, 202, Object.fromEntries(Object.entries(urls).map(([key, value]) => [key, value.replace('INSTANCEID', id)])));
  }

  private serveStatus(response: ServerResponse, instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (instance === undefined) return send(response, 404, null);
    send(response, activeStatuses.has(instance.status) ? 202 : 200, statusBody(instance));
  }

  private serveTerminate(response: ServerResponse, instanceId: string, reason: string): void {
    const instance = this.instances.get(instanceId);
    if (instance === undefined) return send(response, 404, null);
    if (!activeStatuses.has(instance.status)) return send(response, 410, null);
    instance.terminateReason = reason;
    send(response, 202, null);
  }
}

class InstanceExistsError extends Error {}

function statusBody(instance: OrchestrationInstance): Record<string, unknown> {
  return {
    name: instance.name,
    instanceId: instance.instanceId,
    createdTime: instance.createdTime.toISOString(),
    lastUpdatedTime: instance.lastUpdatedTime.toISOString(),
    input: instance.input ?? null,
    output: instance.output ?? null,
    runtimeStatus: instance.status,
    customStatus: instance.customStatus ?? null,
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = body === null ? '' : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
