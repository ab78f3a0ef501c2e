import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSettingsTable } from '../../../shared/config/docs.ts';

describe('docs/configuration.md', () => {
  it('lists exactly the settings of the schema, with their current defaults', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const table = doc
      .split('<!-- settings-table:start -->')[1]
      ?.split('<!-- settings-table:end -->')[0]
      ?.trim();
    expect(table, 'regenerate the table with renderSettingsTable()').toBe(renderSettingsTable());
  });
});
