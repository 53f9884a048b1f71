import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { ErrorCode, isHubsyncError, type ErrorDetail } from '../errors.js';

/** The Azure REST error body. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details: readonly ErrorDetail[] };
}

const statusByCode: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.NotFound]: 404,
  [ErrorCode.PreconditionFailed]: 412,
  [ErrorCode.RunInProgress]: 409,
  [ErrorCode.RunNotActive]: 409,
  // Deprovisioning would lose changes not yet delivered; ?force=true goes ahead.
  [ErrorCode.PendingChanges]: 409,
  // Bad input to the CLI (a state file it cannot use); to the service, its storage failing.
  [ErrorCode.StateUnavailable]: 503,
};

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Content-Type': 'application/json', ...headers } };
}

/**
 * Turns anything thrown by a handler into the Azure REST error shape. A HubsyncError's message is
 * written for users and never holds a connection string (invariant 10); anything else may, so it
 * goes to the log by its name only and the caller gets a generic 500 with the invocation id.
 */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (isHubsyncError(error)) {
    const status = statusByCode[error.code] ?? (error.isInputError ? 400 : 500);
    if (status >= 500) context.error(`${error.code}: ${error.message}`);
    return jsonResponse(status, errorBody(error.code, error.message, error.details));
  }
  context.error(`unexpected ${error instanceof Error ? error.name : typeof error} in ${context.functionName}`);
  return jsonResponse(
    500,
    errorBody('HS_INTERNAL_ERROR', `the service failed unexpectedly; see the logs of invocation ${context.invocationId}`),
  );
}

export function errorBody(code: string, message: string, details: readonly ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
}
