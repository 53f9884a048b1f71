/**
 * The state store conformance suite: the StateStore contract (src/engine/state-store.ts) as
 * tests, run unchanged against every store. Each store's test file calls it with a factory of
 * fresh, empty stores:
 *
 *   describeStateStoreConformance('embedded', async () => ({ store, dispose }));
 *
 * Files (library code loaded by the store test files, hence no `.test.ts`):
 *   state-fixtures.ts            records, times and helpers shared by the parts
 *   conformance-checkpoints.ts   compare-and-set, exact cursor keys, listing, reset
 *   conformance-records.ts       conflicts, failed records, runs, isolation between groups
 *   conformance-paging.ts        continuation tokens and order across pages
 *   conformance-groups.ts        group definitions and their etags
 *   conformance-large.ts         records of several megabytes
 */
import { describe } from 'node:test';
import { describeCheckpoints } from './conformance-checkpoints.js';
import { describeGroups } from './conformance-groups.js';
import { describeLargeRecords } from './conformance-large.js';
import { describePaging } from './conformance-paging.js';
import { describeRecords } from './conformance-records.js';
import type { StateStoreFactory } from './state-fixtures.js';

export type { StateStoreFactory } from './state-fixtures.js';

export function describeStateStoreConformance(name: string, factory: StateStoreFactory): void {
  describe(`state store conformance: ${name}`, () => {
    describeCheckpoints(factory);
    describeRecords(factory);
    describePaging(factory);
    describeGroups(factory);
    describeLargeRecords(factory);
  });
}
