import type { ApplyRequest, Change, ConflictCandidate } from '../engine/provider.js';

/** The destination's current version of a key the batch brings, found by its set-based probe. */
export interface FoundVersion {
  /** Index of the incoming change in the batch. */
  readonly ordinal: number;
  readonly existing: Change;
}

/**
 * Offer every candidate to the engine in one `resolve` call (also when there is none) and return
 * the ordinals of the incoming changes that lost: they must not be written.
 */
export async function losingOrdinals(request: ApplyRequest, found: readonly FoundVersion[]): Promise<number[]> {
  const candidates: ConflictCandidate[] = found.map(({ ordinal, existing }) => {
    const incoming = request.changes[ordinal];
    if (incoming === undefined) throw new RangeError('A conflict candidate does not match an incoming change');
    return {
      incoming,
      existing: {
        operation: existing.operation,
        values: existing.operation === 'delete' ? null : existing.values,
        changedAt: existing.changedAt,
        stamp: existing.stamp,
      },
    };
  });
  const answers = await request.resolve(candidates);
  if (answers.length !== candidates.length) {
    throw new RangeError(`resolve answered ${answers.length} of ${candidates.length} conflict candidates`);
  }
  return found.filter((_, index) => answers[index] !== true).map(({ ordinal }) => ordinal);
}
