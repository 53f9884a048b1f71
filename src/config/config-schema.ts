import * as z from 'zod';
import { conflictPolicies, defaultBatchSize, directions } from '../engine/group.js';
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

const tableSchema = z.strictObject({
  name: z.string().min(1),
  columns: z.array(z.string().min(1)).min(1).optional(),
  conflictPolicy: z.enum(conflictPolicies).optional(),
});

export const configSchema = z
  .strictObject({
    name: nameSchema,
    hub: z.strictObject(nodeShape),
    members: z.array(z.strictObject({ ...nodeShape, direction: z.enum(directions) })).min(1),
    conflictPolicy: z.enum(conflictPolicies).default('hubWins'),
    tables: z.array(tableSchema).min(1),
    batchSize: z.int().min(1).max(100_000).default(defaultBatchSize),
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
    report(config.tables.map((table, index) => ({ value: table.name, path: ['tables', index, 'name'] })), 'table');
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
