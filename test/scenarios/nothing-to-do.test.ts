import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { provisionGroup } from '../../src/engine/provision-group.js';
import { readWatermark } from '../../src/engine/run-steps.js';
import { withRunSession } from '../../src/engine/run-session.js';
import { transferStep } from '../../src/engine/transfer-step.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { insertItem, items } from './fixtures.js';

/**
 * The connections the driver opens while `work` runs, per database. A run with nothing to do is
 * mostly connection set-up, so each connection more is most of what it costs.
 */
async function connectionsDuring(work: () => Promise<unknown>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const prototype = pg.Client.prototype as unknown as { connect: (...args: unknown[]) => unknown; database?: string };
  const connect = prototype.connect;
  prototype.connect = function countedConnect(this: { database?: string }, ...args: unknown[]): unknown {
    const database = this.database ?? '';
    counts.set(database, (counts.get(database) ?? 0) + 1);
    return connect.apply(this, args);
  };
  try {
    await work();
  } finally {
    prototype.connect = connect;
  }
  return counts;
}

describe('a sync run with nothing to do (PostgreSQL hub and members)', () => {
  let scenario: Scenario;
  before(async () => {
    scenario = await createScenario({
      hub: postgresHarness,
      members: ['east', 'west', 'north'].map((name) => ({ name, harness: postgresHarness, direction: 'bidirectional' as const })),
      tables: [items],
    });
    await provisionGroup(scenario.group, scenario.context);
    await scenario.hub.exec(insertItem, [1, 'hub one', 1, '1.50']);
    await scenario.member('east').exec(insertItem, [2, 'east two', 2, '2.00']);
    await scenario.sync();
  });
  after(() => scenario.dispose());

  it('opens one connection per database, however many members read from the hub at once', async () => {
    let moved = -1;
    const counts = await connectionsDuring(async () => {
      const result = await scenario.sync();
      moved = result.members.reduce((total, member) => total + member.uploaded + member.downloaded, 0);
    });
    assert.equal(moved, 0);
    assert.deepEqual(countsByNode(counts), { hub: 1, east: 1, west: 1, north: 1 });
  });

  it('opens only the hub and its member for one step of a run, as a Functions activity does', async () => {
    const counts = await connectionsDuring(() =>
      withRunSession(scenario.group, scenario.context, async (session) => {
        const watermark = await readWatermark(session, 'hub');
        return transferStep(session, { runId: 'step', member: 'west', direction: 'download', before: watermark.stamp });
      }),
    );
    assert.deepEqual(countsByNode(counts), { hub: 1, east: 0, west: 1, north: 0 });
  });

  function countsByNode(counts: ReadonlyMap<string, number>): Record<string, number> {
    const databaseOf = (connection: string) => new URL(connection).pathname.slice(1);
    return Object.fromEntries([
      ['hub', counts.get(databaseOf(scenario.hub.connection)) ?? 0],
      ...[...scenario.members.entries()].map(([name, database]) => [name, counts.get(databaseOf(database.connection)) ?? 0]),
    ]);
  }
});
