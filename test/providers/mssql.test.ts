import { test } from 'node:test';

import { describeProviderConformance } from '../conformance/provider-conformance.js';
import { mssqlHarness, mssqlSkip } from '../support/mssql-harness.js';

// Against a real SQL Server only: without one this is reported as skipped, never as passed. The
// scenario topologies with a SQL Server hub and members (test/scenarios/fixtures.ts) follow the
// same variable.
if (mssqlSkip === false) describeProviderConformance(mssqlHarness);
else test('provider conformance and scenario topologies against SQL Server', { skip: mssqlSkip }, () => undefined);
