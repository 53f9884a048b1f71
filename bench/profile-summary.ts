import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The parts of a V8 .cpuprofile the summary reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly function: string;
  readonly selfMs: number;
  readonly selfPercent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  readonly top: readonly ProfileEntry[];
}

/** Self time per function (summed over every call site), largest first. */
export function summariseProfile(path: string, limit = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${shortUrl(url)}:${lineNumber + 1}`;
    nameOf.set(node.id, `${functionName || '(anonymous)'}${where}`);
  }
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const name = nameOf.get(id) ?? '(unknown)';
    selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
    totalUs += delta;
  });
  const top = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ function: name, selfMs: us / 1000, selfPercent: totalUs > 0 ? (100 * us) / totalUs : 0 }));
  return { file: path, totalMs: totalUs / 1000, top };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = summary.top.map(
    (entry) => `  ${entry.selfPercent.toFixed(1).padStart(5)}%  ${entry.selfMs.toFixed(0).padStart(7)} ms  ${entry.function}`,
  );
  return [`${basename(summary.file)} (${summary.totalMs.toFixed(0)} ms sampled), top self time:`, ...lines].join('\n');
}

function shortUrl(url: string): string {
  const own = /\/((?:src|bench)\/[^/].*)$/.exec(url);
  if (own?.[1] !== undefined && !url.includes('/node_modules/')) return own[1];
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + 1);
  return url.replace(/^file:\/\//, '');
}
