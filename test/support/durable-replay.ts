import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import azureFunctions from '@azure/functions';
// A webpack bundle: Node cannot see its class exports as ESM named exports.
const { InvocationContext } = azureFunctions;
type InvocationContext = InstanceType<typeof InvocationContext>;
import {
  ActionType,
  EventType,
  actionSignature,
  flattenActions,
  historyEvent,
  upperSchemaVersion,
  wireInput,
  type Action,
  type HistoryEvent,
} from './durable-history.js';

export type DurableHandler = (trigger: unknown, context: InvocationContext) => unknown;

/** Where the driver finds the handlers: registered through the functions-core stand-in, or given. */
export interface DurableFunctionLookup {
  orchestration(name: string): DurableHandler | undefined;
  activity(name: string): DurableHandler | undefined;
}

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

export interface InstanceStats {
  /** Orchestrator invocations (replays), over every execution. */
  episodes: number;
  /** Activity invocations, retries included. */
  activityCalls: number;
  continuedAsNew: number;
  /** The longest history one execution reached. */
  maxHistoryEvents: number;
}

export interface OrchestrationInstance {
  readonly instanceId: string;
  readonly name: string;
  readonly parentInstanceId: string | null;
  input: unknown;
  status: RuntimeStatus;
  /** The orchestrator's return value, or the failure message. */
  output: unknown;
  customStatus: unknown;
  readonly createdTime: Date;
  lastUpdatedTime: Date;
  history: HistoryEvent[];
  /** Set by a terminate request; the driver stops at the next step. */
  terminateReason: string | null;
  readonly stats: InstanceStats;
}

export interface ReplayHooks {
  /** Creates and runs a sub-orchestration to its end. */
  runChild(name: string, instanceId: string, input: unknown, parentInstanceId: string): Promise<OrchestrationInstance>;
  log(line: string): void;
}

/** Outcome of one task: its attempts, in order; only the last may have succeeded. */
type Attempt = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: Error };

interface ScheduledTask {
  readonly id: number;
  readonly action: Action;
}

interface Execution {
  /** The task actions of this execution in the order they were first scheduled (for determinism). */
  readonly scheduled: Action[];
  nextId: number;
}

interface OrchestratorState {
  readonly isDone: boolean;
  readonly actions: readonly (readonly Action[])[];
  readonly output?: unknown;
  readonly error?: string;
  readonly customStatus?: unknown;
}

const outOfProcDataLabel = '$OutOfProcData$:';

/**
 * Plays the part of the Durable Functions extension for one instance: calls the registered
 * orchestrator with the history, runs what it asks for (activities for real, sub-orchestrations,
 * timers at once), appends the events the extension would, and calls it again, until it completes,
 * fails, continues as new or is terminated. Like the extension, it compares the actions of every
 * replay with what history says was scheduled and fails the instance on a difference.
 */
export class ReplayDriver {
  constructor(
    private readonly functions: DurableFunctionLookup,
    private readonly hooks: ReplayHooks,
  ) {}

  async run(instance: OrchestrationInstance): Promise<void> {
    instance.status = 'Running';
    let execution = this.startExecution(instance);
    for (;;) {
      if (instance.terminateReason !== null) return this.terminate(instance);
      const state = await this.replay(instance);
      if (typeof state === 'string') return this.fail(instance, state);
      instance.customStatus = state.customStatus ?? null;
      const actions = flattenActions(state.actions.flat());
      const tasks = actions.filter((action) => action.actionType !== ActionType.ContinueAsNew);
      const mismatch = nonDeterminism(execution.scheduled, tasks);
      if (mismatch !== null) return this.fail(instance, mismatch);
      if (state.isDone) {
        const continueAsNew = actions.find((action) => action.actionType === ActionType.ContinueAsNew);
        if (continueAsNew === undefined) return this.complete(instance, state.output);
        instance.input = wireInput(continueAsNew.input);
        instance.stats.continuedAsNew += 1;
        execution = this.startExecution(instance);
        continue;
      }
      const fresh = tasks.slice(execution.scheduled.length).map((action) => ({ id: execution.nextId++, action }));
      if (fresh.length === 0) return this.fail(instance, 'the orchestrator is waiting for something this test host never sends (an external event?)');
      execution.scheduled.push(...fresh.map((task) => task.action));
      this.recordScheduled(instance, fresh);
      const outcomes = await Promise.all(fresh.map((task) => this.perform(instance, task)));
      if (instance.terminateReason !== null) return this.terminate(instance);
      this.append(instance, historyEvent(EventType.OrchestratorStarted, this.startTime(fresh)));
      fresh.forEach((task, index) => this.recordOutcome(instance, execution, task, outcomes[index] ?? []));
    }
  }

