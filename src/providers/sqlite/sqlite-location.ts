import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Where a SQLite database file is, the same for every path that reaches it (relative, through a
 * symbolic link). The file may not exist yet (a member created by its first sync): then its
 * folder is resolved, and without a folder the absolute path is the best there is.
 */
export async function sqliteLocation(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    try {
      return join(await realpath(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}
