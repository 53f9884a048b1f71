import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { descendingTime, escapeKey, joinKey, keysUnder } from '../../src/state/table-keys.js';
import { partLength, splitText } from '../../src/state/table-record-parts.js';

/** What the Table storage service refuses in a key, beyond what the emulator checks. */
const forbiddenInKeys = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

describe('Table storage keys', () => {
  it('escape every character keys may not hold, and keep different texts different', () => {
    const texts = ['a/b', 'a%2Fb', 'a\\b', 'a#b', 'a?b', 'a\tb', 'a\u0085b', 'a|b', 'a%b', 'plain-name_1'];
    const escaped = texts.map(escapeKey);
    for (const key of escaped) assert.doesNotMatch(key, forbiddenInKeys, key);
    assert.equal(new Set(escaped).size, texts.length);
    assert.equal(escapeKey('plain-name_1'), 'plain-name_1');
  });

  it('bound the keys under a prefix without taking in a longer name', () => {
    const { from, to } = keysUnder(escapeKey('store'));
    const inside = (key: string): boolean => key > from && key < to;
    assert.ok(inside(joinKey('store', 'orders', 'upload')));
    assert.ok(!inside(joinKey('store1', 'orders', 'upload')));
    assert.ok(!inside(joinKey('store|x', 'orders')), 'a | in a name is escaped, so it cannot fake a boundary');
  });

  it('order times newest first', () => {
    const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z', '2026-01-02T00:00:00.000Z', '2027-12-31T23:59:59.999Z'];
    assert.deepEqual([...times].sort((a, b) => (descendingTime(a) < descendingTime(b) ? -1 : 1)), [...times].reverse());
  });
});

describe('record parts', () => {
  it('cut text into parts a property can hold, never between the halves of a surrogate pair', () => {
    // Pairs straddle every part boundary: the text is one BMP character, then pairs only.
    const text = `x${'😀'.repeat(partLength * 2)}`;
    const parts = splitText(text);
    assert.equal(parts.join(''), text);
    for (const part of parts) {
      assert.ok(part.length <= partLength);
      assert.doesNotMatch(part, /^[\udc00-\udfff]|[\ud800-\udbff]$/, 'a part starts or ends inside a pair');
    }
    assert.deepEqual(splitText(''), ['']);
  });
});