  private startExecution(instance: OrchestrationInstance): Execution {
    const now = new Date();
    instance.history = [
      historyEvent(EventType.OrchestratorStarted, now),
      historyEvent(EventType.ExecutionStarted, now, { Name: instance.name, Input: JSON.stringify(instance.input ?? null) }),
    ];
    return { scheduled: [], nextId: 0 };
  }

  /** One orchestrator invocation; a string is the failure it reported. */
  private async replay(instance: OrchestrationInstance): Promise<OrchestratorState | string> {
    const handler = this.functions.orchestration(instance.name);
    if (handler === undefined) return `no orchestration function "${instance.name}" is registered`;
    instance.stats.episodes += 1;
    const lastStart = instance.history.map((event) => event.EventType).lastIndexOf(EventType.OrchestratorStarted);
    const payload = {
      history: instance.history.map((event, index) => ({ ...event, IsPlayed: index < lastStart })),
      input: instance.input,
      instanceId: instance.instanceId,
      isReplaying: lastStart > 0,
      parentInstanceId: instance.parentInstanceId ?? undefined,
      upperSchemaVersion,
      maximumShortTimerDuration: '6.00:00:00',
      longRunningTimerIntervalDuration: '3.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    try {
      const state = await handler(payload, this.context(instance.name));
      return JSON.parse(JSON.stringify(state)) as OrchestratorState;
    } catch (error) {
      return failureMessage(error);
    }
  }

