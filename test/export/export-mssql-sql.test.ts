/**
 * Offline: drives the SQL Server export target over a scripted connection that records every
 * statement, then has a T-SQL parser (sqlparser-rs, mssql dialect) parse each one. Proves syntax,
 * quoting and parameter counts, not behaviour (that needs a server).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { init, parse } from '@guanmingchiu/sqlparser-ts';
import type { TableSchema } from '../../src/engine/types.js';
import type { ReplicaTable } from '../../src/export/export-target.js';
import { mssqlExportDialect } from '../../src/export/sql/mssql-export-dialect.js';
import type { SqlConnection } from '../../src/export/sql/sql-connection.js';
import { SqlExportTarget } from '../../src/export/sql/sql-export-target.js';

interface Recorded {
  readonly sql: string;
  readonly params: readonly unknown[];
}

const hostile = `acc]ount "x'y"; DROP TABLE z; --`;
const table: TableSchema = {
  name: hostile,
  columns: [
    { name: 'id', type: { kind: 'uuid' }, nullable: false },
    { name: 'line]no', type: { kind: 'int32' }, nullable: false },
    { name: 'name', type: { kind: 'text', maxLength: 100 }, nullable: true },
    { name: 'amount', type: { kind: 'decimal', precision: 12, scale: 2 }, nullable: true },
    { name: 'big', type: { kind: 'int64' }, nullable: true },
    { name: 'at', type: { kind: 'timestamptz' }, nullable: true },
    { name: 'local', type: { kind: 'timestamp' }, nullable: true },
    { name: 'day', type: { kind: 'date' }, nullable: true },
    { name: 'ok', type: { kind: 'boolean' }, nullable: true },
    { name: 'blob', type: { kind: 'binary' }, nullable: true },
    { name: 'doc', type: { kind: 'json' }, nullable: true },
    { name: 'ratio', type: { kind: 'float64' }, nullable: true },
  ],
  primaryKey: ['id', 'line]no'],
  indexes: [],
};
const replica: ReplicaTable = { name: `crm_${hostile}`, source: table };
const row = ['6f1c2a3e-0000-4000-8000-000000000001', 1, 'Contoso', '12.50', '9007199254740993', '2026-01-02 03:04:05.1+00', '2026-01-02 03:04:05', '2026-01-02', true, new Uint8Array([1]), '{}', 0.5];

/** Every statement the target runs for a profile's whole life: prepare, create, alter, write, list, drop. */
async function everyStatement(): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  const connection: SqlConnection = {
    query: async (sql, params) => {
      recorded.push({ sql, params });
      return sql.includes('UPDLOCK') ? [[null]] : [];
    },
    transaction: (work) => work(connection),
    close: async () => undefined,
  };
  const target = new SqlExportTarget(connection, mssqlExportDialect, 'sales');
  await target.prepare('crm_DeleteLog');
  await target.recorded('crm-reporting');
  await target.changeSchema('crm-reporting', replica, { kind: 'create' });
  const widened = { name: 'name', type: { kind: 'text', maxLength: 400 }, nullable: true } as const;
  await target.changeSchema('crm-reporting', replica, { kind: 'alter', added: [{ name: 'new col', type: { kind: 'int16' }, nullable: true }], widened: [widened] });
  const writes = Array.from({ length: 300 }, (_, index) => ({ values: [...row.slice(0, 1), index, ...row.slice(2)], stamp: String(1000 + index) }));
  await target.apply({
    profile: 'crm-reporting',
    replica,
    upserts: writes,
    deletes: writes.slice(0, 2),
    deleteLog: 'crm_DeleteLog',
    position: { after: null, through: '{"stamp":"5","key":null}' },
  });
  await target.listKeys(replica, ['6f1c2a3e-0000-4000-8000-000000000001', 3], 500);
  await target.dropReplica('crm-reporting', replica);
  await target.dropProfile('crm-reporting', 'crm_DeleteLog');
  return recorded;
}

/**
 * Documented T-SQL grammar the parser does not know, rewritten to what it knows (the rest of the
 * statement is still checked): MERGE's table hint, and ALTER COLUMN <type> [NOT] NULL.
 */
const parserGaps: readonly [RegExp, string][] = [
  [/ WITH \(HOLDLOCK\) AS /g, ' AS '],
  [/ ALTER COLUMN (\[.*\]) (\S+) (?:NOT )?NULL$/, ' ALTER COLUMN $1 SET DATA TYPE $2'],
];

function parses(sql: string): void {
  parse(parserGaps.reduce((text, [gap, known]) => text.replace(gap, known), sql), 'mssql');
}

describe('SQL Server export target, offline', () => {
  let statements: Recorded[];
  before(async () => {
    await init();
    statements = await everyStatement();
  });

  it('every statement parses as T-SQL', () => {
    const unparsed: string[] = [];
    for (const { sql } of statements) {
      try {
        parses(sql);
      } catch (error) {
        unparsed.push(`${sql.slice(0, 300)}\n  ${String(error)}`);
      }
    }
    assert.deepEqual(unparsed, []);
    assert.ok(statements.length >= 15, `only ${statements.length} statements`);
  });

  it('every value is a parameter, at most 2100 to a request, and names are bracket-quoted', () => {
    for (const { sql, params } of statements) {
      const placeholders = new Set(sql.match(/@p\d+/g) ?? []);
      assert.equal(placeholders.size, params.length, sql.slice(0, 200));
      assert.ok(params.length <= 2100);
      assert.ok(!sql.includes('Contoso'));
    }
    assert.ok(statements.some(({ sql }) => sql.includes('[crm_acc]]ount "x\'y"; DROP TABLE z; --]')));
    assert.ok(statements.filter(({ sql }) => sql.startsWith('MERGE')).length >= 2, 'a large batch is split into several requests');
  });

  it('creates the replica with the sink columns and widens with ALTER COLUMN', () => {
    const create = statements.find(({ sql }) => sql.includes('CREATE TABLE [sales].[crm_acc'))?.sql ?? '';
    assert.match(create, /\[SinkCreatedTime\] datetime2\(7\) NULL, \[SinkModifiedTime\] datetime2\(7\) NULL, \[VersionNumber\] bigint NULL/);
    assert.ok(statements.some(({ sql }) => /ALTER TABLE .* ALTER COLUMN \[name\] nvarchar\(400\) NULL/.test(sql)));
  });
});
