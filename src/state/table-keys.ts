/**
 * Partition and row keys for Table storage. Keys may not hold / \ # ? or control characters,
 * so those are written %XX, as are % itself and `|`, which joins the parts of a compound key:
 * escaped parts never contain `|`, so "store|" starts the keys of member "store" and no others.
 */
const forbidden = /[%|/\\#?\u0000-\u001f\u007f-\u009f]/g;

export function escapeKey(text: string): string {
  return text.replace(forbidden, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function joinKey(...parts: readonly string[]): string {
  return parts.map(escapeKey).join('|');
}

/** Bounds of the keys that begin with `prefix` and a separator: `RowKey gt from and RowKey lt to`. */
export function keysUnder(prefix: string): { readonly from: string; readonly to: string } {
  // '}' is the character after '|'.
  return { from: `${prefix}|`, to: `${prefix}}` };
}

/**
 * A time written so that ascending key order is descending time order (runs are listed newest
 * first, and Table storage returns keys ascending). Each digit d becomes 9 - d, which reverses
 * the order of timestamps written in one format, as hubsync writes them (ISO 8601, UTC).
 */
export function descendingTime(time: string): string {
  return escapeKey(time).replace(/\d/g, (digit) => String(9 - Number(digit)));
}

const sequenceDigits = 16;

/** A sequence number as a fixed-width key, ascending or descending. */
export function sequenceKey(sequence: number, descending: boolean): string {
  const value = descending ? 10 ** sequenceDigits - 1 - sequence : sequence;
  return String(value).padStart(sequenceDigits, '0');
}

let lastSequence = 0;

/**
 * Strictly increasing within this process and close to the clock across processes: the
 * microsecond of the first write, so records with the same time list in insertion order.
 */
export function nextSequence(): number {
  lastSequence = Math.max(lastSequence + 1, Date.now() * 1000);
  return lastSequence;
}
