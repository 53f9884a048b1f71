/**
 * Values kept for a fixed time after they were fetched. Concurrent gets of one key share a single
 * fetch; a failed fetch is not kept, so the next get tries again.
 */
export class ExpiringCache<T> {
  private readonly entries = new Map<string, { readonly value: Promise<T>; readonly expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string, fetch: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached && this.now() < cached.expiresAt) return cached.value;
    const value = fetch();
    const entry = { value, expiresAt: this.now() + this.ttlMs };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}
