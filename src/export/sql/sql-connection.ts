/** The little an export needs from a database connection: statements with parameters, and transactions. */
export interface SqlRunner {
  /** Rows as arrays (empty for statements that return none). */
  query(sql: string, params: readonly unknown[]): Promise<unknown[][]>;
}

export interface SqlConnection extends SqlRunner {
  /** Runs `work` in one transaction; any error rolls everything back. */
  transaction<T>(work: (session: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
