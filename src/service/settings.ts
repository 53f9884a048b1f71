import * as z from 'zod';
import { ErrorCode, HubsyncError } from '../errors.js';
import { parseKeyVaultUrl } from '../secrets/key-vault-url.js';
import type { Environment } from '../secrets/environment-setting.js';

/** Where the state tables live: a connection string (Azurite, an account key) or a managed identity. */
export type StateConnection =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | { readonly kind: 'identity'; readonly tableServiceUri: string };

export interface ServiceSettings {
  readonly stateConnection: StateConnection;
  /** Null: only `env:` connection references can be resolved (local runs). */
  readonly keyVaultUrl: string | null;
  /** The NCRONTAB the host reads for the scheduler trigger (`%HUBSYNC_SCHEDULER%`); checked here. */
  readonly scheduler: string;
  /** How long one activity works before it returns what remains (well inside functionTimeout). */
  readonly activityBudgetSeconds: number;
}

export const defaultScheduler = '0 */1 * * * *';
export const defaultActivityBudgetSeconds = 120;
/** host.json's functionTimeout is 10 minutes; an activity must stop starting batches well before. */
const maximumActivityBudgetSeconds = 540;

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

// Six fields (seconds first), as the Functions host's NCRONTAB expects; the host parses the rest.
const ncrontab = z.string().regex(/^\S+( \S+){5}$/, { error: 'must be an NCRONTAB expression of six fields, e.g. "0 */1 * * * *"' });

const budgetSetting = optionalText
  .pipe(
    z
      .string()
      .regex(/^\d+$/, { error: 'must be a whole number of seconds' })
      .transform(Number)
      .pipe(z.int().min(10).max(maximumActivityBudgetSeconds))
      .optional(),
  )
  .transform((value) => value ?? defaultActivityBudgetSeconds);

const settingsSchema = z.object({
  AzureWebJobsStorage: optionalText,
  AzureWebJobsStorage__tableServiceUri: optionalText,
  HUBSYNC_STATE_CONNECTION: optionalText,
  HUBSYNC_STATE_CONNECTION__tableServiceUri: optionalText,
  HUBSYNC_KEY_VAULT_URL: optionalText,
  HUBSYNC_SCHEDULER: optionalText.pipe(ncrontab.optional()).transform((value) => value ?? defaultScheduler),
  HUBSYNC_ACTIVITY_BUDGET_SECONDS: budgetSetting,
});

/**
 * Reads the app settings. Connection strings in them are never put into an error message: only
 * the setting's name is.
 */
export function readServiceSettings(environment: Environment = process.env): ServiceSettings {
  const parsed = settingsSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new HubsyncError(ErrorCode.ConfigInvalid, `invalid app settings: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  if (values.HUBSYNC_KEY_VAULT_URL !== undefined) parseKeyVaultUrl(values.HUBSYNC_KEY_VAULT_URL);
  return {
    stateConnection: stateConnection(values),
    keyVaultUrl: values.HUBSYNC_KEY_VAULT_URL ?? null,
    scheduler: values.HUBSYNC_SCHEDULER,
    activityBudgetSeconds: values.HUBSYNC_ACTIVITY_BUDGET_SECONDS,
  };
}

/**
 * HUBSYNC_ACTIVITY_BUDGET_SECONDS alone: what a transfer activity reads each time it starts, without
 * requiring the state settings its store was opened with.
 */
export function readActivityBudgetSeconds(environment: Environment = process.env): number {
  const parsed = budgetSetting.safeParse(environment.HUBSYNC_ACTIVITY_BUDGET_SECONDS);
  if (!parsed.success) {
    throw new HubsyncError(ErrorCode.ConfigInvalid, `invalid app settings: HUBSYNC_ACTIVITY_BUDGET_SECONDS ${parsed.error.issues[0]?.message ?? ''}`);
  }
  return parsed.data;
}

/** HUBSYNC_STATE_CONNECTION (either form) wins; otherwise the state shares AzureWebJobsStorage. */
function stateConnection(values: z.output<typeof settingsSchema>): StateConnection {
  const candidates: readonly [string | undefined, string | undefined][] = [
    [values.HUBSYNC_STATE_CONNECTION, values.HUBSYNC_STATE_CONNECTION__tableServiceUri],
    [values.AzureWebJobsStorage, values.AzureWebJobsStorage__tableServiceUri],
  ];
  for (const [connectionString, tableServiceUri] of candidates) {
    if (connectionString !== undefined) return { kind: 'connectionString', connectionString };
    if (tableServiceUri !== undefined) return { kind: 'identity', tableServiceUri: checkedServiceUri(tableServiceUri) };
  }
  throw new HubsyncError(
    ErrorCode.ConfigInvalid,
    'no state storage configured: set AzureWebJobsStorage, HUBSYNC_STATE_CONNECTION or HUBSYNC_STATE_CONNECTION__tableServiceUri',
  );
}

function checkedServiceUri(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HubsyncError(ErrorCode.ConfigInvalid, 'the state tableServiceUri setting is not a URL');
  }
  if (url.protocol !== 'https:' && url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    throw new HubsyncError(ErrorCode.ConfigInvalid, 'the state tableServiceUri must be https:// (http:// only to 127.0.0.1 or localhost)');
  }
  return url.href;
}
