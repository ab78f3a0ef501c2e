/**
 * Local analytics: the Athena SQL of `analytics/sql/` run in-process by DuckDB over the connector's
 * output folder (`<out>/<dataset>/year=YYYY/month=MM/day=DD/*.json.gz`, gzip NDJSON).
 *
 * Base tables `incident`, `event`, `quarantine`, `telemetry` (the Glue table names) are created with an explicit
 * schema derived from `shared/normalize/fields.ts`, so a field absent from the data is NULL rather
 * than a binder error, exactly as in Athena over the Glue table. Timestamps are VARCHAR (ISO 8601
 * text), as in the Glue tables.
 *
 * The dialect differences are bridged here, not in the SQL: DuckDB has no Trino
 * `from_iso8601_timestamp`, so a macro of that name is defined (it returns a UTC TIMESTAMP), and
 * a macro `element_at` gives Trino's array subscript that is NULL past the end.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBInstance, type DuckDBResultReader } from '@duckdb/node-api';
import { ConfigError } from '../shared/errors.ts';
import { FIELDS_BY_DATASET, type FieldSpec, type FieldType } from '../shared/normalize/fields.ts';
import { type Filters, loadCatalog, parameterValues, type QueryDefinition } from './catalog.ts';

/** A result row with plain JS values: BIGINT/DECIMAL as number, DATE/TIMESTAMP as text. */
export type Row = Record<string, string | number | boolean | null | unknown[] | Record<string, unknown>>;

/** Datasets read into base tables (alerts are not part of the dashboards). */
export const TABLE_DATASETS = ['incident', 'event', 'quarantine', 'telemetry'] as const;

/** Hive partition columns of the output layout, present in Glue as partition keys too. */
const PARTITION_COLUMNS = ['year', 'month', 'day'];

const DUCKDB_TYPES: Record<FieldType, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'VARCHAR',
  'string[]': 'VARCHAR[]',
  'long[]': 'BIGINT[]',
};

