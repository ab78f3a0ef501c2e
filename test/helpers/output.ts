import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface ReadDoc {
  file: string;
  doc: Record<string, unknown>;
}

/** Every document under an output folder (gzip NDJSON in the S3 layout), with the file it came from. */
export function readOutput(dir: string, dataset?: string): ReadDoc[] {
  const docs: ReadDoc[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json.gz')) {
        const text = gunzipSync(readFileSync(p)).toString('utf8');
        for (const line of text.split('\n'))
          if (line) docs.push({ file: relative(dir, p), doc: JSON.parse(line) });
      }
    }
  };
  walk(dataset ? join(dir, dataset) : dir);
  return docs;
}

/** Value at a dotted path of a nested document. */
export function at(doc: Record<string, unknown>, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
