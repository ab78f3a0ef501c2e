import type { FieldSpec, FieldType } from '../../shared/normalize/fields.ts';

/** A Glue column: name and Hive type string. */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
}

/** Hive/Athena type of a catalogue type. Timestamps stay ISO 8601 strings: use from_iso8601_timestamp(). */
export function glueType(type: FieldType): string {
  switch (type) {
    case 'string':
    case 'timestamp':
      return 'string';
    case 'long':
      return 'bigint';
    case 'double':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'string[]':
      return 'array<string>';
    case 'long[]':
      return 'array<bigint>';
  }
}

interface Node {
  leaf?: FieldType;
  children: Map<string, Node>;
}

const SAFE_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Top-level JSON keys that are not valid column names, mapped to the column name used instead
 * (OpenX SerDe `mapping.<column>` = `<json key>`).
 */
export const COLUMN_RENAMES: Readonly<Record<string, string>> = { '@timestamp': 'timestamp' };

function render(node: Node, where: string): string {
  if (node.leaf) return glueType(node.leaf);
  const parts = [...node.children].map(([name, child]) => `${name}:${render(child, `${where}.${name}`)}`);
  return `struct<${parts.join(',')}>`;
}

/**
 * Glue columns for a dataset's field catalogue: dotted paths become nested struct columns, in first
 * appearance order. Throws when a path is both a leaf and a parent or a key is not a valid Hive name.
 */
export function glueColumns(fields: readonly FieldSpec[]): GlueColumn[] {
  const root: Node = { children: new Map() };
  for (const field of fields) {
    const segments = field.path.split('.');
    let node = root;
    segments.forEach((raw, i) => {
      const name = i === 0 ? (COLUMN_RENAMES[raw] ?? raw) : raw;
      if (!SAFE_NAME.test(name)) {
        throw new Error(
          `Field "${field.path}": "${raw}" is not a valid Glue column/struct name; add a rename to COLUMN_RENAMES in infra/lib/glue-schema.ts`,
        );
      }
      let child = node.children.get(name);
      if (!child) {
        child = { children: new Map() };
        node.children.set(name, child);
      }
      if (node.leaf) throw new Error(`Field "${field.path}": a parent path is also a leaf field`);
      node = child;
    });
    if (node.children.size > 0) throw new Error(`Field "${field.path}" is a leaf but also has sub-fields`);
    node.leaf = field.type;
  }
  return [...root.children].map(([name, node]) => ({ name, type: render(node, name) }));
}

/** OpenX JSON SerDe parameters for the renamed top-level keys. */
export function serdeMappings(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(COLUMN_RENAMES).map(([key, column]) => [`mapping.${column}`, key]),
  );
}
