/**
 * Every error hubsync raises on purpose carries one of these codes, so users can search for it
 * and callers can tell bad input (exit 2, HTTP 4xx) from a failure of a database or of the run.
 */
export const ErrorCode = {
  /** The configuration file is missing, not JSON, or does not match the schema. */
  ConfigInvalid: 'HS_CONFIG_INVALID',
  /** A table named in the sync schema does not exist in the hub. */
  TableNotFound: 'HS_TABLE_NOT_FOUND',
  /** A synced table has no primary key; rows could not be matched across databases. */
  NoPrimaryKey: 'HS_NO_PRIMARY_KEY',
  /** A column named in the sync schema does not exist in its table. */
  ColumnNotFound: 'HS_COLUMN_NOT_FOUND',
  /** The selected columns leave out part of the primary key. */
  PrimaryKeyColumnExcluded: 'HS_PK_COLUMN_EXCLUDED',
  /** A member table exists but does not match the hub's definition of the synced columns. */
  SchemaMismatch: 'HS_SCHEMA_MISMATCH',
  /** A database could not be reached or refused the login. */
  ConnectionFailed: 'HS_CONNECTION_FAILED',
  /** A connection reference (env:NAME, a Key Vault secret name) could not be resolved. */
  SecretNotFound: 'HS_SECRET_NOT_FOUND',
  /**
   * The service was given a connection that is not a reference (`keyvault:<secret-name>` or
   * `env:<SETTING>`), for example a literal connection string, which it must never store.
   */
  ConnectionReferenceInvalid: 'HS_CONNECTION_REFERENCE_INVALID',
  /** Key Vault refused the service's identity (no token, or no permission to read secrets). */
  SecretAccessDenied: 'HS_SECRET_ACCESS_DENIED',
  /** Key Vault could not be reached or failed; retrying later may succeed. */
  SecretStoreUnavailable: 'HS_SECRET_STORE_UNAVAILABLE',
  /** The destination rejected a row's values (constraint, type, length). */
  DataRejected: 'HS_DATA_REJECTED',
  /** A database was used before `provision` created hubsync's tracking objects in it. */
  NotProvisioned: 'HS_NOT_PROVISIONED',
  /** A conflict or run id given by the user does not exist. */
  NotFound: 'HS_NOT_FOUND',
  /** A database engine failed in a way hubsync did not expect. */
  DatabaseError: 'HS_DATABASE_ERROR',
  /**
   * A destination's recorded position is not where the batch was read from: another sync applied
   * that range meanwhile. The engine re-reads from the recorded position; users see it only when
   * two syncs of one group keep racing.
   */
  PositionMoved: 'HS_POSITION_MOVED',
  /** Rows a batch must change stayed locked by another transaction; the batch is retried by the next sync. */
  RowsLocked: 'HS_ROWS_LOCKED',
  /** Deprovisioning would lose changes not yet delivered; `--force` to do it anyway. */
  PendingChanges: 'HS_PENDING_CHANGES',
  /** A conditional write found the stored item changed since it was read (ETag mismatch). */
  PreconditionFailed: 'HS_PRECONDITION_FAILED',
  /** An API request is malformed: not JSON, unknown keys, a name with characters other than letters, digits, "_" or "-". */
  RequestInvalid: 'HS_REQUEST_INVALID',
  /** A run of the group is going (one run per group at a time); wait for it or cancel it. */
  RunInProgress: 'HS_RUN_IN_PROGRESS',
  /** The run asked to be cancelled has already ended. */
  RunNotActive: 'HS_RUN_NOT_ACTIVE',
  /**
   * The state file cannot be used: missing folder, not a hubsync state file, or read-only when
   * something had to be written to it.
   */
  StateUnavailable: 'HS_STATE_UNAVAILABLE',
  /** A continuation token passed back to a list is not one the store handed out. */
  InvalidContinuationToken: 'HS_INVALID_CONTINUATION_TOKEN',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes that mean the user's input is wrong: CLI exit 2, HTTP 400/404. */
const inputCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.ConfigInvalid,
  ErrorCode.TableNotFound,
  ErrorCode.NoPrimaryKey,
  ErrorCode.ColumnNotFound,
  ErrorCode.PrimaryKeyColumnExcluded,
  ErrorCode.SchemaMismatch,
  ErrorCode.ConnectionFailed,
  ErrorCode.SecretNotFound,
  ErrorCode.ConnectionReferenceInvalid,
  ErrorCode.SecretAccessDenied,
  ErrorCode.NotFound,
  ErrorCode.RunInProgress,
  ErrorCode.PendingChanges,
  ErrorCode.RequestInvalid,
  ErrorCode.StateUnavailable,
  ErrorCode.InvalidContinuationToken,
]);

/** One specific problem behind an error (a field of a request, say), as Azure REST errors list them. */
export interface ErrorDetail {
  readonly code: ErrorCode;
  /** Where: a JSON path such as `members[0].connection`. */
  readonly target?: string;
  readonly message: string;
}

export class HubsyncError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: readonly ErrorDetail[] }) {
    super(message, options);
    this.name = 'HubsyncError';
    this.code = code;
    this.details = options?.details ?? [];
  }

  /** True when the error is the caller's to fix (bad config, missing table, unreachable database). */
  get isInputError(): boolean {
    return inputCodes.has(this.code);
  }
}

export function isHubsyncError(error: unknown): error is HubsyncError {
  return error instanceof HubsyncError;
}
