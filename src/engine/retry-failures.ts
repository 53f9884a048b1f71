import { randomUUID } from 'node:crypto';
import { ErrorCode, isHubsyncError } from '../errors.js';
import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import { isDue, recordRejection } from './failed-records.js';
import { maxKeysPerRead, type Change } from './provider.js';
import { withRunSession, type RunSession } from './run-session.js';
import type { FailedRecord, RetriedRecords, StateStore, TransferDirection } from './state-store.js';
import { openLeg, seenCursor, sidesOf, type TransferLeg } from './transfer-leg.js';
import { tableId } from './table-name.js';
import { applyJudged } from './transfer.js';
import type { TableSchema } from './types.js';
import { fromJsonValue, keyToJson } from './values.js';

/** A retry step's input, plain JSON like every step's. */
export interface RetryFailuresInput {
  readonly runId: string;
  /** Every record, also those whose retries are used up, without waiting for nextAttemptAt. */
  readonly all?: boolean;
  /** Stop before starting another table at or after this time (epoch milliseconds). */
  readonly deadline?: number;
}

/** What happened to one retried record. */
export interface RetryOutcome {
  readonly id: string;
  readonly table: string;
  readonly member: string;
  readonly direction: TransferDirection;
  readonly key: FailedRecord['key'];
  /** `cleared`: delivered, or nothing is left to deliver; `failed`: rejected again. */
  readonly result: 'cleared' | 'failed';
  /** Why it was rejected again. */
  readonly error: string | null;
}

export interface RetryFailuresResult extends RetriedRecords {
  readonly outcomes: readonly RetryOutcome[];
  /** One line per member whose records could not be retried now (its database unreachable); they wait. */
  readonly notices: readonly string[];
  /** The deadline came first: due records remain. */
  readonly more: boolean;
}

/**
 * Retry failed records, at the start of a run or on request. A retry never re-sends the version
 * that was rejected: it reads what the source holds for the key now and applies that, with the
 * engine's conflict rules, without moving any position (invariants 3, 4, 6, 7). A row deleted
 * since arrives as a delete, never as the old insert; a key whose current version came from the
 * destination itself has nothing left to deliver. A delivered record is cleared; a record cleared
 * late (a crash after the apply) is delivered again harmlessly: the apply is idempotent.
 */
export async function retryFailedRecords(session: RunSession, input: RetryFailuresInput): Promise<RetryFailuresResult> {
  const { group, context } = session;
  const now = new Date();
  const outcomes: RetryOutcome[] = [];
  const notices: string[] = [];
  const legs = new Map<string, Promise<TransferLeg>>();
  const unavailable = new Set<string>();
  let continuationToken: string | null = null;
  let more = false;
  do {
    // Cleared records leave the list and retried ones keep their place (the time they first
    // failed), so keyset paging neither skips nor repeats one.
    const page = await context.state.listFailures(group.name, { limit: 500, continuationToken });
    continuationToken = page.continuationToken;
    for (const batch of retryBatches(session, page.items.filter((record) => isDue(record, now, input.all === true)))) {
      if (input.deadline !== undefined && Date.now() >= input.deadline) {
        more = true;
        continuationToken = null;
        break;
      }
      const legKey = `${batch.member}\u0000${batch.direction}`;
      if (unavailable.has(legKey)) continue;
      try {
        let leg = legs.get(legKey);
        if (leg === undefined) {
          leg = openLeg(session, batch.member, batch.direction);
          legs.set(legKey, leg);
        }
        outcomes.push(...(await retryBatch(session, input.runId, await leg, batch)));
      } catch (error) {
        // The member's database is unreachable (its transfer will say so): its records wait.
        unavailable.add(legKey);
        notices.push(`failed records of member "${batch.member}" (${batch.direction}) not retried: ${messageOf(error)}`);
      }
    }
  } while (continuationToken !== null);
  const cleared = outcomes.filter((outcome) => outcome.result === 'cleared').length;
  return { attempted: outcomes.length, cleared, stillFailing: outcomes.length - cleared, outcomes, notices, more };
}

