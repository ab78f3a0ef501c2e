import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderOcsfTables } from '../../../shared/ocsf/docs.ts';

describe('docs/ocsf.md', () => {
  it('holds exactly the mapping tables the code emits (regenerate with renderOcsfTables())', () => {
    const doc = readFileSync(new URL('../../../docs/ocsf.md', import.meta.url), 'utf8');
    const tables = doc.split('<!-- ocsf-tables:start -->')[1]?.split('<!-- ocsf-tables:end -->')[0]?.trim();
    expect(
      tables,
      'regenerate: npx tsx -e "import(\'./shared/ocsf/docs.ts\').then(m => console.log(m.renderOcsfTables()))"',
    ).toBe(renderOcsfTables());
  });

  it('names every ICD/OCSF enum whose numbers differ, including the traps of the issue', () => {
    const tables = renderOcsfTables();
    expect(tables).toContain('| 1 Blocked | 2 Blocked | **differs** |');
    expect(tables).toContain('| 2 Allowed | 1 Allowed | **differs** |');
    expect(tables).toContain('| 300 Solaris | 400 Solaris | **differs** |');
    expect(tables).toContain('| 400 Macintosh | 300 macOS | **differs** |');
  });
});
