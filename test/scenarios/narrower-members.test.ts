import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { validateGroup } from '../../src/engine/validate-group.js';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import type { ProviderHarness } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { sqliteHarness } from '../support/sqlite-harness.js';

/**
 * A member table that cannot hold every hub value would round what it receives, and its next
 * edit of another column would write the rounded values back over the hub. It is refused instead.
 */
const hubTable =
  'CREATE TABLE "measures" ("id" bigint PRIMARY KEY, "d" double precision, "n" numeric(38,10), "t" timestamp)';

interface NarrowMember {
  readonly harness: ProviderHarness;
  readonly ddl: string;
  /** The first column refused, its member type and the hub's. */
  readonly refused: readonly [column: string, memberType: RegExp, hubType: RegExp];
}

const narrowMembers: readonly NarrowMember[] = [
  {
    harness: postgresHarness,
    ddl: 'CREATE TABLE "measures" ("id" bigint PRIMARY KEY, "d" real, "n" numeric(10,2), "t" date)',
    refused: ['measures.d', /real/, /float64/],
  },
  {
    harness: sqliteHarness,
    // SQLite keeps 8 bytes in a FLOAT4 column, so "d" holds every double; "n" is refused.
    ddl: 'CREATE TABLE "measures" ("id" BIGINT PRIMARY KEY, "d" FLOAT4, "n" DECIMAL_TEXT(10,2), "t" DATE)',
    refused: ['measures.n', /DECIMAL_TEXT\(10,2\)/, /decimal\(38,10\)/],
  },
];

/** The mismatch error for one column ("table.column"): member, table, column and both types are named. */
function mismatchOf(column: string, memberType: RegExp, hubType: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof HubsyncError, String(error));
    assert.equal(error.code, ErrorCode.SchemaMismatch);
    assert.match(error.message, /member "store"/);
    assert.ok(error.message.includes(`"${column}"`), error.message);
    assert.match(error.message, memberType);
    assert.match(error.message, hubType);
    return true;
  };
}

describe('member tables narrower than the hub are refused', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.dispose();
    scenario = undefined;
  });

  for (const member of narrowMembers) {
    it(`refuses a ${member.harness.engine} member with narrower float, numeric(10,2) and date for double, numeric(38,10) and timestamp`, async () => {
      scenario = await createScenario({
        hub: postgresHarness,
        members: [{ name: 'store', harness: member.harness, direction: 'bidirectional' }],
        tables: [],
        selections: [{ name: 'measures' }],
      });
      await scenario.hub.exec(hubTable);
      await scenario.hub.exec('INSERT INTO "measures" VALUES (1, 0.1, 12345678.0123456789, \'2026-01-01 10:30:00\')');
      await scenario.member('store').exec(member.ddl);

      await assert.rejects(validateGroup(scenario.group, scenario.context), mismatchOf(...member.refused));
      await assert.rejects(scenario.sync(), mismatchOf(...member.refused));
      const rows = await scenario.member('store').query('SELECT * FROM "measures"');
      assert.deepEqual(rows, [], 'nothing was copied into the narrower table');
    });
  }

  it('accepts a narrower column on a toHub member, which never receives hub values', async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [{ name: 'store', harness: postgresHarness, direction: 'toHub' }],
      tables: [],
      selections: [{ name: 'measures' }],
    });
    await scenario.hub.exec(hubTable);
    await scenario.member('store').exec(narrowMembers[0]?.ddl ?? '');
    await scenario.member('store').exec('INSERT INTO "measures" VALUES (1, 0.5, 12.25, \'2026-01-01\')');

    assert.equal((await scenario.sync()).status, 'succeeded');
    const rows = await scenario.hub.query('SELECT "n"::text AS n, "t"::text AS t FROM "measures"');
    assert.deepEqual(rows, [{ n: '12.2500000000', t: '2026-01-01 00:00:00' }]);
  });

  it('refuses the next sync after the hub widens a column', async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: [{ name: 'store', harness: postgresHarness, direction: 'bidirectional' }],
      tables: [],
      selections: [{ name: 'prices' }],
    });
    await scenario.hub.exec('CREATE TABLE "prices" ("id" bigint PRIMARY KEY, "amount" numeric(10,2))');
    await scenario.hub.exec('INSERT INTO "prices" VALUES (1, 12.34)');
    assert.equal((await scenario.sync()).status, 'succeeded');

    await scenario.hub.exec('ALTER TABLE "prices" ALTER COLUMN "amount" TYPE numeric(38,10)');

    await assert.rejects(scenario.sync(), mismatchOf('prices.amount', /numeric\(10,2\)/, /decimal\(38,10\)/));
  });
});
