import type { LogicalType } from './types.js';

/** A logical type as users read it, the same in every engine: `decimal(12,2)`, `text(40)`, `fixed text(3)`, `binary json`, `int64`. */
export function logicalTypeName(type: LogicalType): string {
  switch (type.kind) {
    case 'decimal':
      return type.precision === undefined ? 'decimal' : `decimal(${type.precision},${type.scale ?? 0})`;
    case 'text':
      return `${type.fixedLength === true ? 'fixed ' : ''}text${type.maxLength === undefined ? '' : `(${type.maxLength})`}`;
    case 'binary':
      return type.maxLength === undefined ? 'binary' : `binary(${type.maxLength})`;
    case 'json':
      return type.binary === true ? 'binary json' : 'json';
    default:
      return type.kind;
  }
}
