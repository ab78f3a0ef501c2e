/**
 * Copies the OCSF 1.1.0 JSON Schemas from the team's reference (`../shared/reference/ocsf/schema`,
 * generated from the OCSF schema at one commit, see its README) into this folder, without the
 * `title`/`description` annotations (they do not take part in validation and are two thirds of the
 * bytes the Lambda bundle would carry). Run: `npx tsx shared/ocsf/schema/vendor.ts [reference-dir]`.
 * test/unit/ocsf/schema.test.ts checks that the copies equal the reference minus those annotations.
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

export function defaultReferenceDir(): string {
  return fileURLToPath(new URL('../../../../shared/reference/ocsf/schema', import.meta.url));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const from = process.argv[2] ?? defaultReferenceDir();
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const uid of VENDORED_CLASSES) {
    const schema = JSON.parse(readFileSync(join(from, `${uid}.json`), 'utf8'));
    writeFileSync(join(here, `${uid}.json`), `${JSON.stringify(stripAnnotations(schema))}\n`);
  }
  process.stdout.write(`vendored ${VENDORED_CLASSES.length} OCSF schemas from ${from}\n`);
}
