// Regenerates the committed OpenSearch JSON files from the field catalogue:
//   npx tsx infra/opensearch/generate.ts
import { writeFileSync } from 'node:fs';
import { indexTemplate, ingestPipeline } from '../lib/opensearch.ts';

const dir = new URL('./', import.meta.url);
writeFileSync(new URL('index-template.json', dir), `${JSON.stringify(indexTemplate(), null, 2)}\n`);
writeFileSync(new URL('ingest-pipeline.json', dir), `${JSON.stringify(ingestPipeline(), null, 2)}\n`);
