import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Loads the app the way the Functions worker does: every file matching package.json `main` (a
 * glob, as the worker expands it), in order. A file that fails to load fails here.
 */
export async function loadAppEntryPoints(appRoot: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(appRoot, 'package.json'), 'utf8')) as { main?: unknown };
  if (typeof manifest.main !== 'string') throw new Error('package.json has no main');
  const files = await expandGlob(appRoot, manifest.main);
  if (files.length === 0) throw new Error(`package.json main "${manifest.main}" matches no file`);
  for (const file of files) await import(pathToFileURL(join(appRoot, file)).href);
  return files;
}

/** Enough of glob syntax for a `main` pattern: `{a,b}`, `**` and `*`. */
export async function expandGlob(root: string, pattern: string): Promise<string[]> {
  const base = pattern.split('/').filter((part, index, parts) => !/[*{]/.test(parts.slice(0, index + 1).join('/'))).join('/');
  const matcher = globRegExp(pattern);
  const files = await listFiles(join(root, base));
  return files
    .map((file) => relative(root, file).split(sep).join('/'))
    .filter((file) => matcher.test(file))
    .sort();
}

function globRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] ?? '';
    if (pattern.startsWith('**/', index)) {
      source += '(?:.*/)?';
      index += 2;
    } else if (char === '*') source += '[^/]*';
    else if (char === '{') source += '(?:';
    else if (char === '}') source += ')';
    else if (char === ',') source += '|';
    else source += char.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

async function listFiles(directory: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}
