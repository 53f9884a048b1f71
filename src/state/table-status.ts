/** The HTTP status of a failed Table storage call (the SDK's RestError), if it has one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

/** 409 (the entity exists) or 412 (its etag changed): another writer got there first. */
export function isConflictStatus(status: number | undefined): boolean {
  return status === 409 || status === 412;
}
