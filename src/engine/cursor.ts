import type { Change, Cursor, PositionToken, Stamp } from './provider.js';
import type { SyncValue, TableSchema } from './types.js';
import { keyValues } from './values.js';

/** The cursor before the first change of any stream: stamps are never negative. */
export const streamStart: Cursor = { stamp: '0', key: null };

/** The cursor that says: every change with a stamp below `watermark` was delivered. */
export function completedCursor(watermark: Stamp): Cursor {
  return { stamp: watermark, key: null };
}

/** The cursor just past the last change of a batch read in (stamp, key) order. */
export function cursorAfter(table: TableSchema, changes: readonly Change[]): Cursor {
  const last = changes[changes.length - 1];
  if (!last) throw new RangeError('cursorAfter needs at least one change');
  return { stamp: last.stamp, key: keyValues(table, last.values) };
}

/**
 * Whether `later` covers strictly more than `earlier`, where that can be told without comparing
 * keys (only the database that produced the stream knows its key order): by stamp, and a keyed
 * cursor covers more than a completed one of the same stamp. Two keyed cursors of one stamp are
 * not comparable here and count as not ahead.
 */
export function isAhead(later: Cursor, earlier: Cursor): boolean {
  const difference = BigInt(later.stamp) - BigInt(earlier.stamp);
  if (difference !== 0n) return difference > 0n;
  return later.key !== null && earlier.key === null;
}

/**
 * Cursor keys hold canonical values, and some have no JSON form of their own: binary (a
 * Uint8Array), non-finite floats and -0. They are tagged objects in the token; every other
 * canonical value is a JSON string, number, boolean or null, so the tags cannot collide.
 */
type EncodedValue = string | number | boolean | null | { readonly base64: string } | { readonly float: string };

export function encodeCursor(cursor: Cursor): PositionToken {
  return JSON.stringify({ stamp: cursor.stamp, key: cursor.key === null ? null : cursor.key.map(encodeValue) });
}

export function decodeCursor(token: PositionToken): Cursor {
  const parsed = JSON.parse(token) as { stamp: Stamp; key: EncodedValue[] | null };
  return { stamp: parsed.stamp, key: parsed.key === null ? null : parsed.key.map(decodeValue) };
}

/** A cursor's key alone as JSON text (null stays null), for stores that keep the stamp apart. */
export function encodeCursorKey(key: Cursor['key']): string | null {
  return key === null ? null : JSON.stringify(key.map(encodeValue));
}

export function decodeCursorKey(text: string | null): Cursor['key'] {
  return text === null ? null : (JSON.parse(text) as EncodedValue[]).map(decodeValue);
}

function encodeValue(value: SyncValue): EncodedValue {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return { float: Object.is(value, -0) ? '-0' : String(value) };
  return value;
}

function decodeValue(value: EncodedValue): SyncValue {
  if (value === null || typeof value !== 'object') return value;
  return 'base64' in value ? new Uint8Array(Buffer.from(value.base64, 'base64')) : Number(value.float);
}
