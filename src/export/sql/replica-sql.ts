import type { PositionToken } from '../../engine/provider.js';
import type { ColumnSchema, LogicalType, SyncValue, TableSchema } from '../../engine/types.js';
import { sinkColumns, type ReplicaTable, type ReplicaWrite } from '../export-target.js';
import type { ExportDialect } from './export-dialect.js';

export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** The destination's one metadata table: how far each (profile, table) was applied, and from which source columns. */
export const positionsTableName = 'hubsync_export_positions';

const nameType: LogicalType = { kind: 'text', maxLength: 128 };
const textType: LogicalType = { kind: 'text' };
const stampType: LogicalType = { kind: 'int64' };

/** Bind parameters numbered in the order their placeholders appear in the statement. */
class Parameters {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: ExportDialect) {}

  add(value: SyncValue, type: LogicalType): string {
    this.values.push(this.dialect.bind(value, type));
    return this.dialect.parameter(this.values.length, type);
  }
}

/**
 * Every statement an export target runs, built from the dialect's pieces: names are quoted by the
 * dialect (they come from the source's catalogue and the validated profile), values are always
 * parameters (invariant 9).
 */
export class ReplicaSql {
  readonly positions: string;

  constructor(
    readonly dialect: ExportDialect,
    readonly schema: string,
  ) {
    this.positions = dialect.table(schema, positionsTableName);
  }

  private q(name: string): string {
    return this.dialect.quote(name);
  }

  private tableOf(name: string): string {
    return this.dialect.table(this.schema, name);
  }

  prepare(deleteLog: string | null): string[] {
    const { dialect } = this;
    const schema = dialect.createSchema(this.schema);
    const positions = dialect.createTable(this.positions, this.schema, positionsTableName, [
      `${this.q('profile_name')} ${dialect.columnType(nameType, true)} NOT NULL`,
      `${this.q('table_name')} ${dialect.columnType(nameType, true)} NOT NULL`,
      `${this.q('position')} ${dialect.columnType(textType, false)} NULL`,
      `${this.q('source_columns')} ${dialect.columnType(textType, false)} NOT NULL`,
      `${this.q('updated_at')} ${dialect.timeType} NOT NULL`,
      `PRIMARY KEY (${this.q('profile_name')}, ${this.q('table_name')})`,
    ]);
    const log =
      deleteLog === null
        ? []
        : [
            dialect.createTable(this.tableOf(deleteLog), this.schema, deleteLog, [
              dialect.identityKey,
              `${this.q('EntityName')} ${dialect.columnType(nameType, false)} NOT NULL`,
              `${this.q('RecordId')} ${dialect.columnType(textType, false)} NOT NULL`,
              `${this.q('SinkDeleteTime')} ${dialect.timeType} NOT NULL`,
              `${this.q('VersionNumber')} ${dialect.columnType(stampType, false)} NOT NULL`,
            ]),
          ];
    return [...(schema === null ? [] : [schema]), positions, ...log];
  }

  createReplica(replica: ReplicaTable): string {
    const { source } = replica;
    const definitions = [
      ...source.columns.map((column) => this.columnDefinition(source, column)),
      `${this.q(sinkColumns.created)} ${this.dialect.timeType} NULL`,
      `${this.q(sinkColumns.modified)} ${this.dialect.timeType} NULL`,
      `${this.q(sinkColumns.version)} ${this.dialect.columnType(stampType, false)} NULL`,
      `PRIMARY KEY (${source.primaryKey.map((key) => this.q(key)).join(', ')})`,
    ];
    return this.dialect.createTable(this.tableOf(replica.name), this.schema, replica.name, definitions);
  }

  /** Key columns are NOT NULL; every other column may be null, so a column added later fits rows written before it. */
  columnDefinition(table: TableSchema, column: ColumnSchema): string {
    const isKey = table.primaryKey.includes(column.name);
    return `${this.q(column.name)} ${this.dialect.columnType(column.type, isKey)} ${isKey ? 'NOT NULL' : 'NULL'}`;
  }

  addColumn(replica: ReplicaTable, column: ColumnSchema): string {
    return this.dialect.addColumn(this.tableOf(replica.name), this.columnDefinition(replica.source, column));
  }

