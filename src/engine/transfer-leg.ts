import type { ApplySides } from './conflict-resolution.js';
import { decodeCursor } from './cursor.js';
import type { Cursor, PositionToken, Provider } from './provider.js';
import type { RunSession } from './run-session.js';
import { hubSeenScope, scopeOf } from './scopes.js';
import type { TransferDirection } from './state-store.js';
import { policyFor } from './sync-plan.js';

/**
 * One member's databases in one direction, as a transfer and a retry of failed records see them:
 * which is source and destination, their scopes, and what each recorded of the other's stream.
 */
export interface TransferLeg {
  readonly member: string;
  readonly direction: TransferDirection;
  readonly source: Provider;
  readonly destination: Provider;
  /** Written with every applied change; the destination's own changes are never sent to it. */
  readonly sourceScope: string;
  readonly destinationScope: string;
  /** Per table: where the destination has applied the source's stream. */
  readonly recorded: ReadonlyMap<string, PositionToken>;
  /** Per table: what the source has applied (seen) of the destination's own changes. */
  readonly seen: ReadonlyMap<string, PositionToken>;
}

export async function openLeg(session: RunSession, member: string, direction: TransferDirection): Promise<TransferLeg> {
  const { group, nodes } = session;
  const node = await nodes.member(member);
  const hub = await nodes.hub();
  const upload = direction === 'upload';
  const [source, destination] = upload ? [node.provider, hub] : [hub, node.provider];
  const memberScope = scopeOf(group, member);
  const hubScope = scopeOf(group, group.hub.name);
  const [sourceScope, destinationScope] = upload ? [memberScope, hubScope] : [hubScope, memberScope];
  // Two queries for all tables: where the destination is in the source's stream, and what the
  // source has applied of the destination's own changes (what it has seen of them).
  const seenScope = upload && node.definition.direction === 'toHub' ? hubSeenScope(hubScope) : destinationScope;
  const [recorded, seen] = await Promise.all([destination.readPositions(sourceScope), source.readPositions(seenScope)]);
  return { member, direction, source, destination, sourceScope, destinationScope, recorded, seen };
}

/** What the source has seen of the destination's changes to this table (null: none). */
export function seenCursor(leg: TransferLeg, table: string): Cursor | null {
  const token = leg.seen.get(table);
  return token === undefined ? null : decodeCursor(token);
}

/** Who is on each side of an apply to this table, and which policy decides its conflicts. */
export function sidesOf(session: RunSession, runId: string, leg: TransferLeg, table: string): ApplySides {
  const { group } = session;
  const upload = leg.direction === 'upload';
  const direction = group.members.find((member) => member.name === leg.member)?.direction;
  return {
    group: group.name,
    runId,
    member: leg.member,
    sourceNode: upload ? leg.member : group.hub.name,
    destinationNode: upload ? group.hub.name : leg.member,
    sourceIsHub: !upload,
    policy: !upload && direction === 'fromHub' ? 'fromHub' : policyFor(group, table),
  };
}
