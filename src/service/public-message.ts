import { isHubsyncError } from '../errors.js';

/**
 * What may be said about an error outside this process (a run record, a log line, the durable
 * history). A HubsyncError's message is written for users and never holds a connection string
 * (invariant 10); anything else might, so it is named by its type only.
 */
export function publicMessage(error: unknown): string {
  if (isHubsyncError(error)) return error.message;
  return `unexpected ${error instanceof Error ? error.name : typeof error}`;
}

/** Thrown by an activity in place of the original error, so only a public message leaves it. */
export class ActivityFailure extends Error {
  override readonly name = 'ActivityFailure';
}
