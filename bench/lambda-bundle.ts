import type { BuildOptions } from 'esbuild';

/**
 * The collector Lambda's esbuild options as the stack builds them (minified CommonJS, `@aws-sdk/*`
 * external because the runtime provides it, and `./tracer.js`; CommonJS because the SDK's CJS build loads ~3x faster than
 * its many ESM files). Shared by bench/bundle.bench.ts and test/unit/ocsf/lambda-bundle.test.ts.
 */
export const LAMBDA_BUNDLE_OPTIONS = {
  entryPoints: ['functions/collector.ts'],
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // As the stack: the Powertools tracer is its own file beside the handler (collector-function.ts,
  // TRACER_FILE), loaded only with XRayTracing on.
  external: ['@aws-sdk/*', './tracer.js'],
  metafile: true,
  logLevel: 'error',
} as const satisfies BuildOptions;
