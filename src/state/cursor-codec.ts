import type { Cursor } from '../engine/provider.js';
import type { SyncValue } from '../engine/types.js';

/**
 * Cursor keys hold canonical values, and two of them have no JSON form of their own: binary
 * (a Uint8Array) and non-finite floats. They are tagged objects on the wire; every other
 * canonical value is a JSON string, number, boolean or null, so the tags cannot collide.
 */
type EncodedValue = string | number | boolean | null | { readonly base64: string } | { readonly float: string };

export function encodeCursorKey(key: Cursor['key']): string | null {
  return key === null ? null : JSON.stringify(key.map(encodeValue));
}

export function decodeCursorKey(text: string | null): Cursor['key'] {
  return text === null ? null : (JSON.parse(text) as EncodedValue[]).map(decodeValue);
}

function encodeValue(value: SyncValue): EncodedValue {
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (typeof value === 'number' && !Number.isFinite(value)) return { float: String(value) };
  return value;
}

function decodeValue(value: EncodedValue): SyncValue {
  if (value === null || typeof value !== 'object') return value;
  return 'base64' in value ? new Uint8Array(Buffer.from(value.base64, 'base64')) : Number(value.float);
}
