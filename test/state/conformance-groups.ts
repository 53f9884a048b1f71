import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/errors.js';
import { allPages, groupDefinition, rejectsWithCode, type StateStoreFactory, withStore } from './state-fixtures.js';

export function describeGroups(factory: StateStoreFactory): void {
  describe('group definitions', () => {
    it('creates, replaces with the current etag, and refuses a stale one', async () => {
      await withStore(factory, async (store) => {
        assert.equal(await store.getGroup('retail'), null);
        const created = await store.putGroup(groupDefinition('retail'), null);
        assert.deepEqual(created.definition, groupDefinition('retail'));
        assert.deepEqual(await store.getGroup('retail'), created);

        const replaced = await store.putGroup(groupDefinition('retail', 60), created.etag);
        assert.notEqual(replaced.etag, created.etag, 'every write changes the etag');
        assert.deepEqual(await store.getGroup('retail'), replaced);

        await rejectsWithCode(store.putGroup(groupDefinition('retail', 90), created.etag), ErrorCode.PreconditionFailed);
        await rejectsWithCode(store.putGroup(groupDefinition('retail', 90), null), ErrorCode.PreconditionFailed);
        await rejectsWithCode(store.putGroup(groupDefinition('missing'), replaced.etag), ErrorCode.PreconditionFailed);
        assert.deepEqual(await store.getGroup('retail'), replaced, 'refused writes changed nothing');
        assert.equal(await store.getGroup('missing'), null);

        const unconditional = await store.putGroup(groupDefinition('retail', 120));
        assert.deepEqual(unconditional.definition, groupDefinition('retail', 120), 'without ifMatch a put always writes');
      });
    });

    it('lets exactly one of two writers with the same etag replace a group', async () => {
      await withStore(factory, async (store) => {
        const { etag } = await store.putGroup(groupDefinition('retail'));
        const outcomes = await Promise.allSettled([
          store.putGroup(groupDefinition('retail', 10), etag),
          store.putGroup(groupDefinition('retail', 20), etag),
        ]);
        const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        assert.equal(won.length, 1, 'exactly one wins');
        const lost = outcomes.find((outcome) => outcome.status === 'rejected');
        assert.equal((lost?.reason as { code?: unknown } | undefined)?.code, ErrorCode.PreconditionFailed);
        assert.deepEqual((await store.getGroup('retail'))?.definition, won[0]?.value.definition);
      });
    });

    it('lists groups by name, page by page', async () => {
      await withStore(factory, async (store) => {
        const names = Array.from({ length: 12 }, (_, index) => `group-${String(index).padStart(2, '0')}`).concat(['a/b', 'a#c']);
        for (const name of [...names].reverse()) await store.putGroup(groupDefinition(name));
        const pages = await allPages((page) => store.listGroups(page), 5);
        assert.deepEqual(
          pages.flat().map((stored) => stored.definition.name),
          [...names].sort(),
        );
      });
    });

    it('deletes a group once', async () => {
      await withStore(factory, async (store) => {
        await store.putGroup(groupDefinition('retail'));
        await store.putGroup(groupDefinition('retail2'));
        assert.equal(await store.deleteGroup('retail'), true);
        assert.equal(await store.deleteGroup('retail'), false);
        assert.equal(await store.getGroup('retail'), null);
        assert.notEqual(await store.getGroup('retail2'), null);
        const created = await store.putGroup(groupDefinition('retail'), null);
        assert.deepEqual(created.definition, groupDefinition('retail'), 'a deleted name can be created again');
      });
    });
  });
}
