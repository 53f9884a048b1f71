import type { HttpRequest } from '@azure/functions';
import * as z from 'zod';
import { ErrorCode, HubsyncError, type ErrorDetail } from '../errors.js';
import type { ExportProfile } from '../export/export-profile.js';
import { exportProfileSchema } from '../export/export-profile-schema.js';
import type { ExportRunMode } from './export-contract.js';
import { connectionReferenceDetails, invalidDefinition, requireObject, zodDetails } from './group-input.js';

/**
 * The body of `PUT /exportprofiles/{profile}`: the profile JSON as `hubsync export` reads it
 * (`name` optional, equal to the route's). Connections must be `keyvault:`/`env:` references, so
 * no connection string is ever stored (invariant 10). Every problem is reported at once.
 */
export function parseProfileBody(name: string, body: unknown): ExportProfile {
  const fields = requireObject(body, 'the request body');
  const details: ErrorDetail[] = [];
  if (fields.name !== undefined && fields.name !== name) {
    details.push({ code: ErrorCode.RequestInvalid, target: 'name', message: 'must equal the profile name in the URL' });
  }
  const parsed = exportProfileSchema.safeParse({ ...fields, name });
  if (!parsed.success) throw invalidDefinition('the export profile', [...details, ...zodDetails(parsed.error, [])]);
  const { source, destination } = parsed.data;
  details.push(
    ...connectionReferenceDetails([
      { target: 'source.connection', subject: `source "${source.name}"`, connection: source.connection },
      { target: 'destination.connection', subject: `destination "${destination.name}"`, connection: destination.connection },
    ]),
  );
  if (details.length > 0) throw invalidDefinition('the export profile', details);
  return parsed.data;
}

const resyncSchema = z.strictObject({
  mode: z.enum(['failed', 'all']),
  tables: z.array(z.string().min(1)).min(1).optional(),
});

export interface ExportRunRequest {
  readonly mode: ExportRunMode;
  readonly tables: readonly string[] | null;
}

/** `{"mode": "failed" | "all", "tables": [...]}`; the tables must be the profile's. */
export function parseResyncBody(profile: ExportProfile, body: unknown): ExportRunRequest {
  const parsed = resyncSchema.safeParse(body);
  if (!parsed.success) throw new HubsyncError(ErrorCode.RequestInvalid, 'the resync body is not valid; see details', { details: requestDetails(parsed.error) });
  const known = new Set(profile.tables.map((table) => table.name));
  const unknown = (parsed.data.tables ?? []).flatMap((table, index) =>
    known.has(table) ? [] : [{ code: ErrorCode.RequestInvalid, target: `tables[${index}]`, message: 'not a table of the profile' }],
  );
  if (unknown.length > 0) throw new HubsyncError(ErrorCode.RequestInvalid, 'the resync names tables the profile does not export', { details: unknown });
  return { mode: parsed.data.mode === 'failed' ? 'resyncFailed' : 'resyncAll', tables: parsed.data.tables ?? null };
}

/** An ISO 8601 time from the query (`from`, `to`), normalised; absent is undefined, anything else 400. */
export function timeQuery(request: HttpRequest, parameter: string): string | undefined {
  const value = request.query.get(parameter);
  if (value === null) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new HubsyncError(ErrorCode.RequestInvalid, `${parameter} must be an ISO 8601 time, e.g. 2026-01-02T03:04:05Z`, {
      details: [{ code: ErrorCode.RequestInvalid, target: parameter, message: 'not an ISO 8601 time' }],
    });
  }
  return new Date(time).toISOString();
}

function requestDetails(error: z.ZodError): ErrorDetail[] {
  return zodDetails(error, []).map((detail) => ({ ...detail, code: ErrorCode.RequestInvalid }));
}
