/**
 * `npm run demo`: a real sync on three SQLite files. A hub with customers and orders, two
 * stores that start empty, a first sync that creates and fills them, edits on every side
 * including one conflict, a second sync, and a check that all copies are equal.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { withGroupSession } from '../src/cli/group-session.js';
import { compareGroup } from '../src/engine/compare-group.js';
import { syncGroup, type RunResult } from '../src/engine/sync-group.js';
import { readPages } from '../src/state/read-pages.js';

const folder = join(process.cwd(), 'demo-output', new Date().toISOString().replace(/[:.]/g, '-'));
const configPath = join(folder, 'hubsync.json');

const config = {
  name: 'retail',
  hub: { name: 'hub', provider: 'sqlite', connection: './hub.db' },
  members: [
    { name: 'store1', provider: 'sqlite', connection: './store1.db', direction: 'bidirectional' },
    { name: 'store2', provider: 'sqlite', connection: './store2.db', direction: 'bidirectional' },
  ],
  conflictPolicy: 'hubWins',
  tables: [{ name: 'customers' }, { name: 'orders' }],
  batchSize: 1000,
};

function seedHub(): void {
  const hub = new Database(join(folder, 'hub.db'));
  hub.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, email VARCHAR(120), city VARCHAR(60));
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, total DECIMAL(10,2) NOT NULL,
                         placed_at TIMESTAMP NOT NULL, paid BOOLEAN NOT NULL);
    CREATE INDEX orders_customer ON orders (customer_id);
  `);
  const cities = ['Lisbon', 'Oslo', 'Lagos', 'Lima', 'Osaka'];
  const customer = hub.prepare('INSERT INTO customers VALUES (?, ?, ?, ?)');
  const order = hub.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?)');
  hub.transaction(() => {
    for (let id = 1; id <= 200; id += 1) customer.run(id, `Customer ${id}`, `customer${id}@example.com`, cities[id % 5]);
    for (let id = 1; id <= 1000; id += 1) {
      const placed = new Date(Date.UTC(2026, 0, 1, 9, 0, 0) + id * 3_600_000).toISOString().replace('T', ' ').replace('Z', '');
      order.run(id, (id % 200) + 1, ((id * 37) % 10000) / 100 + 0.05, placed, id % 3 === 0 ? 1 : 0);
    }
  })();
  hub.close();
}

function edit(file: string, statements: string): void {
  const database = new Database(join(folder, file));
  database.exec(statements);
  database.close();
}

function printRun(title: string, run: RunResult): void {
  console.log(`\n${title}: ${run.status} in ${run.durationMs} ms`);
  for (const member of run.members) {
    console.log(
      `  ${member.name.padEnd(7)} uploaded ${String(member.uploaded).padStart(5)}  downloaded ${String(member.downloaded).padStart(5)}  conflicts ${member.conflicts}  failed ${member.failed}`,
    );
  }
}

async function main(): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  seedHub();
  console.log(`hubsync demo in ${relative(process.cwd(), folder)}`);
  console.log('  hub.db: 200 customers, 1000 orders; store1.db and store2.db: empty');

  const equal = await withGroupSession({ config: configPath }, async ({ group, context }) => {
    printRun('First sync (creates the store tables and fills them)', await syncGroup(group, context));

    edit('hub.db', "UPDATE customers SET email = 'ana@hub.example' WHERE id = 1;");
    edit('store1.db', `
      UPDATE customers SET email = 'ana@store1.example' WHERE id = 1;
      INSERT INTO orders VALUES (1001, 1, '19.99', '2026-03-01 12:00:00', 0);`);
    edit('store2.db', "DELETE FROM orders WHERE id = 7; UPDATE customers SET city = 'Porto' WHERE id = 2;");
    console.log('\nEdits: hub and store1 both change customer 1 (a conflict); store1 adds order 1001;');
    console.log('       store2 deletes order 7 and moves customer 2 to Porto');

    printRun('Second sync', await syncGroup(group, context));

    for (const conflict of await readPages((page) => context.state.listConflicts(group.name, page))) {
      console.log(`\nConflict on ${conflict.table} ${JSON.stringify(conflict.key)} (${conflict.kind}), policy ${conflict.policy}:`);
      console.log(`  kept   ${conflict.winning.node}: ${JSON.stringify(conflict.winning.values)}`);
      console.log(`  logged ${conflict.losing.node}: ${JSON.stringify(conflict.losing.values)}`);
      console.log(`  (re-apply the logged version with: npm run hubsync -- conflicts reapply ${conflict.id} -c ${relative(process.cwd(), configPath)})`);
    }

    const comparisons = await compareGroup(group, context);
    console.log('\nCompared with the hub:');
    for (const comparison of comparisons) {
      console.log(
        `  ${comparison.member.padEnd(7)} ${comparison.table.padEnd(10)} ${String(comparison.memberRows).padStart(5)} rows  ${comparison.equal ? 'equal' : 'DIFFERENT'}`,
      );
    }
    return comparisons.every((comparison) => comparison.equal);
  });

  console.log(equal ? '\nAll copies are equal.' : '\nSome copies differ.');
  console.log(`Try: npm run hubsync -- status -c ${relative(process.cwd(), configPath)}`);
  process.exitCode = equal ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
