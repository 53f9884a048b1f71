/**
 * Finds where JSON text stops being valid. V8's JSON.parse messages sometimes quote the input,
 * and a config file may hold a literal connection string, so hubsync reports only a position.
 */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** Offset of the first syntax error, or null when the text is valid JSON. */
export function findJsonErrorOffset(text: string): number | null {
  let at = 0;

  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at += 1;
  };
  const expect = (pattern: RegExp): void => {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match === null) throw new SyntaxAt(at);
    at += match[0].length;
  };
  const value = (): void => {
    skipSpace();
    const char = text.charAt(at);
    if (char === '{') return container('}', () => {
      skipSpace();
      expect(stringPattern);
      skipSpace();
      expect(/:/y);
      value();
    });
    if (char === '[') return container(']', value);
    if (char === '"') return expect(stringPattern);
    expect(/-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y);
  };
  const container = (close: string, entry: () => void): void => {
    at += 1;
    skipSpace();
    if (text.charAt(at) === close) {
      at += 1;
      return;
    }
    for (;;) {
      entry();
      skipSpace();
      if (text.charAt(at) === close) {
        at += 1;
        return;
      }
      expect(/,/y);
    }
  };

  try {
    value();
    skipSpace();
    return at === text.length ? null : at;
  } catch (error) {
    if (error instanceof SyntaxAt) return error.offset;
    throw error;
  }
}

export function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1) ?? '').length + 1 };
}

const stringPattern = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;

class SyntaxAt {
  constructor(readonly offset: number) {}
}
