/**
 * Copies the OCSF 1.1.0 JSON Schemas from the team's reference (`../shared/reference/ocsf/schema`,
 * generated from the OCSF schema at one commit, see its README) into this folder, without the
 * `title`/`description` annotations (they do not take part in validation and are two thirds of the
 * bytes the Lambda bundle would carry), and with the object definitions (`$defs`, the same in every
 * class schema) written once to `defs.json` instead of once per class: `<uid>.json` is the class schema
 * without its `$defs`. Run: `npx tsx shared/ocsf/schema/vendor.ts [reference-dir]`.
 * test/unit/ocsf/schema.test.ts checks that each `{...<uid>.json, $defs: defs.json}` equals the
 * reference minus those annotations.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Classes the connector emits (0 = Base Event, the fallback). */
export const VENDORED_CLASSES = [0, 1001, 1005, 1007, 2004, 2005, 3002, 4001, 201001, 201002] as const;

const ANNOTATIONS = new Set(['title', 'description']);

/** The schema without annotation keywords. Property names that happen to be "title" or "description" are kept. */
export function stripAnnotations(value: unknown, inProperties = false): unknown {
  if (Array.isArray(value)) return value.map((v) => stripAnnotations(v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!inProperties && ANNOTATIONS.has(key) && typeof v === 'string') continue;
    // Under `properties` and `$defs` the keys are names, not keywords.
    out[key] = stripAnnotations(v, !inProperties && (key === 'properties' || key === '$defs'));
  }
  return out;
}

/**
 * Splits annotated-free class schemas into their shared `$defs` and the class parts. Throws when two
 * classes define an object differently (one defs file would then be wrong for one of them).
 */
export function splitDefs(schemas: ReadonlyMap<number, Record<string, unknown>>): {
  defs: Record<string, unknown>;
  classes: Map<number, Record<string, unknown>>;
} {
  const defs: Record<string, unknown> = {};
  const classes = new Map<number, Record<string, unknown>>();
  for (const [uid, schema] of schemas) {
    const { $defs, ...rest } = schema as { $defs?: Record<string, unknown> };
    for (const [name, def] of Object.entries($defs ?? {})) {
      if (name in defs && JSON.stringify(defs[name]) !== JSON.stringify(def))
        throw new Error(`OCSF object ${name} differs between class schemas (class ${uid})`);
      defs[name] = def;
    }
    classes.set(uid, rest);
  }
  const sorted = Object.fromEntries(
    Object.keys(defs)
      .sort()
      .map((k) => [k, defs[k]]),
  );
  return { defs: sorted, classes };
}

export function defaultReferenceDir(): string {
  return fileURLToPath(new URL('../../../../shared/reference/ocsf/schema', import.meta.url));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const from = process.argv[2] ?? defaultReferenceDir();
  const here = fileURLToPath(new URL('.', import.meta.url));
  const schemas = new Map<number, Record<string, unknown>>();
  for (const uid of VENDORED_CLASSES)
    schemas.set(
      uid,
      stripAnnotations(JSON.parse(readFileSync(join(from, `${uid}.json`), 'utf8'))) as Record<
        string,
        unknown
      >,
    );
  const { defs, classes } = splitDefs(schemas);
  writeFileSync(join(here, 'defs.json'), `${JSON.stringify(defs)}\n`);
  for (const [uid, schema] of classes)
    writeFileSync(join(here, `${uid}.json`), `${JSON.stringify(schema)}\n`);
  process.stdout.write(`vendored ${VENDORED_CLASSES.length} OCSF schemas from ${from}\n`);
}
