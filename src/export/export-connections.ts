import type { EngineContext } from '../engine/engine-context.js';
import type { EngineName } from '../engine/provider.js';
import type { ConnectionResolver } from '../secrets/connection-resolver.js';
import type { ExportContext } from './export-context.js';
import type { ExportProfile } from './export-profile.js';
import type { ExportStateStore } from './export-state.js';
import type { ExportSource } from './export-source.js';
import type { ExportTarget } from './export-target.js';
import { ProviderExportSource } from './provider-export-source.js';
import { exportDialects } from './sql/export-dialects.js';
import type { SqlConnection } from './sql/sql-connection.js';
import { SqlExportTarget } from './sql/sql-export-target.js';

/** How a host (the CLI, the service) reaches a profile's databases. */
export interface ExportAccess {
  readonly resolver: ConnectionResolver;
  readonly openProvider: EngineContext['openProvider'];
}

export async function openExportSource(profile: ExportProfile, access: ExportAccess): Promise<ExportSource> {
  const { source } = profile;
  return new ProviderExportSource(profile, await access.openProvider(source, { create: false }));
}

/** The destination; with `create`, a SQLite file is created when missing, as a member's is. */
export async function openExportTarget(profile: ExportProfile, access: ExportAccess, options: { create: boolean }): Promise<ExportTarget> {
  const { destination } = profile;
  const dialect = exportDialects[destination.provider];
  const connection = await openSqlConnection(destination.provider, await access.resolver.resolve(destination), options.create);
  return new SqlExportTarget(connection, dialect, destination.schema ?? dialect.defaultSchema);
}

/** Each engine's driver is imported only when a database of that engine is used. */
async function openSqlConnection(engine: EngineName, connection: string, create: boolean): Promise<SqlConnection> {
  switch (engine) {
    case 'postgres':
      return (await import('./sql/postgres-sql-connection.js')).openPostgresSqlConnection(connection);
    case 'sqlite':
      return (await import('./sql/sqlite-sql-connection.js')).openSqliteSqlConnection(connection, { create });
    case 'mssql':
      return (await import('./sql/mssql-sql-connection.js')).openMssqlSqlConnection(connection);
  }
}

/** Run `work` with the profile's source and destination open, closing both whatever happens. */
export async function withExportContext<T>(
  profile: ExportProfile,
  access: ExportAccess,
  state: ExportStateStore,
  work: (context: ExportContext) => Promise<T>,
): Promise<T> {
  const source = await openExportSource(profile, access);
  try {
    const target = await openExportTarget(profile, access, { create: true });
    try {
      return await work({ profile, source, target, state });
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