interface SchemaNode {
  type?: string;
  children?: Map<string, SchemaNode>;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function renderType(node: SchemaNode): string {
  if (node.type) return node.type;
  const members = [...node.children!.entries()].map(
    ([name, child]) => `${quoteIdent(name)} ${renderType(child)}`,
  );
  return `STRUCT(${members.join(', ')})`;
}

/**
 * Top-level columns (name → DuckDB type) for a list of dotted leaf paths: `a.b.c` becomes column
 * `a` of type `STRUCT(b STRUCT(c ...))`. Throws when a path is both a leaf and a parent.
 */
export function duckdbColumns(fields: readonly FieldSpec[]): Map<string, string> {
  const root = new Map<string, SchemaNode>();
  for (const spec of fields) {
    const parts = spec.path.split('.');
    let level = root;
    parts.forEach((part, index) => {
      const last = index === parts.length - 1;
      let node = level.get(part);
      if (!node) {
        node = last ? { type: DUCKDB_TYPES[spec.type] } : { children: new Map() };
        level.set(part, node);
      }
      if (last ? node.children !== undefined : node.type !== undefined) {
        throw new Error(`fields.ts: "${spec.path}" is both a leaf and a parent of other fields`);
      }
      if (!last) level = node.children!;
    });
  }
  return new Map([...root.entries()].map(([name, node]) => [name, renderType(node)]));
}

function normalizeValue(value: unknown, typeName: string): Row[string] {
  if (value === null || value === undefined) return null;
  if (/^(BIGINT|HUGEINT|INTEGER|SMALLINT|TINYINT|UBIGINT|UINTEGER|DECIMAL)/.test(typeName)) {
    return Number(value);
  }
  return value as Row[string];
}

function toRows(result: DuckDBResultReader): Row[] {
  const names = result.columnNames();
  const types = result.columnTypes().map((t) => t.toString());
  return result.getRowsJson().map((values) => {
    const row: Row = {};
    names.forEach((name, i) => {
      row[name] = normalizeValue(values[i], types[i]!);
    });
    return row;
  });
}

/** An open DuckDB database with the base tables and views loaded from one output folder. */
export interface AnalyticsSession {
  /** The output folder read. */
  readonly out: string;
  /** Rows loaded per base table (before deduplication). */
  readonly loaded: Record<(typeof TABLE_DATASETS)[number], number>;
  /** Run any SQL with optional positional parameters. */
  query(sql: string, params?: readonly (string | number | boolean)[]): Promise<Row[]>;
  /** Run a catalogue query by name with dashboard filters (unset = no filter). */
  run(name: string, filters?: Filters): Promise<Row[]>;
  /** The catalogue in use. */
  readonly catalog: readonly QueryDefinition[];
  close(): void;
}

/**
 * Open an in-memory DuckDB over `out`, create the base tables and the views of the catalogue.
 * A dataset folder with no files yields an empty table.
 */
export async function openAnalytics(options: {
  out: string;
  /** DuckDB worker threads (default: DuckDB's, one per core); 1 suits small data on a busy machine. */
  threads?: number;
}): Promise<AnalyticsSession> {
  const out = resolve(options.out);
  if (!existsSync(out)) {
    throw new ConfigError(`The output folder ${out} does not exist`, {
      action: 'Pass --out with the folder the connector wrote to (default ./out), or run a collection first',
    });
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const exec = async (sql: string, params?: readonly (string | number | boolean)[]): Promise<Row[]> =>
    toRows(params ? await connection.runAndReadAll(sql, [...params]) : await connection.runAndReadAll(sql));
  try {
    await exec("SET TimeZone = 'UTC'");
    if (options.threads !== undefined)
      await exec(`SET threads = ${Math.max(1, Math.floor(options.threads))}`);
    await exec(
      "CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(CAST(s AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)",
    );
    // Trino's element_at(array, i): NULL past the end (DuckDB's own element_at is for maps only).
    await exec('CREATE OR REPLACE MACRO element_at(l, i) AS list_extract(l, i)');
    const loaded = { incident: 0, event: 0, quarantine: 0, telemetry: 0 };
    for (const dataset of TABLE_DATASETS) {
      loaded[dataset] = await createTable(exec, out, dataset);
    }
    const catalog = loadCatalog();
    for (const view of catalog.filter((d) => d.kind === 'view')) await exec(view.sql);
    return {
      out,
      loaded,
      catalog,
      query: exec,
      run: async (name, filters) => {
        const definition = catalog.find((d) => d.name === name);
        if (!definition) {
          throw new ConfigError(`Unknown analytics query "${name}"`, {
            action: `Use one of: ${catalog.map((d) => d.name).join(', ')}`,
          });
        }
        return exec(definition.sql, parameterValues(definition, filters));
      },
      close: () => {
        connection.closeSync();
        instance.closeSync();
      },
    };
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
}

async function createTable(
  exec: (sql: string) => Promise<Row[]>,
  out: string,
  dataset: (typeof TABLE_DATASETS)[number],
): Promise<number> {
  const columns = duckdbColumns(FIELDS_BY_DATASET[dataset]);
  const definitions = [...columns.entries()].map(([name, type]) => `${quoteIdent(name)} ${type}`);
  for (const p of PARTITION_COLUMNS) definitions.push(`${quoteIdent(p)} VARCHAR`);
  await exec(`CREATE OR REPLACE TABLE ${dataset} (${definitions.join(', ')})`);
  const pattern = `${out.split('\\').join('/')}/${dataset}/**/*.json.gz`;
  const files = await exec(`SELECT count(*) AS n FROM glob(${quoteString(pattern)})`);
  if (Number(files[0]?.n ?? 0) === 0) return 0;
  const columnMap = [...columns.entries()].map(
    ([name, type]) => `${quoteString(name)}: ${quoteString(type)}`,
  );
  await exec(
    `INSERT INTO ${dataset} BY NAME SELECT * FROM read_json(${quoteString(pattern)}, ` +
      `format = 'newline_delimited', compression = 'gzip', hive_partitioning = true, ` +
      `hive_types = {'year': VARCHAR, 'month': VARCHAR, 'day': VARCHAR}, ` +
      `columns = {${columnMap.join(', ')}})`,
  );
  const count = await exec(`SELECT count(*) AS n FROM ${dataset}`);
  return Number(count[0]?.n ?? 0);
}
