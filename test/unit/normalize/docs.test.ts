import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMappingDoc } from '../../../shared/normalize/docs.ts';
import { EVENT_FIELDS, INCIDENT_FIELDS, QUARANTINE_FIELDS } from '../../../shared/normalize/fields.ts';
import { REPO } from './helpers.ts';

describe('Module: normalize (docs/mapping.md)', () => {
  it('is the rendering of the field catalogue (regenerate with npx tsx shared/normalize/docs.ts > docs/mapping.md)', () => {
    const committed = readFileSync(join(REPO, 'docs', 'mapping.md'), 'utf8');
    expect(committed).toBe(renderMappingDoc());
  });

  it('lists every catalogued field of every dataset', () => {
    const doc = renderMappingDoc();
    for (const f of [...INCIDENT_FIELDS, ...EVENT_FIELDS, ...QUARANTINE_FIELDS]) {
      expect(doc).toContain(`| \`${f.path}\` | ${f.type} |`);
    }
  });
});