  private async perform(instance: OrchestrationInstance, task: ScheduledTask): Promise<Attempt[]> {
    const { action } = task;
    const attempts: Attempt[] = [];
    const maxAttempts = action.retryOptions?.maxNumberOfAttempts ?? 1;
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry:
        while (attempts.length < maxAttempts && attempts.at(-1)?.ok !== true) {
          if (instance.terminateReason !== null) break;
          instance.stats.activityCalls += 1;
          attempts.push(await this.callActivity(action));
        }
        return attempts;
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry:
        while (attempts.length < maxAttempts && attempts.at(-1)?.ok !== true) {
          const childId = action.instanceId ?? `${instance.instanceId}:${task.id}:${attempts.length}`;
          const child = await this.hooks.runChild(action.functionName ?? '', childId, wireInput(action.input), instance.instanceId);
          attempts.push(child.status === 'Completed' ? { ok: true, result: child.output } : { ok: false, error: new Error(String(child.output)) });
        }
        return attempts;
      case ActionType.CreateTimer:
        // Timers fire at once: the fire time moves the orchestration's clock, not the test's.
        return [{ ok: true, result: action.fireAt }];
      default:
        return [{ ok: false, error: new Error(`action type ${action.actionType} is not supported by the test host`) }];
    }
  }

  private async callActivity(action: Action): Promise<Attempt> {
    const name = action.functionName ?? '';
    const handler = this.functions.activity(name);
    if (handler === undefined) return { ok: false, error: new Error(`no activity function "${name}" is registered`) };
    try {
      const result = await handler(wireInput(action.input), this.context(name));
      return { ok: true, result: JSON.parse(JSON.stringify(result ?? null)) as unknown };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  private recordScheduled(instance: OrchestrationInstance, tasks: readonly ScheduledTask[]): void {
    const now = new Date();
    for (const { id, action } of tasks) {
      if (action.actionType === ActionType.CreateTimer) {
        this.append(instance, historyEvent(EventType.TimerCreated, now, { FireAt: action.fireAt }, id));
      } else if (action.actionType === ActionType.CallSubOrchestrator || action.actionType === ActionType.CallSubOrchestratorWithRetry) {
        this.append(instance, historyEvent(EventType.SubOrchestrationInstanceCreated, now, { Name: action.functionName, InstanceId: action.instanceId }, id));
      } else {
        this.append(instance, historyEvent(EventType.TaskScheduled, now, { Name: action.functionName }, id));
      }
    }
    this.append(instance, historyEvent(EventType.OrchestratorCompleted, now));
  }

  /**
   * Appends a task's result. A failed attempt of a task with a retry policy is followed by the
   * retry timer and the next attempt; the SDK numbers both as it reads them, so the ids are taken
   * from the execution's counter in the same order.
   */
  private recordOutcome(instance: OrchestrationInstance, execution: Execution, task: ScheduledTask, attempts: readonly Attempt[]): void {
    const now = new Date();
    const retried = task.action.retryOptions !== undefined;
    const sub = task.action.actionType === ActionType.CallSubOrchestrator || task.action.actionType === ActionType.CallSubOrchestratorWithRetry;
    let id = task.id;
    attempts.forEach((attempt, index) => {
      if (attempt.ok) {
        const type = task.action.actionType === ActionType.CreateTimer ? EventType.TimerFired : sub ? EventType.SubOrchestrationInstanceCompleted : EventType.TaskCompleted;
        const fields = type === EventType.TimerFired ? { TimerId: id, FireAt: attempt.result } : { TaskScheduledId: id, Result: JSON.stringify(attempt.result) };
        this.append(instance, historyEvent(type, now, fields));
        return;
      }
      const failedType = sub ? EventType.SubOrchestrationInstanceFailed : EventType.TaskFailed;
      this.append(instance, historyEvent(failedType, now, { TaskScheduledId: id, Reason: attempt.error.message, Details: attempt.error.stack ?? '' }));
      if (!retried) return;
      const timerId = execution.nextId++;
      const fireAt = new Date(now.getTime() + (task.action.retryOptions?.firstRetryIntervalInMilliseconds ?? 0)).toISOString();
      this.append(instance, historyEvent(EventType.TimerCreated, now, { FireAt: fireAt }, timerId));
      this.append(instance, historyEvent(EventType.TimerFired, now, { TimerId: timerId, FireAt: fireAt }));
      if (index === attempts.length - 1) return;
      id = execution.nextId++;
      this.append(instance, historyEvent(EventType.TaskScheduled, now, { Name: task.action.functionName }, id));
    });
  }

  /** The next replay's time: now, or later when a timer was due later. */
  private startTime(tasks: readonly ScheduledTask[]): Date {
    const due = tasks.flatMap(({ action }) => (action.fireAt === undefined ? [] : [Date.parse(action.fireAt)]));
    return new Date(Math.max(Date.now(), ...due));
  }

  private context(functionName: string): InvocationContext {
    return new InvocationContext({
      functionName,
      invocationId: randomUUID(),
      logHandler: (level, ...args) => this.hooks.log(`${level} ${functionName}: ${format(...args)}`),
    });
  }

  private append(instance: OrchestrationInstance, event: HistoryEvent): void {
    instance.history.push(event);
    instance.lastUpdatedTime = new Date();
    instance.stats.maxHistoryEvents = Math.max(instance.stats.maxHistoryEvents, instance.history.length);
  }

  private complete(instance: OrchestrationInstance, output: unknown): void {
    instance.status = 'Completed';
    instance.output = output ?? null;
    this.append(instance, historyEvent(EventType.ExecutionCompleted, new Date(), { Result: JSON.stringify(output ?? null) }));
  }

  private fail(instance: OrchestrationInstance, message: string): void {
    instance.status = 'Failed';
    instance.output = message;
    this.append(instance, historyEvent(EventType.ExecutionFailed, new Date(), { Reason: message }));
  }

  private terminate(instance: OrchestrationInstance): void {
    instance.status = 'Terminated';
    instance.output = instance.terminateReason;
    this.append(instance, historyEvent(EventType.ExecutionTerminated, new Date(), { Input: instance.terminateReason }));
  }
}

/**
 * The extension's check: every action of a replay must be the one history recorded at its place.
 * The message follows the Durable Task Framework's ("Non-Deterministic workflow detected").
 */
export function nonDeterminism(scheduled: readonly Action[], replayed: readonly Action[]): string | null {
  for (let index = 0; index < scheduled.length; index += 1) {
    const recorded = scheduled[index];
    const now = replayed[index];
    if (recorded === undefined) break;
    if (now === undefined || actionSignature(now) !== actionSignature(recorded)) {
      const found = now === undefined ? 'nothing' : actionSignature(now);
      return `Non-Deterministic workflow detected: history has ${actionSignature(recorded)} as action ${index}, the orchestrator now asks for ${found}`;
    }
  }
  return null;
}

/** The SDK reports an orchestrator failure as its state appended to the message. */
function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf(outOfProcDataLabel);
  if (at < 0) return message;
  const state = JSON.parse(message.slice(at + outOfProcDataLabel.length)) as OrchestratorState;
  return state.error ?? message.slice(0, at).trim();
}
