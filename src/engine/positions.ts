import { ErrorCode, HubsyncError } from '../errors.js';

/** What a provider throws when the position it has recorded is not where a batch was read from. */
export function positionMoved(table: string): HubsyncError {
  return new HubsyncError(
    ErrorCode.PositionMoved,
    `the position recorded for table "${table}" moved since the batch was read (another sync applied that range)`,
  );
}
