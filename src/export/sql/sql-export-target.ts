import type { ApplyResult } from '../../engine/provider.js';
import { positionMoved } from '../../engine/positions.js';
import type { ColumnSchema, SyncValue } from '../../engine/types.js';
import { keyPositions, keyValues } from '../../engine/values.js';
import type { ExportTarget, RecordedReplica, ReplicaBatch, ReplicaSchemaChange, ReplicaTable } from '../export-target.js';
import { recordIdOf } from '../replica-keys.js';
import type { ExportDialect } from './export-dialect.js';
import { positionsTableName, ReplicaSql, type Statement } from './replica-sql.js';
import type { SqlConnection, SqlRunner } from './sql-connection.js';

/** The export target of every SQL engine: the flow is written once here, the SQL comes from the engine's dialect. */
export class SqlExportTarget implements ExportTarget {
  readonly engine: ExportDialect['engine'];
  private readonly sql: ReplicaSql;

  constructor(
    private readonly connection: SqlConnection,
    dialect: ExportDialect,
    readonly schema: string,
  ) {
    this.engine = dialect.engine;
    this.sql = new ReplicaSql(dialect, schema);
  }

  async prepare(deleteLog: string | null): Promise<void> {
    for (const statement of this.sql.prepare(deleteLog)) await this.connection.query(statement, []);
  }

  async recorded(profile: string): Promise<ReadonlyMap<string, RecordedReplica>> {
    const rows = await run(this.connection, this.sql.readPositions(profile));
    return new Map(
      rows.map(([table, position, columns]) => [
        String(table),
        { position: position === null || position === undefined ? null : String(position), columns: JSON.parse(String(columns)) as ColumnSchema[] },
      ]),
    );
  }

  async changeSchema(profile: string, replica: ReplicaTable, change: ReplicaSchemaChange): Promise<void> {
    const statements =
      change.kind === 'create'
        ? [this.sql.createReplica(replica)]
        : [
            ...change.added.map((column) => this.sql.addColumn(replica, column)),
            ...change.widened.flatMap((column) => this.sql.widenColumn(replica, column) ?? []),
          ];
    await this.connection.transaction(async (session) => {
      for (const statement of statements) await session.query(statement, []);
      await run(session, this.sql.recordSchema(profile, replica));
    });
  }

  apply(batch: ReplicaBatch): Promise<ApplyResult> {
    const { replica, position, profile } = batch;
    return this.connection.transaction(async (session) => {
      if (position !== null) {
        const [row] = await run(session, this.sql.lockPosition(profile, replica.source.name));
        const recorded = row?.[0] ?? null;
        if (recorded === position.through) return { applied: 0, alreadyApplied: true };
        if (recorded !== position.after) throw positionMoved(replica.source.name);
      }
      await runAll(session, this.sql.upserts(replica, batch.upserts));
      await runAll(session, this.sql.deletes(replica, batch.deletes.map((write) => keyValues(replica.source, write.values))));
      if (batch.deleteLog !== null && batch.deletes.length > 0) {
        const entries = batch.deletes.map((write) => ({ recordId: recordIdOf(replica.source, write.values), stamp: write.stamp }));
        await runAll(session, this.sql.deleteLogInserts(batch.deleteLog, replica.source.name, entries));
      }
      if (position !== null) await run(session, this.sql.setPosition(profile, replica.source.name, position.through));
      return { applied: batch.upserts.length + batch.deletes.length, alreadyApplied: false };
    });
  }

  async listKeys(replica: ReplicaTable, after: readonly SyncValue[] | null, limit: number): Promise<SyncValue[][]> {
    const types = keyPositions(replica.source).map((position) => replica.source.columns[position]?.type ?? { kind: 'text' as const });
    const rows = await run(this.connection, this.sql.listKeys(replica, after, limit));
    return rows.map((row) => row.map((value, index) => this.sql.dialect.decode(value, types[index] ?? { kind: 'text' })));
  }

  async dropReplica(profile: string, replica: ReplicaTable): Promise<void> {
    await this.connection.transaction(async (session) => {
      await session.query(this.sql.dropTable(replica.name), []);
      await run(session, this.sql.forgetPositions(profile, replica.source.name));
    });
  }

  async dropProfile(profile: string, deleteLog: string | null): Promise<void> {
    await this.connection.transaction(async (session) => {
      if (deleteLog !== null) await session.query(this.sql.dropTable(deleteLog), []);
      await run(session, this.sql.forgetPositions(profile, null));
      // The position table goes with the last profile that wrote here.
      const [remaining] = await session.query(this.sql.dialect.select({ columns: ['1'], table: this.sql.positions, where: '1 = 1', limit: 1 }), []);
      if (remaining === undefined) await session.query(this.sql.dropTable(positionsTableName), []);
    });
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function run(runner: SqlRunner, statement: Statement): Promise<unknown[][]> {
  return runner.query(statement.sql, statement.params);
}

async function runAll(runner: SqlRunner, statements: readonly Statement[]): Promise<void> {
  for (const statement of statements) await run(runner, statement);
}