/**
 * Retry now, outside a run (`hubsync failures retry`, the API's failures/retry): due records, or
 * with `all` every record. The caller keeps runs of the group out meanwhile, as for a run.
 */
export function retryGroupFailures(
  group: SyncGroup,
  context: EngineContext,
  options: Pick<RetryFailuresInput, 'all' | 'deadline'>,
): Promise<RetryFailuresResult> {
  return withRunSession(group, context, (session) => retryFailedRecords(session, { ...options, runId: `retry-${randomUUID()}` }));
}

/** Due records of one member, direction and synced table, at most one read's worth. */
interface RetryBatch {
  readonly member: string;
  readonly direction: TransferDirection;
  readonly table: TableSchema;
  readonly records: readonly FailedRecord[];
}

/**
 * Records grouped for reading. Records of a table no longer synced, of a member no longer in
 * the group, or of a direction the member no longer takes stay as they are: retrying them would
 * send rows where the group no longer sends them.
 */
function retryBatches(session: RunSession, records: readonly FailedRecord[]): RetryBatch[] {
  const batches = new Map<string, { member: string; direction: TransferDirection; table: TableSchema; records: FailedRecord[] }>();
  for (const record of records) {
    const member = session.group.members.find((candidate) => candidate.name === record.member);
    const table = session.plan.tables.find((candidate) => tableId(candidate) === record.table);
    const excluded = record.direction === 'upload' ? 'fromHub' : 'toHub';
    if (member === undefined || table === undefined || member.direction === excluded) continue;
    const key = JSON.stringify([record.member, record.direction, record.table]);
    const batch = batches.get(key) ?? { member: record.member, direction: record.direction, table, records: [] };
    batch.records.push(record);
    batches.set(key, batch);
  }
  return [...batches.values()].flatMap((batch) => {
    const chunks: RetryBatch[] = [];
    for (let start = 0; start < batch.records.length; start += maxKeysPerRead) {
      chunks.push({ ...batch, records: batch.records.slice(start, start + maxKeysPerRead) });
    }
    return chunks;
  });
}

async function retryBatch(session: RunSession, runId: string, leg: TransferLeg, batch: RetryBatch): Promise<RetryOutcome[]> {
  const { table } = batch;
  const keyColumns = table.primaryKey.map((name) => table.columns.find((column) => column.name === name));
  const keys = batch.records.map((record) => keyColumns.map((column) => (column ? fromJsonValue(record.key[column.name] ?? null, column.type) : null)));
  const current = await leg.source.readRows({ table, keys, excludeScope: leg.destinationScope });
  const byKey = new Map(current.map((change) => [JSON.stringify(keyToJson(table, change.values)), change]));
  const apply = {
    table,
    sides: sidesOf(session, runId, leg, tableId(table)),
    destination: leg.destination,
    sourceScope: leg.sourceScope,
    seen: seenCursor(leg, tableId(table)),
  };
  const outcomes: RetryOutcome[] = [];
  for (const record of batch.records) {
    const { state } = session.context;
    // No current version: the row was never tracked, or its last version came from the destination.
    const change = byKey.get(JSON.stringify(record.key));
    const error = change === undefined ? null : await deliver(state, apply, change);
    if (change === undefined || error === null) await state.clearFailure(record.group, record.id);
    else await recordRejection(state, { ...apply.sides, table, direction: batch.direction }, change, error, session.group);
    outcomes.push({
      id: record.id,
      table: record.table,
      member: record.member,
      direction: record.direction,
      key: record.key,
      result: error === null ? 'cleared' : 'failed',
      error,
    });
  }
  return outcomes;
}

/** Apply the source's current version; the reason when the destination (or the source's reading) rejects it. */
async function deliver(state: StateStore, apply: Parameters<typeof applyJudged>[0], change: Change): Promise<string | null> {
  if (change.unreadable !== undefined) return change.unreadable;
  try {
    await applyJudged(apply, state, [change], null);
    return null;
  } catch (error) {
    if (isHubsyncError(error) && error.code === ErrorCode.DataRejected) return error.message;
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
