/**
 * Every table, column, index and trigger name reaches SQL through here (invariant 9): a name is
 * always double-quoted with embedded quotes doubled, so no name can end the identifier early and
 * change the statement, whatever characters it holds.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteIdentifiers(names: readonly string[]): string {
  return names.map(quoteIdentifier).join(', ');
}
