import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ErrorCode, HubsyncError } from '../errors.js';
import type { SyncGroup } from '../engine/group.js';
import { configSchema } from './config-schema.js';
import { describeIssue, formatIssues } from './config-issues.js';
import { findJsonErrorOffset, positionOf } from './json-error-position.js';

export interface LoadedConfig {
  readonly group: SyncGroup;
  /** Absolute path of the config file. */
  readonly path: string;
  /** The config file's folder: relative SQLite paths and the default state file live beside it. */
  readonly directory: string;
}

/** Reads and validates a sync group config file; every problem is HS_CONFIG_INVALID naming the file. */
export async function loadGroupConfig(path: string): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const text = await readConfigText(absolute);
  const parsed = configSchema.safeParse(parseJson(absolute, text), { error: describeIssue });
  if (!parsed.success) throw invalid(absolute, formatIssues(parsed.error.issues));
  return { group: parsed.data, path: absolute, directory: dirname(absolute) };
}

/** `kind` names the file in messages: a sync group's "config file", an export "profile file". */
export async function readConfigText(path: string, kind = 'config file'): Promise<string> {
  try {
    // Editors on Windows like to save JSON with a byte-order mark, which JSON.parse rejects.
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code);
    const reason = readFailures[code] ?? code;
    throw new HubsyncError(ErrorCode.ConfigInvalid, `cannot read ${kind} ${path}: ${reason}`, { cause: error });
  }
}

const readFailures: Readonly<Record<string, string>> = {
  ENOENT: 'file not found',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
};

export function parseJson(path: string, text: string, kind = 'config file'): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const offset = findJsonErrorOffset(text) ?? text.length;
    const { line, column } = positionOf(text, offset);
    // The parser's own message is left out on purpose: it may quote a literal connection string.
    throw invalid(path, `not valid JSON at line ${line}, column ${column}`, kind);
  }
}

export function invalid(path: string, detail: string, kind = 'config file'): HubsyncError {
  return new HubsyncError(ErrorCode.ConfigInvalid, `invalid ${kind} ${path}: ${detail}`);
}
