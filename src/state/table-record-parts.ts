/**
 * How a record's JSON fits Table storage: a string property holds at most 32K UTF-16 units and
 * an entity at most 1 MiB (strings counted two bytes a unit), so the text is cut into parts of
 * `partLength` units, `partsPerEntity` to an entity: the first entity holds the record's head,
 * any more are chunk entities.
 */
export const partLength = 30_000;
export const partsPerEntity = 15;

export function splitText(text: string): string[] {
  const parts: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + partLength, text.length);
    // Never between the two halves of a surrogate pair: a lone half does not survive the wire.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts.length === 0 ? [''] : parts;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Parts as properties p0, p1, … of one entity. */
export function partProperties(parts: readonly string[]): Record<string, string> {
  return Object.fromEntries(parts.map((part, index) => [`p${index}`, part]));
}

/** The parts an entity holds, in order; undefined when one is missing. */
export function readParts(entity: Readonly<Record<string, unknown>>, count: number): string[] | undefined {
  const parts: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const part = entity[`p${index}`];
    if (typeof part !== 'string') return undefined;
    parts.push(part);
  }
  return parts;
}

/** The parts cut into groups of one entity each: the head's, then each chunk's. */
export function groupParts(parts: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (let start = 0; start < parts.length; start += partsPerEntity) groups.push(parts.slice(start, start + partsPerEntity));
  return groups;
}

/** Bytes an entity's parts take in a request (as escaped JSON, in UTF-8), with room for its keys. */
export function requestBytes(parts: readonly string[]): number {
  return parts.reduce((sum, part) => sum + Buffer.byteLength(JSON.stringify(part), 'utf8'), 0) + 2048;
}
