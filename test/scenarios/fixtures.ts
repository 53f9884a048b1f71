import type { ProviderHarness } from '../support/harness.js';
import { postgresHarness } from '../support/postgres-harness.js';
import { sqliteHarness } from '../support/sqlite-harness.js';
import { mssqlHarness, mssqlServer } from '../support/mssql-harness.js';
import type { TableSchema } from '../../src/engine/types.js';
import type { ScenarioSpec } from '../support/scenario.js';

export interface Topology {
  readonly name: string;
  readonly hub: ProviderHarness;
  readonly member: ProviderHarness;
}

/** Every engine as hub and as member, including both mixed pairs. */
export const topologies: readonly Topology[] = [
  { name: 'sqlite hub, sqlite members', hub: sqliteHarness, member: sqliteHarness },
  { name: 'postgres hub, postgres members', hub: postgresHarness, member: postgresHarness },
  { name: 'postgres hub, sqlite members', hub: postgresHarness, member: sqliteHarness },
  { name: 'sqlite hub, postgres members', hub: sqliteHarness, member: postgresHarness },
  // Only where HUBSYNC_TEST_MSSQL names a SQL Server (test/providers/mssql.test.ts reports the skip).
  ...(mssqlServer === undefined
    ? []
    : [
        { name: 'mssql hub, mssql members', hub: mssqlHarness, member: mssqlHarness },
        { name: 'mssql hub, postgres members', hub: mssqlHarness, member: postgresHarness },
        { name: 'postgres hub, mssql members', hub: postgresHarness, member: mssqlHarness },
      ]),
];

export const items: TableSchema = {
  name: 'items',
  columns: [
    { name: 'id', type: { kind: 'int64' }, nullable: false },
    { name: 'name', type: { kind: 'text', maxLength: 100 }, nullable: true },
    { name: 'qty', type: { kind: 'int32' }, nullable: false },
    { name: 'price', type: { kind: 'decimal', precision: 12, scale: 2 }, nullable: true },
  ],
  primaryKey: ['id'],
  indexes: [{ name: 'items_name', columns: ['name'], unique: false }],
};

export const insertItem = 'INSERT INTO "items" ("id", "name", "qty", "price") VALUES (?, ?, ?, ?)';
export const updateItemName = 'UPDATE "items" SET "name" = ? WHERE "id" = ?';
export const deleteItem = 'DELETE FROM "items" WHERE "id" = ?';

/** The shape most scenarios need: one bidirectional member, "store", syncing `items`. */
export function oneStore(topology: Topology, options: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return {
    hub: topology.hub,
    members: [{ name: 'store', harness: topology.member, direction: 'bidirectional' }],
    tables: [items],
    ...options,
  };
}
