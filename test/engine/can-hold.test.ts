import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logicalTypeName } from '../../src/engine/logical-type-name.js';
import { canHold } from '../../src/engine/type-capacity.js';
import type { LogicalType } from '../../src/engine/types.js';

const int16: LogicalType = { kind: 'int16' };
const int32: LogicalType = { kind: 'int32' };
const int64: LogicalType = { kind: 'int64' };
const float32: LogicalType = { kind: 'float32' };
const float64: LogicalType = { kind: 'float64' };
const text: LogicalType = { kind: 'text' };
const decimal = (precision?: number, scale?: number): LogicalType =>
  precision === undefined ? { kind: 'decimal' } : scale === undefined ? { kind: 'decimal', precision } : { kind: 'decimal', precision, scale };
const varchar = (maxLength: number): LogicalType => ({ kind: 'text', maxLength });

/** [member, hub, holds] */
const matrix: readonly (readonly [LogicalType, LogicalType, boolean])[] = [
  [int64, int64, true],
  [int64, int32, true],
  [int64, int16, true],
  [int32, int64, false],
  [int16, int32, false],
  [float64, float32, true],
  [float64, int32, true],
  [float32, float64, false],
  [float64, int64, false],
  [decimal(), decimal(38, 10), true],
  [decimal(10, 2), decimal(38, 10), false],
  [decimal(38, 2), decimal(38, 10), false],
  [decimal(12, 10), decimal(38, 10), false],
  [decimal(40, 12), decimal(38, 10), true],
  [decimal(10), decimal(10, 0), true],
  [decimal(10, 2), decimal(), false],
  [decimal(38, 10), int32, false],
  [{ kind: 'date' }, { kind: 'timestamp' }, false],
  [{ kind: 'timestamp' }, { kind: 'date' }, false],
  [{ kind: 'timestamptz' }, { kind: 'timestamp' }, false],
  [{ kind: 'timestamp' }, { kind: 'timestamptz' }, false],
  [text, varchar(10), true],
  [varchar(20), varchar(10), true],
  [varchar(5), varchar(10), false],
  [varchar(5), text, false],
  [{ kind: 'binary', maxLength: 4 }, { kind: 'binary', maxLength: 8 }, false],
  [{ kind: 'binary' }, { kind: 'binary', maxLength: 8 }, true],
  [{ kind: 'text', maxLength: 5, fixedLength: true }, { kind: 'text', maxLength: 5, fixedLength: true }, true],
  [varchar(5), { kind: 'text', maxLength: 5, fixedLength: true }, true],
  [{ kind: 'text', maxLength: 5, fixedLength: true }, varchar(5), false],
  [{ kind: 'json', binary: true }, { kind: 'json' }, false],
  [{ kind: 'json' }, { kind: 'json', binary: true }, true],
  [text, { kind: 'json' }, true],
  [varchar(100), { kind: 'json' }, false],
  [text, { kind: 'uuid' }, true],
  [varchar(36), { kind: 'uuid' }, true],
  [varchar(20), { kind: 'uuid' }, false],
  [text, int32, false],
  [{ kind: 'json' }, text, false],
  [{ kind: 'boolean' }, int16, false],
  [int16, { kind: 'boolean' }, false],
];

describe('canHold', () => {
  for (const [member, hub, holds] of matrix) {
    it(`${logicalTypeName(member)} ${holds ? 'holds' : 'cannot hold'} every ${logicalTypeName(hub)}`, () => {
      const result = canHold(member, hub);
      if (holds) assert.equal(result, true);
      else assert.equal(typeof result, 'string');
    });
  }

  it('says why', () => {
    assert.equal(canHold(decimal(10, 2), decimal(38, 10)), 'scale 2 rounds values with 10 fraction digits');
    assert.equal(canHold(float32, float64), 'float32 cannot hold every float64 value');
  });
});
