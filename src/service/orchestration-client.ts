import type { HttpRequest, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

/** The durable client input binding every function that starts or inspects runs declares. */
export const durableClientInput = df.input.durableClient();

/** What the service needs to know about an orchestration instance. */
export interface InstanceState {
  readonly instanceId: string;
  readonly runtimeStatus: string;
  readonly input: unknown;
  readonly createdTime: Date;
}

/**
 * The few durable client calls the service makes, behind an interface so the service functions do
 * not depend on the binding plumbing.
 */
export interface OrchestrationClient {
  /** Null when the task hub has no such instance. */
  getInstance(instanceId: string): Promise<InstanceState | null>;
  /** Rejects when an instance with that id is already active (the task hub refuses a second one). */
  start(orchestration: string, instanceId: string, input: unknown): Promise<void>;
  terminate(instanceId: string, reason: string): Promise<void>;
  /** The durable status URLs of an instance, on the origin the request came in on. */
  statusUrls(request: HttpRequest, instanceId: string): Promise<Record<string, string>>;
}

/** Statuses of an instance that has not finished: a new start with its id would be refused. */
const activeStatuses: ReadonlySet<string> = new Set([
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
  df.OrchestrationRuntimeStatus.Suspended,
]);

export function isActive(instance: InstanceState | null): instance is InstanceState {
  return instance !== null && activeStatuses.has(instance.runtimeStatus);
}

export function orchestrationClient(context: InvocationContext): OrchestrationClient {
  const client = df.getClient(context);
  return {
    async getInstance(instanceId) {
      try {
        const status = await client.getStatus(instanceId, { showInput: true });
        return { instanceId, runtimeStatus: status.runtimeStatus, input: status.input, createdTime: status.createdTime };
      } catch (error) {
        // durable-functions 3 reports an unknown instance only through this message.
        if (error instanceof Error && error.message.includes('HTTP 404')) return null;
        throw error;
      }
    },
    async start(orchestration, instanceId, input) {
      await client.startNew(orchestration, { instanceId, input });
    },
    async terminate(instanceId, reason) {
      await client.terminate(instanceId, reason);
    },
    async statusUrls(request, instanceId) {
      // The check-status response is the one place the SDK puts the request's origin into the URLs.
      const payload = (await client.createCheckStatusResponse(request, instanceId).json()) as object;
      return Object.fromEntries(Object.entries(payload).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    },
  };
}
