import { createHash } from 'node:crypto';
import type { ConflictPolicy } from './group.js';
import type { Change, ConflictCandidate, ExistingVersion } from './provider.js';
import type { ConflictRecord, RowVersion } from './state-store.js';
import type { SyncValue, TableSchema } from './types.js';
import { keyToJson, rowToJson, valuesEqual } from './values.js';
import { tableId } from './table-name.js';

/** Who is on each side of an apply, in the group's terms. */
export interface ApplySides {
  readonly group: string;
  readonly runId: string;
  readonly member: string;
  /** The node whose changes are being applied. */
  readonly sourceNode: string;
  /** The node receiving them. */
  readonly destinationNode: string;
  readonly sourceIsHub: boolean;
  /** 'fromHub' when the destination is a fromHub member: the hub always wins there. */
  readonly policy: ConflictPolicy | 'fromHub';
}

export interface Decision {
  readonly incomingWins: boolean;
  /** Present when the candidate was a real conflict and must be logged (invariant 6). */
  readonly record: ConflictRecord | null;
}

/**
 * Decide one candidate. A candidate is only a conflict when the two versions differ; the
 * policy then picks the winner, except that a delete always beats an older insert or update,
 * so a stale write can never resurrect a deleted row (invariant 4) — and a fromHub member always
 * takes the hub's version.
 */
export function decide(
  table: TableSchema,
  candidate: ConflictCandidate,
  sides: ApplySides,
  detectedAt: string,
): Decision {
  const { incoming, existing } = candidate;
  if (sameVersion(incoming, existing)) return { incomingWins: true, record: null };
  const incomingWins = incomingShouldWin(incoming, existing, sides);
  const incomingVersion = version(table, sides.sourceNode, incoming.operation, incoming.values, incoming.changedAt);
  const existingVersion = version(table, sides.destinationNode, existing.operation, existing.values, existing.changedAt);
  const record: ConflictRecord = {
    id: conflictId(sides, table, incoming, existing),
    group: sides.group,
    table: tableId(table),
    runId: sides.runId,
    member: sides.member,
    key: keyToJson(table, incoming.values),
    kind: `${incoming.operation}/${existing.operation}`,
    policy: sides.policy,
    winner: incomingWins ? sides.sourceNode : sides.destinationNode,
    winning: incomingWins ? incomingVersion : existingVersion,
    losing: incomingWins ? existingVersion : incomingVersion,
    detectedAt,
    reappliedAt: null,
  };
  return { incomingWins, record };
}

function sameVersion(incoming: Change, existing: ExistingVersion): boolean {
  const incomingDeleted = incoming.operation === 'delete';
  if (incomingDeleted || existing.values === null) return incomingDeleted && existing.values === null;
  return valuesEqual(incoming.values, existing.values);
}

function incomingShouldWin(incoming: Change, existing: ExistingVersion, sides: ApplySides): boolean {
  // A fromHub member is a replica: whatever it did locally, it ends with the hub's version.
  if (sides.policy === 'fromHub') return sides.sourceIsHub;
  const incomingDeleted = incoming.operation === 'delete';
  const existingDeleted = existing.values === null;
  if (incomingDeleted !== existingDeleted) {
    const deleteTime = incomingDeleted ? incoming.changedAt : existing.changedAt;
    const writeTime = incomingDeleted ? existing.changedAt : incoming.changedAt;
    if (writeTime < deleteTime) return incomingDeleted;
  }
  switch (sides.policy) {
    case 'hubWins':
      return sides.sourceIsHub;
    case 'memberWins':
      return !sides.sourceIsHub;
    case 'lastWriterWins':
      // Equal times fall to the hub so every member resolves a tie the same way.
      if (incoming.changedAt === existing.changedAt) return sides.sourceIsHub;
      return incoming.changedAt > existing.changedAt;
  }
}

function version(
  table: TableSchema,
  node: string,
  operation: RowVersion['operation'],
  values: readonly SyncValue[] | null,
  changedAt: string,
): RowVersion {
  return {
    node,
    operation,
    values: operation === 'delete' || values === null ? null : rowToJson(table, values),
    changedAt,
  };
}

/** Same conflict, same id: a batch retried after a crash replaces its log entries instead of doubling them. */
function conflictId(sides: ApplySides, table: TableSchema, incoming: Change, existing: ExistingVersion): string {
  const identity = JSON.stringify([
    sides.group,
    tableId(table),
    sides.sourceNode,
    sides.destinationNode,
    keyToJson(table, incoming.values),
    incoming.stamp,
    existing.stamp,
  ]);
  return createHash('sha256').update(identity).digest('hex').slice(0, 24);
}
