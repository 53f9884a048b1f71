import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findJsonErrorOffset, positionOf } from '../../src/config/json-error-position.js';

/** Each invalid sample with the offset where it stops being JSON. */
const invalid: readonly (readonly [string, number])[] = [
  ['', 0],
  ['{', 1],
  ['{"a": }', 6],
  ['{"a": 1,}', 8],
  ['[1, 2', 5],
  ['{"a" 1}', 5],
  ['{"a": 01}', 7],
  ['{"a": "x\\q"}', 6],
  ['{"a": "line\nbreak"}', 6],
  ['{"a": tru}', 6],
  ['{"a": 1}}', 8],
  ["{'a': 1}", 1],
  ['[1.]', 2],
  ['{"a": -}', 6],
];

const valid = ['{}', '[]', ' {"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n"]} \n', '"text"', '0', '{"a": {"b": []}}'];

describe('findJsonErrorOffset', () => {
  it('agrees with JSON.parse and finds where each invalid text goes wrong', () => {
    for (const [text, offset] of invalid) {
      assert.throws(() => JSON.parse(text), SyntaxError, text);
      assert.equal(findJsonErrorOffset(text), offset, JSON.stringify(text));
    }
    for (const text of valid) {
      JSON.parse(text);
      assert.equal(findJsonErrorOffset(text), null, text);
    }
  });

  it('turns an offset into a 1-based line and column', () => {
    assert.deepEqual(positionOf('{\n  "a": x', 9), { line: 2, column: 8 });
    assert.deepEqual(positionOf('', 0), { line: 1, column: 1 });
  });
});
