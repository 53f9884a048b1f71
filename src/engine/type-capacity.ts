import type { LogicalType } from './types.js';

/**
 * Whether a member column of type `member` holds every value a hub column of type `hub` can
 * hold, unchanged. `true` when it does, otherwise the reason it does not. A member that rounds,
 * truncates or re-spells a value would send the altered value back with its next edit of the row,
 * so anything short of "every value, exactly" is refused.
 */
export function canHold(member: LogicalType, hub: LogicalType): true | string {
  if (member.kind === 'text' && hub.kind !== 'text') return textHolds(member, hub);
  if (member.kind !== hub.kind) return widerKind(member, hub);
  switch (hub.kind) {
    case 'decimal':
      return member.kind === 'decimal' ? decimalHolds(member, hub) : true;
    case 'text':
      return member.kind === 'text' ? textLengthHolds(member, hub) : true;
    case 'binary':
      return member.kind === 'binary' ? lengthHolds(member.maxLength, hub.maxLength, 'bytes') : true;
    case 'json':
      // jsonb rewrites whitespace and key order: the text a json column keeps would come back altered.
      return member.kind === 'json' && member.binary === true && hub.binary !== true
        ? 'binary JSON re-spells the text the hub keeps'
        : true;
    default:
      return true;
  }
}

/** Exactly representable in the wider kind: integers in larger integers and doubles, float32 in float64. */
const widerKinds: ReadonlyMap<LogicalType['kind'], readonly LogicalType['kind'][]> = new Map([
  ['int32', ['int16']],
  ['int64', ['int16', 'int32']],
  ['float64', ['int16', 'int32', 'float32']],
]);

function widerKind(member: LogicalType, hub: LogicalType): true | string {
  if (widerKinds.get(member.kind)?.includes(hub.kind) === true) return true;
  return `${member.kind} cannot hold every ${hub.kind} value`;
}

/** Number of digits before the point; a precision without a scale means scale 0. */
function integerDigits(type: { readonly precision?: number; readonly scale?: number }): number | undefined {
  return type.precision === undefined ? undefined : type.precision - (type.scale ?? 0);
}

function decimalHolds(
  member: { readonly precision?: number; readonly scale?: number },
  hub: { readonly precision?: number; readonly scale?: number },
): true | string {
  if (member.precision === undefined) return true;
  if (hub.precision === undefined) return 'a limited precision cannot hold every value of an unlimited decimal';
  const memberScale = member.scale ?? 0;
  const hubScale = hub.scale ?? 0;
  if (memberScale < hubScale) return `scale ${memberScale} rounds values with ${hubScale} fraction digits`;
  const memberDigits = integerDigits(member) ?? 0;
  const hubDigits = integerDigits(hub) ?? 0;
  if (memberDigits < hubDigits) return `${memberDigits} integer digits cannot hold ${hubDigits}`;
  return true;
}

type TextType = { readonly maxLength?: number; readonly fixedLength?: boolean };

function textLengthHolds(member: TextType, hub: TextType): true | string {
  if (member.fixedLength === true && hub.fixedLength !== true) return paddingReason;
  return lengthHolds(member.maxLength, hub.maxLength, 'characters');
}

const paddingReason = 'a fixed-length column pads shorter text with spaces';

function lengthHolds(member: number | undefined, hub: number | undefined, unit: string): true | string {
  if (member === undefined) return true;
  if (hub === undefined) return `at most ${member} ${unit} cannot hold values of any length`;
  return member < hub ? `at most ${member} ${unit} cannot hold ${hub}` : true;
}

/** Text holds the canonical text of a uuid and a json value exactly; other kinds stay refused. */
function textHolds(member: TextType, hub: LogicalType): true | string {
  if (hub.kind !== 'uuid' && hub.kind !== 'json') return `text cannot stand in for ${hub.kind}`;
  if (member.fixedLength === true) return paddingReason;
  return lengthHolds(member.maxLength, hub.kind === 'uuid' ? uuidLength : undefined, 'characters');
}

const uuidLength = 36;
