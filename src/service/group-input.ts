import * as z from 'zod';
import { configSchema } from '../config/config-schema.js';
import { ErrorCode, HubsyncError, type ErrorDetail } from '../errors.js';
import type { GroupDefinition } from '../engine/state-store.js';
import { parseConnectionReference } from '../secrets/key-vault-resolver.js';

/** A group's configuration as the CLI config file holds it, defaults filled in. */
export type GroupConfig = z.output<typeof configSchema>;
export type Schedule = GroupDefinition['schedule'];

/** The shortest interval: a run every minute at most, the scheduler's own tick. */
export const minimumIntervalSeconds = 60;

const scheduleSchema = z.strictObject({ intervalSeconds: z.int().min(minimumIntervalSeconds) }).nullable();

/**
 * The body of `PUT /syncgroups/{group}`: the CLI config file's JSON (`name` optional, equal to the
 * route's), plus `schedule`. Every problem is reported at once, as details with JSON paths.
 */
export function parseGroupBody(group: string, body: unknown): { config: GroupConfig; schedule: Schedule } {
  const { schedule, name, ...rest } = requireObject(body, 'the request body');
  const details: ErrorDetail[] = [];
  if (name !== undefined && name !== group) {
    details.push({ code: ErrorCode.RequestInvalid, target: 'name', message: 'must equal the group name in the URL' });
  }
  const parsedSchedule = scheduleSchema.safeParse(schedule ?? null);
  if (!parsedSchedule.success) details.push(...zodDetails(parsedSchedule.error, ['schedule']));
  const config = checkedConfig({ ...rest, name: group }, details);
  return { config, schedule: parsedSchedule.success ? parsedSchedule.data : null };
}

/** Validates a whole configuration (after a member or the schema was changed) the same way. */
export function parseGroupConfig(candidate: Record<string, unknown>): GroupConfig {
  return checkedConfig(candidate, []);
}

export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HubsyncError(ErrorCode.RequestInvalid, `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function checkedConfig(candidate: Record<string, unknown>, details: ErrorDetail[]): GroupConfig {
  const parsed = configSchema.safeParse(candidate);
  if (!parsed.success) details.push(...zodDetails(parsed.error, []));
  else details.push(...connectionDetails(parsed.data));
  if (!parsed.success || details.length > 0) throw invalidGroup(details);
  return parsed.data;
}

/**
 * Connections must be references: a literal connection string would otherwise be stored in Table
 * storage (invariant 10). The text is never echoed back.
 */
function connectionDetails(config: GroupConfig): ErrorDetail[] {
  return connectionReferenceDetails([
    { target: 'hub.connection', subject: `hub "${config.hub.name}"`, connection: config.hub.connection },
    ...config.members.map((member, index) => ({
      target: `members[${index}].connection`,
      subject: `member "${member.name}"`,
      connection: member.connection,
    })),
  ]);
}

/** A detail for each connection that is not a `keyvault:`/`env:` reference; the text itself is never echoed. */
export function connectionReferenceDetails(
  nodes: readonly { readonly target: string; readonly subject: string; readonly connection: string }[],
): ErrorDetail[] {
  return nodes.flatMap(({ target, subject, connection }) => {
    try {
      parseConnectionReference(connection, subject);
      return [];
    } catch (error) {
      if (!(error instanceof HubsyncError)) throw error;
      return [{ code: error.code, target, message: error.message }];
    }
  });
}

function invalidGroup(details: readonly ErrorDetail[]): HubsyncError {
  return invalidDefinition('the sync group definition', details);
}

/** HS_CONNECTION_REFERENCE_INVALID when only connections are wrong, HS_CONFIG_INVALID otherwise; all details listed. */
export function invalidDefinition(what: string, details: readonly ErrorDetail[]): HubsyncError {
  const onlyConnections = details.length > 0 && details.every((detail) => detail.code === ErrorCode.ConnectionReferenceInvalid);
  const code = onlyConnections ? ErrorCode.ConnectionReferenceInvalid : ErrorCode.ConfigInvalid;
  return new HubsyncError(code, `${what} is not valid; see details`, { details });
}

export function zodDetails(error: z.ZodError, prefix: readonly (string | number)[]): ErrorDetail[] {
  return error.issues.map((issue) => ({
    code: ErrorCode.ConfigInvalid,
    target: jsonPath([...prefix, ...issue.path.filter((part) => typeof part !== 'symbol')]),
    message: issue.message,
  }));
}

function jsonPath(parts: readonly (string | number)[]): string {
  return parts.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}
