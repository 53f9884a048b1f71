/**
 * History events as the Durable Functions extension sends them to an out-of-process orchestrator,
 * and the action types it gets back. The numbers are durable-functions 3.5.0's (pinned exactly in
 * package.json); test/service/durable-host.test.ts checks them against the SDK's own enums.
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  ContinueAsNew: 16,
} as const;

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WhenAny: 11,
  WhenAll: 12,
} as const;

/** The replay schema the host announces (V4, the newest this SDK knows). */
export const upperSchemaVersion = 3;

export interface HistoryEvent {
  readonly EventType: number;
  readonly EventId: number;
  readonly IsPlayed: boolean;
  readonly Timestamp: string;
  readonly [field: string]: unknown;
}

/** An action as the orchestrator returns it (after JSON, as it crosses to the extension). */
export interface Action {
  readonly actionType: number;
  readonly functionName?: string;
  readonly input?: unknown;
  readonly instanceId?: string;
  readonly fireAt?: string;
  readonly retryOptions?: { readonly firstRetryIntervalInMilliseconds: number; readonly maxNumberOfAttempts: number };
  readonly compoundActions?: readonly Action[];
}

export function historyEvent(type: number, at: Date, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: at.toISOString(), ...fields };
}

/** The leaves of the action tree in the order the SDK numbers tasks (depth first). */
export function flattenActions(actions: readonly Action[]): Action[] {
  return actions.flatMap((action) =>
    action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny
      ? flattenActions(action.compoundActions ?? [])
      : [action],
  );
}

/** What must be the same for an action replayed against history: its kind and its target. */
export function actionSignature(action: Action): string {
  const kind =
    action.actionType === ActionType.CallActivity || action.actionType === ActionType.CallActivityWithRetry
      ? 'activity'
      : action.actionType === ActionType.CallSubOrchestrator || action.actionType === ActionType.CallSubOrchestratorWithRetry
        ? 'subOrchestration'
        : action.actionType === ActionType.CreateTimer
          ? 'timer'
          : `action${action.actionType}`;
  return action.functionName === undefined ? kind : `${kind} ${action.functionName}`;
}

/** Inputs cross as JSON; the SDK pre-serializes string inputs (Utils.processInput). */
export function wireInput(input: unknown): unknown {
  if (input === undefined) return undefined;
  return typeof input === 'string' ? (JSON.parse(input) as unknown) : (JSON.parse(JSON.stringify(input)) as unknown);
}
