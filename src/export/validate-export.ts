import { existsSync } from 'node:fs';
import { logicalTypeName } from '../engine/logical-type-name.js';
import { openExportSource, openExportTarget, type ExportAccess } from './export-connections.js';
import { replicaTableName, type ExportProfile } from './export-profile.js';
import { exportDialects } from './sql/export-dialects.js';

export interface ExportPlan {
  readonly profile: string;
  readonly tables: readonly ExportPlanTable[];
  /** Things to know that are no error (a destination file the first run creates). */
  readonly notes: readonly string[];
}

export interface ExportPlanTable {
  readonly table: string;
  /** `schema.prefix_table` */
  readonly destination: string;
  readonly primaryKey: readonly string[];
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

/**
 * Check the profile against both databases without changing anything: the source's tables, keys
 * and columns, and that the destination can be reached (a SQLite destination may not exist yet).
 */
export async function validateExport(profile: ExportProfile, access: ExportAccess): Promise<ExportPlan> {
  const source = await openExportSource(profile, access);
  let tables;
  try {
    tables = await source.describe(profile.tables);
  } finally {
    await source.close();
  }
  const notes: string[] = [];
  const { destination } = profile;
  if (destination.provider === 'sqlite' && !existsSync(await access.resolver.resolve(destination))) {
    notes.push(`destination "${destination.name}": the SQLite file does not exist yet; the first run creates it`);
  } else {
    await (await openExportTarget(profile, access, { create: false })).close();
  }
  const schema = destination.schema ?? exportDialects[destination.provider].defaultSchema;
  return {
    profile: profile.name,
    notes,
    tables: tables.map((table) => ({
      table: table.name,
      destination: `${schema}.${replicaTableName(profile, table.name)}`,
      primaryKey: table.primaryKey,
      columns: table.columns.map((column) => ({ name: column.name, type: logicalTypeName(column.type) })),
    })),
  };
}
