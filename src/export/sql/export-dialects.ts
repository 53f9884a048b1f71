import type { EngineName } from '../../engine/provider.js';
import type { ExportDialect } from './export-dialect.js';
import { mssqlExportDialect } from './mssql-export-dialect.js';
import { postgresExportDialect } from './postgres-export-dialect.js';
import { sqliteExportDialect } from './sqlite-export-dialect.js';

export const exportDialects: Readonly<Record<EngineName, ExportDialect>> = {
  postgres: postgresExportDialect,
  sqlite: sqliteExportDialect,
  mssql: mssqlExportDialect,
};
