import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE_OPTIONS } from '../../../bench/lambda-bundle.ts';
import { REPO } from './helpers.ts';

// What the collector Lambda carries of the OCSF output (its size target is in bench/bundle.bench.ts).
describe('OCSF in the collector Lambda bundle', () => {
  it('carries the finding schema and the shared object definitions, not ajv or the telemetry classes', async () => {
    const result = await build({
      ...LAMBDA_BUNDLE_OPTIONS,
      absWorkingDir: REPO,
      write: false,
      outfile: 'out.cjs',
    });
    const inputs = Object.entries(Object.values(result.metafile.outputs)[0]?.inputs ?? {})
      .filter(([, i]) => i.bytesInOutput > 0)
      .map(([path]) => path);
    expect(inputs.filter((p) => /node_modules\/(ajv|fast-uri)\//.test(p))).toEqual([]);
    expect(inputs).toContain('shared/ocsf/schema/2004.json');
    expect(inputs).toContain('shared/ocsf/schema/defs.json');
    for (const uid of [0, 1001, 1005, 1007, 3002, 4001, 201001, 201002])
      expect(inputs, `schema ${uid}`).not.toContain(`shared/ocsf/schema/${uid}.json`);
  });
});
