import type { EngineName } from '../../engine/provider.js';
import type { LogicalType, SyncValue } from '../../engine/types.js';

/**
 * What differs between engines when writing a replica and reading rows by key: quoting, types,
 * parameters and a few statement shapes. Everything else (which statements, in which transaction,
 * the position check) is written once in replica-sql.ts and sql-export-target.ts. Typed by engine
 * in export-dialects.ts, so a new engine does not compile until it says how.
 */
export interface ExportDialect {
  readonly engine: EngineName;
  /** Where tables go when a profile names no schema. */
  readonly defaultSchema: string;
  /** Most bind parameters one statement may carry (SQL Server: 2100; PostgreSQL: 65535). */
  readonly maxParameters: number;
  /** Most rows one VALUES list may hold. */
  readonly maxRows: number;
  quote(name: string): string;
  table(schema: string, name: string): string;
  /** The SQL for bind parameter number `index` (from 1) holding a value of `type`, converted to it. */
  parameter(index: number, type: LogicalType): string;
  /** A canonical value as the driver binds it for `parameter`. */
  bind(value: SyncValue, type: LogicalType): unknown;
  /** An expression reading column `sql` of `type` as something `decode` turns into its canonical value. */
  read(sql: string, type: LogicalType): string;
  decode(value: unknown, type: LogicalType): SyncValue;
  /** The column type a replica column of this logical type is created with. */
  columnType(type: LogicalType, isKey: boolean): string;
  /** The type of SinkCreatedTime, SinkModifiedTime and SinkDeleteTime (UTC). */
  readonly timeType: string;
  /** The current UTC time as a value of timeType. */
  readonly now: string;
  /** The delete log's Id column definition: a number the database assigns. */
  readonly identityKey: string;
  /** Create the schema when missing; null where schemas are not created (SQLite's main). */
  createSchema(schema: string): string | null;
  createTable(table: string, schema: string, name: string, definitions: readonly string[]): string;
  addColumn(table: string, definition: string): string;
  /** Null where the engine does not enforce lengths or precisions (SQLite): the declared type is kept. */
  widenColumn(table: string, column: string, type: string, isKey: boolean): string | null;
  dropTable(table: string, schema: string, name: string): string;
  /** Insert rows (a VALUES list, or a SELECT where arrays are bound), or update the rows with their keys (see UpsertShape). */
  upsert(table: string, shape: UpsertShape, rows: UpsertRows): string;
  /**
   * Set where the engine takes a whole column of a batch as one array parameter (PostgreSQL): a
   * 5,000-row batch is then one small statement to parse, not 35,000 parameters. The SQL for
   * parameter `index` holding an array of values of `type`.
   */
  readonly arrayParameter?: (index: number, type: LogicalType) => string;
  /** `SELECT columns FROM table WHERE condition ORDER BY order`, at most `limit` rows when given, locked for update when asked. */
  select(options: SelectOptions): string;
}

export interface SelectOptions {
  readonly columns: readonly string[];
  readonly table: string;
  readonly where: string;
  readonly orderBy?: readonly string[];
  readonly limit?: number;
  /** Lock the rows read until the transaction ends (a position being advanced). */
  readonly forUpdate?: boolean;
}

/** An upsert's rows: expressions per row, or a query producing them (columns in the shape's order). */
export type UpsertRows = { readonly values: readonly (readonly string[])[] } | { readonly select: string };

/** Quoted column names of an upsert. */
export interface UpsertShape {
  readonly columns: readonly string[];
  readonly keys: readonly string[];
  /** Set only when a row is inserted (SinkCreatedTime). */
  readonly created: readonly string[];
  /**
   * A row is updated only when this column's stored value is not above the incoming one: a
   * failed record retried late never puts an older VersionNumber over a newer one. Null: always.
   */
  readonly version: string | null;
}
