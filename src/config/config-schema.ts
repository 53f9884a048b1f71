import * as z from 'zod';
import { conflictPolicies, defaultBatchSize, directions, retryLimits } from '../engine/group.js';
import { parseTableName, tableId, withoutDefaultSchema } from '../engine/table-name.js';
import type { EngineName } from '../engine/provider.js';

export const engines = ['postgres', 'sqlite', 'mssql'] as const satisfies readonly EngineName[];

/** Group and node names become scope ids, state keys and file names, so they stay plain. */
export const nameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, "_" or "-"' });

/** A literal connection string or path, or `env:NAME` (checked here so a typo fails before any connect). */
export const connectionSchema = z
  .string()
  .min(1)
  .refine((value) => !value.startsWith('env:') || /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(value), {
    error: 'env: must be followed by an environment variable name (letters, digits, "_")',
  });

const nodeShape = {
  name: nameSchema,
  provider: z.enum(engines),
  connection: connectionSchema,
};

/**
 * A table written as text, `"table"` or `"schema.table"` (a part holding a dot in double quotes),
 * becomes the object form `{ "schema": …, "name": … }` before the object is checked.
 */
function tableNameText(value: unknown, context: z.RefinementCtx): unknown {
  if (typeof value !== 'string') return value;
  const parsed = parseTableName(value);
  if (parsed === null) {
    context.addIssue({ code: 'custom', message: `"${value}" is not a table name: write "table" or "schema.table" (a part holding a dot in double quotes)` });
    return z.NEVER;
  }
  return parsed;
}

const tableNameShape = { schema: z.string().min(1).optional(), name: z.string().min(1) };

const tableNameSchema = z.preprocess(tableNameText, z.strictObject(tableNameShape));

/** A table entry: its name alone, or an object with the name and the table's options. */
const tableSchema = z.preprocess(
  tableNameText,
  z.strictObject({
    ...tableNameShape,
    columns: z.array(z.string().min(1)).min(1).optional(),
    conflictPolicy: z.enum(conflictPolicies).optional(),
    /** Per member, where it keeps the table when not under the hub's schema and name. */
    memberNames: z.record(z.string(), tableNameSchema).optional(),
  }),
);

export const configSchema = z
  .strictObject({
    name: nameSchema,
    hub: z.strictObject(nodeShape),
    members: z.array(z.strictObject({ ...nodeShape, direction: z.enum(directions) })).min(1),
    conflictPolicy: z.enum(conflictPolicies).default('hubWins'),
    tables: z.array(tableSchema).min(1),
    batchSize: z.int().min(1).max(100_000).default(defaultBatchSize),
    // Retries of rows a destination rejected, named as in the Data Export Service.
    retryCount: z.int().min(retryLimits.retryCount.min).max(retryLimits.retryCount.max).default(retryLimits.retryCount.default),
    retryIntervalSeconds: z
      .int()
      .min(retryLimits.retryIntervalSeconds.min)
      .max(retryLimits.retryIntervalSeconds.max)
      .default(retryLimits.retryIntervalSeconds.default),
  })
  .superRefine((config, context) => {
    const report = (entries: readonly DuplicateCandidate[], what: string): void => {
      const seen = new Set<string>();
      for (const { value, path } of entries) {
        if (seen.has(value)) context.addIssue({ code: 'custom', path, message: `duplicate ${what} "${value}"` });
        seen.add(value);
      }
    };
    report(
      [
        { value: config.hub.name, path: ['hub', 'name'] },
        ...config.members.map((member, index) => ({ value: member.name, path: ['members', index, 'name'] })),
      ],
      'node name',
    );
    report(
      config.tables.map((table, index) => ({ value: tableId(withoutDefaultSchema(table, config.hub.provider)), path: ['tables', index, 'name'] })),
      'table',
    );
    const memberNames = new Set(config.members.map((member) => member.name));
    config.tables.forEach((table, tableIndex) => {
      for (const member of Object.keys(table.memberNames ?? {})) {
        if (!memberNames.has(member)) {
          context.addIssue({ code: 'custom', path: ['tables', tableIndex, 'memberNames', member], message: `the group has no member "${member}"` });
        }
      }
    });
    config.tables.forEach((table, tableIndex) =>
      report(
        (table.columns ?? []).map((column, index) => ({ value: column, path: ['tables', tableIndex, 'columns', index] })),
        'column',
      ),
    );
  });

interface DuplicateCandidate {
  readonly value: string;
  readonly path: (string | number)[];
}
