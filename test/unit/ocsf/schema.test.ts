import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripAnnotations, VENDORED_CLASSES } from '../../../shared/ocsf/schema/vendor.ts';
import { SCHEMA_CLASSES, schemaErrors } from '../../../shared/ocsf/validate.ts';
import { OCSF_REFERENCE, REPO, readJson } from './helpers.ts';

describe('Vendored OCSF 1.1.0 schemas', () => {
  it.each(VENDORED_CLASSES)(
    'schema %s equals the reference without its title/description annotations',
    (uid) => {
      const vendored = JSON.parse(
        readFileSync(join(REPO, 'shared', 'ocsf', 'schema', `${uid}.json`), 'utf8'),
      );
      expect(vendored).toEqual(stripAnnotations(readJson(join(OCSF_REFERENCE, 'schema', `${uid}.json`))));
    },
  );

  it('validates the reference examples of every class the connector emits, and refuses a broken one', () => {
    expect(SCHEMA_CLASSES.sort()).toEqual([...VENDORED_CLASSES].sort());
    for (const uid of VENDORED_CLASSES.filter((u) => u !== 0)) {
      const example = readJson(join(OCSF_REFERENCE, 'examples', `${uid}.min.json`));
      expect(schemaErrors(example, uid), `example ${uid}`).toEqual([]);
    }
    const example = readJson(join(OCSF_REFERENCE, 'examples', '2004.min.json'));
    expect(schemaErrors({ ...example, type_uid: 200402 }, 2004).join('; ')).toMatch(/type_uid/);
    expect(schemaErrors({ ...example, disposition_id: 42 }, 2004).join('; ')).toMatch(
      /disposition_id must be equal to one of the allowed values/,
    );
  });

  it('keeps a property literally named "description" or "title" (names are not annotations)', () => {
    const s = stripAnnotations({ title: 'x', properties: { title: { type: 'string', title: 'T' } } });
    expect(s).toEqual({ properties: { title: { type: 'string' } } });
  });
});
