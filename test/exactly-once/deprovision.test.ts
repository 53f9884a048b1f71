import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { deprovisionGroup, provisionGroup } from '../../src/engine/provision-group.js';
import { ErrorCode, HubsyncError } from '../../src/errors.js';
import { createScenario, type Scenario } from '../support/scenario.js';
import { insertItem, items, oneStore, topologies, updateItemName } from '../scenarios/fixtures.js';

async function trackingTables(scenario: Scenario): Promise<number> {
  const provider = await scenario.hub.open();
  try {
    return (await provider.provisionedTables()).length;
  } finally {
    await provider.close();
  }
}

for (const topology of topologies) {
  describe(`deprovision with changes not yet delivered: ${topology.name}`, () => {
    let scenario: Scenario;
    afterEach(() => scenario.dispose());

    it('refuses, says what would be lost and changes nothing; --force goes ahead', async () => {
      scenario = await createScenario(oneStore(topology));
      await scenario.hub.exec(insertItem, [1, 'one', 1, null]);
      await scenario.sync();
      await scenario.member('store').exec(updateItemName, ['member edit', 1]);
      await scenario.hub.exec(insertItem, [2, 'two', 2, null]);

      await assert.rejects(deprovisionGroup(scenario.group, scenario.context), (error: unknown) => {
        assert.ok(error instanceof HubsyncError);
        assert.equal(error.code, ErrorCode.PendingChanges);
        assert.ok(error.isInputError);
        assert.match(error.message, /1 change\(s\) to table "items" made on store not yet applied on hub/);
        assert.match(error.message, /1 change\(s\) to table "items" made on hub not yet applied on store/);
        return true;
      });
      assert.equal(await trackingTables(scenario), 1, 'nothing was removed');

      await deprovisionGroup(scenario.group, scenario.context, { force: true });
      assert.equal(await trackingTables(scenario), 0);
    });

    it('goes ahead once everything is delivered', async () => {
      scenario = await createScenario(oneStore(topology));
      await provisionGroup(scenario.group, scenario.context);
      await scenario.member('store').exec(insertItem, [1, 'one', 1, null]);
      await scenario.sync();
      await deprovisionGroup(scenario.group, scenario.context);
      assert.equal(await trackingTables(scenario), 0);
    });
  });
}
