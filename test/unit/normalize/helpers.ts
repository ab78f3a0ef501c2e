import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..', '..');
export const REFERENCE = '/work/shared/reference';
export const FIXTURES = join(REPO, 'test', 'fixtures', 'normalize');

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Leaf paths of a nested document (arrays are leaves), e.g. `event.category` → ['malware']. */
export function flatten(
  doc: unknown,
  prefix = '',
  out: Map<string, unknown> = new Map(),
): Map<string, unknown> {
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else {
    out.set(prefix, doc);
  }
  return out;
}

export const FIXED_OPTIONS = {
  keepOriginal: false,
  namespace: 'default',
  ingestedAt: '2024-05-01T00:00:00.000Z',
};

/** As FIXED_OPTIONS, with every vendor copy kept (Elastic's preserve_duplicate_custom_fields). */
export const PRESERVE_OPTIONS = { ...FIXED_OPTIONS, preserveDuplicateCustomFields: true };
