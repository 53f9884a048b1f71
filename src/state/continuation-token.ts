import { ErrorCode, HubsyncError } from '../errors.js';

/**
 * A store's position in a list, handed to callers as an opaque token (base64url of its JSON),
 * so callers cannot come to depend on what a store keeps in it and a store can change it.
 */
export function encodeContinuationToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** The position in a token, when `isPosition` accepts it; a token from elsewhere is the caller's error. */
export function decodeContinuationToken<T>(token: string, isPosition: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isPosition(value)) throw new HubsyncError(ErrorCode.InvalidContinuationToken, 'the continuation token is not one this list returned');
  return value;
}

/** The page size a caller asked for, within what one page may hold. */
export function pageLimit(requested: number | undefined, maximum: number): number {
  if (requested === undefined) return Math.min(100, maximum);
  return Math.max(1, Math.min(Math.floor(requested), maximum));
}
