import { describe } from 'node:test';

import { describeProviderConformance } from '../conformance/provider-conformance.js';
import { mssqlHarness, mssqlSkip } from '../support/mssql-harness.js';

// Against a real SQL Server only: reported as skipped, never as passed, without one. The scenario
// topologies with a SQL Server hub and members (test/scenarios/fixtures.ts) follow the same variable.
describe('mssql provider against SQL Server', { skip: mssqlSkip }, () => {
  describeProviderConformance(mssqlHarness);
});
