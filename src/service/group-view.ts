import type { RunRecord, StoredGroup } from '../engine/state-store.js';
import { runView, type RunView } from './run-view.js';

/** A group as the API returns it: the config file's JSON, its schedule, and (when read) its last run. */
export function groupView(stored: StoredGroup, lastRun?: RunRecord | null): Record<string, unknown> {
  const { config, schedule, updatedAt } = stored.definition;
  const run: { lastRun?: RunView | null } = lastRun === undefined ? {} : { lastRun: lastRun === null ? null : runView(lastRun) };
  return { ...config, schedule, updatedAt, ...run };
}

/** Etags are quoted in HTTP headers. */
export function etagHeader(stored: StoredGroup): Record<string, string> {
  return { ETag: `"${stored.etag}"` };
}

export function unquoteEtag(header: string | null): string | null {
  if (header === null) return null;
  const trimmed = header.trim();
  return trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1) : trimmed;
}
