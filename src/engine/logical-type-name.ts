import type { LogicalType } from './types.js';

/** A logical type as users read it: `decimal(12,2)`, `text(40)`, `int64`. */
export function logicalTypeName(type: LogicalType): string {
  switch (type.kind) {
    case 'decimal':
      return type.precision === undefined ? 'decimal' : `decimal(${type.precision},${type.scale ?? 0})`;
    case 'text':
    case 'binary':
      return type.maxLength === undefined ? type.kind : `${type.kind}(${type.maxLength})`;
    default:
      return type.kind;
  }
}
