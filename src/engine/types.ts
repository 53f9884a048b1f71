import type { TableName } from './table-name.js';

/**
 * The engine-neutral data model: logical column types, the canonical form of values on the wire
 * between databases, and the shape of a validated sync schema.
 *
 * Canonical values (what every provider returns from reads and accepts in applies):
 *   int16, int32, float32, float64  -> number
 *   int64, decimal                  -> string of decimal digits ("-12", "12.30"; decimals keep their scale)
 *   text, uuid (lowercase), json    -> string (json keeps its text exactly as stored)
 *   boolean                         -> boolean
 *   date                            -> "YYYY-MM-DD"
 *   timestamp                       -> "YYYY-MM-DD HH:MM:SS[.fffffff]"  (fraction: up to 6 digits, 7 from SQL Server;
 *                                      trailing zeros trimmed; an engine keeping 6 refuses a 7th as HS_DATA_REJECTED)
 *   timestamptz                     -> "YYYY-MM-DD HH:MM:SS[.fffffff]+00" (UTC; SQL Server's datetimeoffset keeps its
 *                                      own offset, "+05:30")
 *   binary                          -> Uint8Array (a Node Buffer is fine)
 *   SQL NULL                        -> null
 */
export type LogicalType =
  | { readonly kind: 'int16' }
  | { readonly kind: 'int32' }
  | { readonly kind: 'int64' }
  | { readonly kind: 'decimal'; readonly precision?: number; readonly scale?: number }
  | { readonly kind: 'float32' }
  | { readonly kind: 'float64' }
  /** `fixedLength`: padded with spaces to `maxLength` (SQL `char(n)`), so unpadded text changes on the way in. */
  | { readonly kind: 'text'; readonly maxLength?: number; readonly fixedLength?: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'timestamptz' }
  | { readonly kind: 'binary'; readonly maxLength?: number }
  | { readonly kind: 'uuid' }
  /** `binary`: kept parsed (PostgreSQL `jsonb`), which re-spells whitespace and key order. */
  | { readonly kind: 'json'; readonly binary?: boolean };

export type LogicalKind = LogicalType['kind'];

export type SyncValue = string | number | boolean | Uint8Array | null;

/** A column as the database's catalogue describes it. `type` is null when hubsync cannot sync it. */
export interface ColumnInfo {
  readonly name: string;
  /** The type as the database spells it, for messages: "numeric(12,2)", "geography". */
  readonly nativeType: string;
  readonly type: LogicalType | null;
  readonly nullable: boolean;
  /** An identity column: `always` refuses explicit values except on insert with OVERRIDING SYSTEM VALUE. */
  readonly identity?: Identity;
  /** Computed by the database from other columns (GENERATED ... AS): it cannot be written, so it is never synced. */
  readonly generated?: boolean;
}

export type Identity = 'always' | 'byDefault';

export interface IndexInfo {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

/** A table as introspected from a database; `schema` is omitted for the engine's default schema (see TableName). */
export interface TableInfo extends TableName {
  readonly columns: readonly ColumnInfo[];
  /** Primary-key column names in key order; empty when the table has no primary key. */
  readonly primaryKey: readonly string[];
  /** Secondary indexes (not the primary key). */
  readonly indexes: readonly IndexInfo[];
  /**
   * What the provider found about the table that the user should know and that changes nothing
   * (another sync product's triggers on it); the plan shows each as a warning.
   */
  readonly notes?: readonly string[];
}

export interface ColumnSchema {
  readonly name: string;
  readonly type: LogicalType;
  readonly nullable: boolean;
  /** Set when the hub's column is an identity column. */
  readonly identity?: Identity;
}

/**
 * One synced table after validation against the hub's catalogue. Every name in it exists in the
 * hub; providers may quote these names but must never splice unvalidated text into SQL.
 * `schema` and `name` say where the table is in the database the schema is handed to: a member
 * may keep a hub table under another name (see member-tables-view.ts).
 */
export interface TableSchema extends TableName {
  /** Synced columns in hub order; the primary-key columns are always among them. */
  readonly columns: readonly ColumnSchema[];
  /** Primary-key column names in key order. */
  readonly primaryKey: readonly string[];
  /** Hub indexes whose columns are all synced; recreated when hubsync creates a member table. */
  readonly indexes: readonly IndexInfo[];
}
