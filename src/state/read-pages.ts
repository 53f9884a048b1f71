import type { Page, PageRequest } from '../engine/state-store.js';

/**
 * Follow a list's continuation tokens and gather its items, all of them or the first `max`.
 * For listings meant to be complete (a CLI printing every conflict); services page instead.
 */
export async function readPages<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  max: number = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const items: T[] = [];
  let continuationToken: string | null = null;
  do {
    const page: Page<T> = await list({ limit: Math.min(max - items.length, 1000), continuationToken });
    items.push(...page.items.slice(0, max - items.length));
    continuationToken = page.continuationToken;
  } while (continuationToken !== null && items.length < max);
  return items;
}
