import type { LogicalType, SyncValue } from '../engine/types.js';
import { ErrorCode, HubsyncError } from '../errors.js';

/** The fraction of a canonical timestamp or timestamptz ("YYYY-MM-DD HH:MM:SS.fffffff..."). */
const fractionPattern = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.(\d+)/;

/**
 * A canonical value as it goes to an engine that keeps microseconds. A time from SQL Server
 * (datetime2(7), datetimeoffset(7)) may carry a seventh fraction digit, which that engine would
 * round away: the row is refused with HS_DATA_REJECTED, so it becomes a visible failed record
 * instead of an altered row. The value itself is not repeated in the message.
 */
export function microsecondTime(type: LogicalType, value: SyncValue, engine: string): SyncValue {
  if ((type.kind !== 'timestamp' && type.kind !== 'timestamptz') || typeof value !== 'string') return value;
  const digits = fractionPattern.exec(value)?.[1] ?? '';
  if (/[1-9]/.test(digits.slice(6))) {
    throw new HubsyncError(
      ErrorCode.DataRejected,
      `a ${type.kind} with ${digits.length} fraction digits cannot be stored exactly in ${engine}, which keeps microseconds (6 digits); it would be rounded`,
    );
  }
  return value;
}
