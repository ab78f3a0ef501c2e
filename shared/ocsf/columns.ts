/**
 * The column tables: for each OCSF class, every attribute path the connector emits, with its OCSF type
 * and where it comes from. They are the one source of truth for the docs (docs/ocsf.md), the Parquet
 * column types the local writer gives DuckDB, the Glue table schema of the Firehose conversion, and the
 * check that a record carries nothing its table lacks (a Parquet/Glue column that does not exist would
 * silently drop the value).
 *
 * Paths: `finding_info.uid`; `[]` marks an array (`finding_info.attacks[].technique.uid`, `finding_info.types[]`).
 */

/** OCSF 1.1.0 data types used by the connector (classes.tsv `type`, objects expanded). */
export type OcsfType =
  | 'string_t'
  | 'integer_t'
  | 'long_t'
  | 'timestamp_t'
  | 'port_t'
  | 'boolean_t'
  | 'float_t'
  | 'json_t';

export interface Column {
  path: string;
  type: OcsfType;
  /** Symantec source (field or rule), for the docs. */
  from: string;
}

/** One column-table row. */
export const col = (path: string, type: OcsfType, from: string): Column => ({ path, type, from });

export type TypeNode =
  | { kind: 'scalar'; type: OcsfType }
  | { kind: 'struct'; fields: Map<string, TypeNode> }
  | { kind: 'list'; of: TypeNode };

/** The nested type of a class's records, built from its column table. Throws on conflicting paths. */
export function typeTree(columns: readonly Column[]): Map<string, TypeNode> {
  const root = new Map<string, TypeNode>();
  for (const col of columns) {
    const parts = col.path.split('.');
    let fields = root;
    for (let i = 0; i < parts.length; i++) {
      const raw = parts[i] as string;
      const isList = raw.endsWith('[]');
      const name = isList ? raw.slice(0, -2) : raw;
      const last = i === parts.length - 1;
      let node = fields.get(name);
      if (last) {
        const scalar: TypeNode = { kind: 'scalar', type: col.type };
        const want: TypeNode = isList ? { kind: 'list', of: scalar } : scalar;
        if (node) throw new Error(`column ${col.path} is declared twice or conflicts with an object`);
        fields.set(name, want);
        break;
      }
      if (!node) {
        const struct: TypeNode = { kind: 'struct', fields: new Map() };
        node = isList ? { kind: 'list', of: struct } : struct;
        fields.set(name, node);
      }
      const inner = node.kind === 'list' ? node.of : node;
      if (inner.kind !== 'struct' || (node.kind === 'list') !== isList)
        throw new Error(`column ${col.path} conflicts with another column at ${name}`);
      fields = inner.fields;
    }
  }
  return root;
}

const GLUE_SCALAR: Record<OcsfType, string> = {
  string_t: 'string',
  integer_t: 'int',
  port_t: 'int',
  long_t: 'bigint',
  timestamp_t: 'bigint',
  boolean_t: 'boolean',
  float_t: 'double',
  // Free-form JSON (unmapped, evidence data) travels as its JSON text: Parquet needs a fixed type.
  json_t: 'string',
};

const DUCKDB_SCALAR: Record<OcsfType, string> = {
  string_t: 'VARCHAR',
  integer_t: 'INTEGER',
  port_t: 'INTEGER',
  long_t: 'BIGINT',
  timestamp_t: 'BIGINT',
  boolean_t: 'BOOLEAN',
  float_t: 'DOUBLE',
  json_t: 'VARCHAR',
};

/** Hive/Glue type text of a node (`struct<uid:string,title:string>`). */
export function glueType(node: TypeNode): string {
  if (node.kind === 'scalar') return GLUE_SCALAR[node.type];
  if (node.kind === 'list') return `array<${glueType(node.of)}>`;
  return `struct<${[...node.fields].map(([k, v]) => `${k}:${glueType(v)}`).join(',')}>`;
}

/** DuckDB type text of a node (`STRUCT("uid" VARCHAR, "title" VARCHAR)`). */
export function duckdbType(node: TypeNode): string {
  if (node.kind === 'scalar') return DUCKDB_SCALAR[node.type];
  if (node.kind === 'list') return `${duckdbType(node.of)}[]`;
  return `STRUCT(${[...node.fields].map(([k, v]) => `"${k}" ${duckdbType(v)}`).join(', ')})`;
}

/** Glue columns (name, type) of a class, in table order. */
export function glueColumns(columns: readonly Column[]): Array<{ name: string; type: string }> {
  return [...typeTree(columns)].map(([name, node]) => ({ name, type: glueType(node) }));
}

/**
 * A record in its row form: json_t values as JSON text, every other value as is. Returns the paths
 * the record carries that the column table does not declare (they would be lost in Parquet).
 */
export function toRow(
  record: Record<string, unknown>,
  tree: Map<string, TypeNode>,
): { row: Record<string, unknown>; undeclared: string[] } {
  const undeclared: string[] = [];
  const row = convertStruct(record, tree, '', undeclared);
  return { row, undeclared };
}

function convertStruct(
  value: Record<string, unknown>,
  fields: Map<string, TypeNode>,
  prefix: string,
  undeclared: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const node = fields.get(key);
    if (!node) {
      undeclared.push(path);
      continue;
    }
    out[key] = convert(v, node, path, undeclared);
  }
  return out;
}

function convert(value: unknown, node: TypeNode, path: string, undeclared: string[]): unknown {
  if (value === undefined || value === null) return null;
  if (node.kind === 'scalar') return node.type === 'json_t' ? JSON.stringify(value) : value;
  if (node.kind === 'list') {
    if (!Array.isArray(value)) {
      undeclared.push(`${path} (not an array)`);
      return null;
    }
    return value.map((v) => convert(v, node.of, `${path}[]`, undeclared));
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    undeclared.push(`${path} (not an object)`);
    return null;
  }
  return convertStruct(value as Record<string, unknown>, node.fields, path, undeclared);
}
