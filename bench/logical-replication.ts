import { benchTable } from './bench-table.js';
import { quoted, type PostgresServer } from './postgres-admin.js';

export const publicationName = 'hubsync_bench_pub';
export const subscriptionName = 'hubsync_bench_sub';

/**
 * PostgreSQL native logical replication of bench_rows from one database to another of the same
 * server. Both tables must already hold the same rows (copy_data = false). Between databases of
 * one server, CREATE SUBSCRIPTION would wait forever creating its own slot, so the slot is made
 * beforehand with pg_create_logical_replication_slot and the subscription uses it (create_slot = false).
 */
export async function startLogicalReplication(server: PostgresServer, publisher: string, subscriber: string): Promise<void> {
  await server.withClient(publisher, async (client) => {
    await client.query(`CREATE PUBLICATION ${quoted(publicationName)} FOR TABLE ${quoted(benchTable)}`);
    await client.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [server.slotName]);
  });
  await server.withClient(subscriber, (client) =>
    client.query(
      `CREATE SUBSCRIPTION ${quoted(subscriptionName)} CONNECTION '${server.conninfoOf(publisher).replace(/'/g, "''")}'
       PUBLICATION ${quoted(publicationName)}
       WITH (create_slot = false, slot_name = '${server.slotName}', copy_data = false, enabled = true)`,
    ),
  );
}

export async function stopLogicalReplication(server: PostgresServer, publisher: string, subscriber: string): Promise<void> {
  await server.dropSubscription(subscriber, subscriptionName).catch(() => undefined);
  await server.dropReplicationSlot(server.slotName).catch(() => undefined);
  await server
    .withClient(publisher, (client) => client.query(`DROP PUBLICATION IF EXISTS ${quoted(publicationName)}`))
    .catch(() => undefined);
}
