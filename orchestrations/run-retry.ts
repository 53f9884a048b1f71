import * as df from 'durable-functions';

/**
 * Every activity of a run is retried: three attempts, 5 s then 10 s apart, which rides out a
 * database failover or a throttled storage call. An error that is not transient (a wrong password)
 * fails the same way three times and costs 15 s; the step API makes every attempt safe to repeat.
 */
export const activityRetry = new df.RetryOptions(5000, 3);
activityRetry.backoffCoefficient = 2;

/** The public message of a failed activity or sub-orchestration, without the stack the host appends. */
export function failureReason(error: unknown): string {
  if (error instanceof df.TaskFailedError) return error.failureDetails.errorMessage;
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').trim();
}
