import { ErrorCode, HubsyncError } from '../errors.js';
import type { TableRecords } from './table-records.js';

/**
 * Writes a definition (a group, an export profile) under optimistic concurrency: with `ifMatch`
 * only over the stored revision of that value (null: only when there is none), otherwise
 * HS_PRECONDITION_FAILED naming `subject`. Returns the new revision.
 */
export function writeIfMatch<T>(
  records: TableRecords<T>,
  partition: string,
  id: string,
  value: T,
  ifMatch: string | null | undefined,
  subject: string,
): Promise<string> {
  return records.write(partition, id, (stored) => {
    if (ifMatch !== undefined && (stored?.revision ?? null) !== ifMatch) {
      const reason = stored === null ? 'does not exist' : ifMatch === null ? 'already exists' : 'was changed since it was read';
      throw new HubsyncError(ErrorCode.PreconditionFailed, `${subject} ${reason}`);
    }
    return value;
  });
}
