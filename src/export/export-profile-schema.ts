import * as z from 'zod';
import { connectionSchema, engines, nameSchema } from '../config/config-schema.js';
import { exportDefaults } from './export-profile.js';

/** Schema and prefix become parts of destination table names, so they stay letters and digits (as the Data Export Service asked). */
const schemaName = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, { error: 'must be letters and digits, starting with a letter' });
const prefix = z.string().regex(/^[A-Za-z0-9]{1,14}$/, { error: 'must be 1-14 letters and digits (under 15 characters)' });

const nodeShape = { name: nameSchema, provider: z.enum(engines), connection: connectionSchema };

const tableSchema = z.strictObject({
  name: z.string().min(1),
  columns: z.array(z.string().min(1)).min(1).optional(),
});

/** The profile JSON exactly as the issue and the README show it; defaults fill what is left out. */
export const exportProfileSchema = z
  .strictObject({
    name: nameSchema,
    source: z.strictObject(nodeShape),
    destination: z
      .strictObject({ ...nodeShape, schema: schemaName.optional(), prefix: prefix.optional() })
      .transform((destination) => ({ ...destination, schema: destination.schema ?? null, prefix: destination.prefix ?? null })),
    tables: z.array(tableSchema).min(1),
    retryCount: z.int().min(0).max(20).default(exportDefaults.retryCount),
    retryIntervalSeconds: z.int().min(0).max(3600).default(exportDefaults.retryIntervalSeconds),
    writeDeleteLog: z.boolean().default(false),
    dropDestination: z.boolean().default(false),
    schedule: z
      .strictObject({ intervalSeconds: z.int().min(1).max(86_400) })
      .nullable()
      .default(null),
    batchSize: z.int().min(1).max(100_000).default(exportDefaults.batchSize),
    failureRetentionDays: z.int().min(1).max(3650).default(exportDefaults.failureRetentionDays),
  })
  .superRefine((profile, context) => {
    const seen = new Set<string>();
    profile.tables.forEach((table, index) => {
      if (seen.has(table.name)) context.addIssue({ code: 'custom', path: ['tables', index, 'name'], message: `duplicate table "${table.name}"` });
      seen.add(table.name);
    });
    if (profile.source.name === profile.destination.name) {
      context.addIssue({ code: 'custom', path: ['destination', 'name'], message: 'must differ from the source name' });
    }
    if (profile.destination.provider === 'sqlite' && profile.destination.schema !== null && profile.destination.schema !== 'main') {
      context.addIssue({ code: 'custom', path: ['destination', 'schema'], message: 'a SQLite destination has only the schema "main"' });
    }
  });
