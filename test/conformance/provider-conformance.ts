/**
 * The provider conformance suite: the Provider contract (src/engine/provider.ts) as tests, run
 * unchanged against every engine. Each engine's test file calls it with its harness:
 *
 *   describeProviderConformance(postgresHarness);
 *
 * Files (library code loaded by the engine test files, hence no `.test.ts`):
 *   fixtures.ts                 schemas, helpers, and the expectations that differ by engine
 *                               (`engineExpectations`, a record typed by EngineName)
 *   conformance-introspect.ts   introspect and createTable
 *   conformance-values.ts       exact values of every logical type, special values
 *   conformance-tracking.ts     triggers, back-fill, provision, watermark, batching (invariant 1)
 *   conformance-apply.ts        no echo, idempotent apply, conflict candidates, deletes, rejected data
 *   conformance-read-rows.ts    current versions of rows by primary key (retried failed records)
 *   conformance-positions.ts    positions recorded with the apply, already-applied batches, tombstones, exact seen cursors
 *   conformance-concurrency.ts  applies and reads in flight at once (gated by capabilities)
 *   conformance-bulk.ts         changedTables (the no-op path) and bulkLoad (a first transfer into an empty table)
 *   conformance-lifecycle.ts    hostile and long identifiers, deprovision
 *
 * Every test uses fresh databases from the harness and disposes them.
 */
import { describe } from 'node:test';

import type { ProviderHarness } from '../support/harness.js';
import { describeApply } from './conformance-apply.js';
import { describeBulk } from './conformance-bulk.js';
import { describeConcurrency } from './conformance-concurrency.js';
import { describeIntrospect } from './conformance-introspect.js';
import { describeLifecycle } from './conformance-lifecycle.js';
import { describePositions } from './conformance-positions.js';
import { describeReadRows } from './conformance-read-rows.js';
import { describeTracking } from './conformance-tracking.js';
import { describeKeyValues, describeSpecialValues, describeValues } from './conformance-values.js';

export function describeProviderConformance(harness: ProviderHarness): void {
  describe(`provider conformance: ${harness.engine}`, () => {
    describeIntrospect(harness);
    describeValues(harness);
    describeSpecialValues(harness);
    describeKeyValues(harness);
    describeTracking(harness);
    describeApply(harness);
    describeReadRows(harness);
    describePositions(harness);
    describeConcurrency(harness);
    describeBulk(harness);
    describeLifecycle(harness);
  });
}
