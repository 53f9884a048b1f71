/** A point an activity waits at until the test opens it, so an instance can be caught running. */
export class Gate {
  private signal: () => void = () => undefined;
  private release: () => void = () => undefined;
  /** Resolves when an activity has arrived at the gate. */
  readonly reached = new Promise<void>((resolve) => (this.signal = resolve));
  private readonly opened = new Promise<void>((resolve) => (this.release = resolve));

  async pass(): Promise<string> {
    this.signal();
    await this.opened;
    return 'passed';
  }

  open(): void {
    this.release();
  }
}

/** Gates by name, made on first mention by either side. */
export class Gates {
  private readonly byName = new Map<string, Gate>();

  get(name: string): Gate {
    const gate = this.byName.get(name) ?? new Gate();
    this.byName.set(name, gate);
    return gate;
  }

  openAll(): void {
    for (const gate of this.byName.values()) gate.open();
  }
}