  widenColumn(replica: ReplicaTable, column: ColumnSchema): string | null {
    const isKey = replica.source.primaryKey.includes(column.name);
    return this.dialect.widenColumn(this.tableOf(replica.name), this.q(column.name), this.dialect.columnType(column.type, isKey), isKey);
  }

  dropTable(name: string): string {
    return this.dialect.dropTable(this.tableOf(name), this.schema, name);
  }

  recordSchema(profile: string, replica: ReplicaTable): Statement {
    const parameters = new Parameters(this.dialect);
    const row = [
      parameters.add(profile, nameType),
      parameters.add(replica.source.name, nameType),
      parameters.add(JSON.stringify(replica.source.columns), textType),
      this.dialect.now,
    ];
    const columns = ['profile_name', 'table_name', 'source_columns', 'updated_at'].map((name) => this.q(name));
    return { sql: this.dialect.upsert(this.positions, { columns, keys: columns.slice(0, 2), created: [], version: null }, { values: [row] }), params: parameters.values };
  }

  readPositions(profile: string): Statement {
    const parameters = new Parameters(this.dialect);
    const sql = this.dialect.select({
      columns: ['table_name', 'position', 'source_columns'].map((name) => this.q(name)),
      table: this.positions,
      where: `${this.q('profile_name')} = ${parameters.add(profile, nameType)}`,
    });
    return { sql, params: parameters.values };
  }

  lockPosition(profile: string, table: string): Statement {
    const parameters = new Parameters(this.dialect);
    const sql = this.dialect.select({
      columns: [this.q('position')],
      table: this.positions,
      where: `${this.q('profile_name')} = ${parameters.add(profile, nameType)} AND ${this.q('table_name')} = ${parameters.add(table, nameType)}`,
      forUpdate: true,
    });
    return { sql, params: parameters.values };
  }

  setPosition(profile: string, table: string, position: PositionToken | null): Statement {
    const parameters = new Parameters(this.dialect);
    const sql =
      `UPDATE ${this.positions} SET ${this.q('position')} = ${parameters.add(position, textType)}, ${this.q('updated_at')} = ${this.dialect.now} ` +
      `WHERE ${this.q('profile_name')} = ${parameters.add(profile, nameType)} AND ${this.q('table_name')} = ${parameters.add(table, nameType)}`;
    return { sql, params: parameters.values };
  }

  /** Forget the profile's position of one table, or of every table (null). */
  forgetPositions(profile: string, table: string | null): Statement {
    const parameters = new Parameters(this.dialect);
    const ofProfile = `${this.q('profile_name')} = ${parameters.add(profile, nameType)}`;
    const oneTable = table === null ? '' : ` AND ${this.q('table_name')} = ${parameters.add(table, nameType)}`;
    return {
      sql: `DELETE FROM ${this.positions} WHERE ${ofProfile}${oneTable}`,
      params: parameters.values,
    };
  }

  upserts(replica: ReplicaTable, writes: readonly ReplicaWrite[]): Statement[] {
    const { source } = replica;
    const columns = [...source.columns.map((column) => this.q(column.name)), ...Object.values(sinkColumns).map((name) => this.q(name))];
    const shape = { columns, keys: source.primaryKey.map((key) => this.q(key)), created: [this.q(sinkColumns.created)], version: this.q(sinkColumns.version) };
    const table = this.tableOf(replica.name);
    const { arrayParameter, now } = this.dialect;
    if (arrayParameter) {
      // One array per column, zipped back into rows by unnest.
      return this.chunks(writes, 1).map((chunk) => {
        const types = [...source.columns.map((column) => column.type), stampType];
        const params = types.map((type, index) =>
          chunk.map((write) => this.dialect.bind(index < source.columns.length ? (write.values[index] ?? null) : write.stamp, type)),
        );
        const names = types.map((_, index) => `c${index}`);
        const select =
          `SELECT ${[...names.slice(0, -1), now, now, names[names.length - 1]].join(', ')} ` +
          `FROM unnest(${types.map((type, index) => arrayParameter(index + 1, type)).join(', ')}) AS s (${names.join(', ')})`;
        return { sql: this.dialect.upsert(table, shape, { select }), params };
      });
    }
    return this.chunks(writes, source.columns.length + 1).map((chunk) => {
      const parameters = new Parameters(this.dialect);
      const values = chunk.map((write) => [
        ...source.columns.map((column, index) => parameters.add(write.values[index] ?? null, column.type)),
        now,
        now,
        parameters.add(write.stamp, stampType),
      ]);
      return { sql: this.dialect.upsert(table, shape, { values }), params: parameters.values };
    });
  }

