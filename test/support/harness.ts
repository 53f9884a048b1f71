import type { EngineName, Provider } from '../../src/engine/provider.js';

/**
 * What a provider's test harness gives the shared suites: fresh real databases of one engine.
 * The conformance suite and the scenario tests are written against this and run unchanged for
 * every engine.
 */
export interface ProviderHarness {
  readonly engine: EngineName;
  /** A new, empty database of this engine. */
  createDatabase(): Promise<TestDatabase>;
}

export interface TestDatabase {
  readonly engine: EngineName;
  /** The connection reference a sync group config would hold for this database. */
  readonly connection: string;
  /** A new provider connected to this database; the caller closes it. */
  open(): Promise<Provider>;
  /** Run one statement. Placeholders are written `?` and converted for the engine. */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Run one query; rows as the driver returns them. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Close every handle and drop the database. */
  dispose(): Promise<void>;
}
