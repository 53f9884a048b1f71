import { tmpdir } from 'node:os';
import type { EngineName } from '../../src/engine/provider.js';
import { withExportContext, type ExportAccess } from '../../src/export/export-connections.js';
import type { ExportContext } from '../../src/export/export-context.js';
import type { ExportProfile } from '../../src/export/export-profile.js';
import { openEmbeddedExportState } from '../../src/export/embedded-export-state.js';
import type { ExportStateStore } from '../../src/export/export-state.js';
import { parseExportProfile } from '../../src/export/load-export-profile.js';
import { nodeAccess } from '../../src/providers/node-access.js';
import { EnvironmentResolver } from '../../src/secrets/environment-resolver.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';
import type { ProviderHarness, TestDatabase } from '../support/harness.js';

const harnesses: Readonly<Record<Exclude<EngineName, 'mssql'>, ProviderHarness>> = { postgres: postgresHarness, sqlite: sqliteHarness };

/** A real source and a real destination database, a profile between them and an in-memory export state. */
export class ExportFixture {
  private constructor(
    readonly source: TestDatabase,
    readonly destination: TestDatabase,
    public profile: ExportProfile,
    public state: ExportStateStore,
  ) {}

  static async create(
    engines: { source: Exclude<EngineName, 'mssql'>; destination: Exclude<EngineName, 'mssql'> },
    profile: Record<string, unknown>,
  ): Promise<ExportFixture> {
    const source = await harnesses[engines.source].createDatabase();
    const destination = await harnesses[engines.destination].createDatabase();
    const parsed = parseExportProfile(
      {
        name: 'crm-reporting',
        source: { name: 'crm', provider: engines.source, connection: source.connection },
        destination: { name: 'reporting', provider: engines.destination, connection: destination.connection, ...(profile.destination as object) },
        ...Object.fromEntries(Object.entries(profile).filter(([key]) => key !== 'destination')),
      },
      'test profile',
    );
    return new ExportFixture(source, destination, parsed, openEmbeddedExportState(':memory:'));
  }

  readonly access: ExportAccess = (() => {
    const resolver = new EnvironmentResolver(tmpdir());
    return { resolver, openProvider: nodeAccess(resolver).openProvider };
  })();

  with<T>(work: (context: ExportContext) => Promise<T>): Promise<T> {
    return withExportContext(this.profile, this.access, this.state, work);
  }

  async dispose(): Promise<void> {
    await this.state.close();
    await this.source.dispose();
    await this.destination.dispose();
  }
}