  deletes(replica: ReplicaTable, keys: readonly (readonly SyncValue[])[]): Statement[] {
    const { source } = replica;
    const { arrayParameter } = this.dialect;
    if (arrayParameter) {
      const types = this.keyColumns(source).map((column) => column.type);
      return this.chunks(keys, 1).map((chunk) => ({
        sql:
          `DELETE FROM ${this.tableOf(replica.name)} WHERE (${source.primaryKey.map((key) => this.q(key)).join(', ')}) IN ` +
          `(SELECT * FROM unnest(${types.map((type, index) => arrayParameter(index + 1, type)).join(', ')}))`,
        params: types.map((type, index) => chunk.map((key) => this.dialect.bind(key[index] ?? null, type))),
      }));
    }
    return this.chunks(keys, source.primaryKey.length).map((chunk) => {
      const parameters = new Parameters(this.dialect);
      return { sql: `DELETE FROM ${this.tableOf(replica.name)} WHERE ${this.keysMatch(source, chunk, parameters)}`, params: parameters.values };
    });
  }

  private keyColumns(table: TableSchema): ColumnSchema[] {
    return table.primaryKey.map((key) => {
      const column = table.columns.find((candidate) => candidate.name === key);
      if (column === undefined) throw new RangeError(`key column ${key} is not among the columns`);
      return column;
    });
  }

  deleteLogInserts(deleteLog: string, entity: string, entries: readonly { readonly recordId: string; readonly stamp: string }[]): Statement[] {
    const columns = ['EntityName', 'RecordId', 'SinkDeleteTime', 'VersionNumber'].map((name) => this.q(name));
    return this.chunks(entries, 3).map((chunk) => {
      const parameters = new Parameters(this.dialect);
      const rows = chunk.map(
        (entry) => `(${parameters.add(entity, nameType)}, ${parameters.add(entry.recordId, textType)}, ${this.dialect.now}, ${parameters.add(entry.stamp, stampType)})`,
      );
      return { sql: `INSERT INTO ${this.tableOf(deleteLog)} (${columns.join(', ')}) VALUES ${rows.join(', ')}`, params: parameters.values };
    });
  }

  listKeys(replica: ReplicaTable, after: readonly SyncValue[] | null, limit: number): Statement {
    const { source } = replica;
    const keyColumns = this.keyColumns(source);
    const parameters = new Parameters(this.dialect);
    // (k1, k2) > (a, b) spelt as k1 > a OR (k1 = a AND k2 > b): SQL Server has no row comparison.
    const where =
      after === null
        ? '1 = 1'
        : keyColumns
            .map((column, index) => {
              const equal = keyColumns.slice(0, index).map((prior, at) => `${this.q(prior.name)} = ${parameters.add(after[at] ?? null, prior.type)}`);
              return `(${[...equal, `${this.q(column.name)} > ${parameters.add(after[index] ?? null, column.type)}`].join(' AND ')})`;
            })
            .join(' OR ');
    const sql = this.dialect.select({
      columns: keyColumns.map((column) => this.dialect.read(this.q(column.name), column.type)),
      table: this.tableOf(replica.name),
      where,
      orderBy: keyColumns.map((column) => this.q(column.name)),
      limit,
    });
    return { sql, params: parameters.values };
  }

  private keysMatch(table: TableSchema, keys: readonly (readonly SyncValue[])[], parameters: Parameters): string {
    const types = this.keyColumns(table).map((column) => column.type);
    return keys
      .map((key) => `(${table.primaryKey.map((name, index) => `${this.q(name)} = ${parameters.add(key[index] ?? null, types[index] ?? textType)}`).join(' AND ')})`)
      .join(' OR ');
  }

  /** Items split so that no statement exceeds the engine's parameter and row limits. */
  private chunks<T>(items: readonly T[], parametersPerItem: number): T[][] {
    const size = Math.max(1, Math.min(this.dialect.maxRows, Math.floor(this.dialect.maxParameters / Math.max(1, parametersPerItem))));
    const chunks: T[][] = [];
    for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
    return chunks;
  }
}
