import type { SyncValue } from '../../engine/types.js';

/** COPY text format: backslash, tab, newline and carriage return are escaped; NULL is \N. */
const specialCharacters = /[\\\t\n\r]/g;
const escapes: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyField(value: SyncValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return value.replace(specialCharacters, (character) => escapes[character] ?? character);
  // bytea's hex input form; its backslash is itself escaped for COPY.
  return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/** Rows gathered into chunks of about this many characters: one stream write per row costs more than the row. */
const chunkSize = 64 * 1024;

/** COPY text data for `rows`, produced lazily in chunks. */
export function* copyChunks(rows: Iterable<readonly SyncValue[]>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += `${row.map(copyField).join('\t')}\n`;
    if (chunk.length >= chunkSize) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
