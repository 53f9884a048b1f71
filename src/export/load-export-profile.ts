import { dirname, resolve } from 'node:path';
import { describeIssue, formatIssues } from '../config/config-issues.js';
import { invalid, parseJson, readConfigText } from '../config/load-config.js';
import type { ExportProfile } from './export-profile.js';
import { exportProfileSchema } from './export-profile-schema.js';

const profileFile = 'profile file';

export interface LoadedProfile {
  readonly profile: ExportProfile;
  /** Absolute path of the profile file. */
  readonly path: string;
  /** The profile file's folder: relative SQLite paths and the default state file live beside it. */
  readonly directory: string;
}

/** Reads and validates an export profile file; every problem is HS_CONFIG_INVALID naming the file. */
export async function loadExportProfile(path: string): Promise<LoadedProfile> {
  const absolute = resolve(path);
  const profile = parseExportProfile(parseJson(absolute, await readConfigText(absolute, profileFile), profileFile), absolute);
  return { profile, path: absolute, directory: dirname(absolute) };
}

/** Validates a profile file's content; `where` names it in errors. */
export function parseExportProfile(value: unknown, where: string): ExportProfile {
  const parsed = exportProfileSchema.safeParse(value, { error: describeIssue });
  if (!parsed.success) throw invalid(where, formatIssues(parsed.error.issues), profileFile);
  return parsed.data;
}
