/**
 * Pure helpers of the randomized sync test: the oracle that says what the hub
 * must hold for a key after one sync, from what each node did to that key in the round.
 * Kept free of databases so a wrong expectation can be read (and fixed) apart from the driver.
 */
import type { ConflictPolicy } from '../../src/engine/group.js';

/**
 * A node's part in one key's round: its row for the key when its writes were done (the
 * snapshot's JSON text, null when absent) and the order of its last write to the key. Writes
 * are made one at a time with a sleep between them, so this order is also the order of the
 * change times the databases recorded, which last-writer-wins and the tombstone rule judge by.
 */
export interface NodeChange {
  readonly node: string;
  readonly isHub: boolean;
  readonly row: string | null;
  readonly order: number;
}

/** The hub's row for the key after the sync, when the policy makes it predictable; undefined otherwise. */
export type Prediction = { readonly row: string | null } | undefined;

/**
 * What the hub must hold for a key that the hub and/or uploading members (bidirectional, toHub)
 * changed in the round. `changes` holds one entry per such node; fromHub members are left out
 * (their changes never go up).
 *
 * A delete beats a write that is older than it, whatever the policy (the tombstone rule of
 * src/engine/conflict-resolution.ts); otherwise the policy decides. Cases whose outcome depends
 * on the order in which members upload (two members and hubWins/memberWins) are not predicted:
 * the caller then only checks that the hub holds one of the versions written in the round.
 */
export function predictHub(policy: ConflictPolicy, changes: readonly NodeChange[]): Prediction {
  if (changes.length === 0) return undefined;
  const [only] = changes;
  if (changes.length === 1 && only) return { row: only.row };
  const byTime = [...changes].sort((left, right) => left.order - right.order);
  if (policy === 'lastWriterWins') {
    // Pairwise "the later one wins" (with the tombstone rule agreeing) leaves the latest of all.
    const latest = byTime[byTime.length - 1];
    return latest && { row: latest.row };
  }
  const hub = changes.find((change) => change.isHub);
  const members = changes.filter((change) => !change.isHub);
  if (!hub) return undefined;
  if (policy === 'hubWins') {
    if (hub.row === null) return { row: null };
    // A member's delete newer than the hub's write beats it; once the row is deleted, hubWins
    // keeps it deleted against any later member write.
    const newerDelete = members.some((member) => member.row === null && member.order > hub.order);
    return { row: newerDelete ? null : hub.row };
  }
  const [member] = members;
  if (members.length !== 1 || !member) return undefined;
  if (member.row === null) return { row: null };
  // memberWins: the member's write wins unless the hub deleted the key after it.
  return { row: hub.row === null && hub.order > member.order ? null : member.row };
}
