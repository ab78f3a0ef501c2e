import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STACK_DEFAULTS } from '../../infra/lib/constructs/parameters.ts';
import { indexTemplate, ingestPipeline, OPENSEARCH_PIPELINE } from '../../infra/lib/opensearch.ts';
import { FIELDS_BY_DATASET } from '../../shared/normalize/fields.ts';

const read = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../infra/opensearch/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: JSON documents are walked freely in assertions.
    any
  >;

describe('OpenSearch: index template and ingest pipeline', () => {
  it('ships JSON files identical to what the field catalogue generates (npx tsx infra/opensearch/generate.ts)', () => {
    expect(read('index-template.json')).toEqual(indexTemplate());
    expect(read('ingest-pipeline.json')).toEqual(ingestPipeline());
  });

  it('maps every catalogue field with a type matching the catalogue', () => {
    const template = read('index-template.json');
    const expected: Record<string, string[]> = {
      timestamp: ['date'],
      long: ['long'],
      'long[]': ['long'],
      double: ['double'],
      boolean: ['boolean'],
      string: ['keyword', 'text'],
      'string[]': ['keyword'],
    };
    for (const fields of Object.values(FIELDS_BY_DATASET)) {
      for (const field of fields) {
        const segments = field.path.split('.');
        let node = template.template.mappings;
        for (const s of segments) node = node?.properties?.[s];
        expect(expected[field.type], field.path).toContain(node?.type);
      }
    }
  });

  it('routes every document through the pipeline that sets _id from symantec_edr_cloud.doc_id', () => {
    const template = read('index-template.json');
    expect(template.template.settings['index.default_pipeline']).toBe(OPENSEARCH_PIPELINE);
    expect(
      template.index_patterns.some((p: string) =>
        new RegExp(`^${p.replace('*', '.*')}$`).test(STACK_DEFAULTS.openSearchIndex),
      ),
    ).toBe(true);
    const pipeline = read('ingest-pipeline.json');
    expect(pipeline.processors).toEqual([
      {
        set: {
          field: '_id',
          value: '{{{symantec_edr_cloud.doc_id}}}',
          if: 'ctx.symantec_edr_cloud?.doc_id != null',
        },
      },
    ]);
  });
});
