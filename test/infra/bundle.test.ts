import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE_OPTIONS } from '../../bench/lambda-bundle.ts';
import { ConnectorStack } from '../../infra/lib/connector-stack.ts';
import { lambdaBundling } from '../../infra/lib/constructs/collector-function.ts';

// The one test file that bundles the real entry with the local esbuild (the slow part of synth).
let outdir: string;
let bundle: string;
/** Bundle file of each function, by logical id prefix. */
const bundles: Record<string, string> = {};

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'ses-cdk-'));
  const app = new App({ outdir });
  const stack = new ConnectorStack(app, 'SesConnector');
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  // The incident collector's function (the telemetry functions are bundled the same way).
  const fn = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('CollectorFunction'),
  )![1];
  const hash = fn.Properties.Code!.S3Key!.replace(/\.zip$/, '');
  bundle = readFileSync(join(outdir, `asset.${hash}`, 'index.js'), 'utf8');
  for (const [id, r] of Object.entries(template.Resources)) {
    // CDK's notifications handler (existing export bucket) is inline Python: no bundle of ours.
    if (r.Type !== 'AWS::Lambda::Function' || r.Properties.Code?.S3Key === undefined) continue;
    const key = r.Properties.Code.S3Key.replace(/\.zip$/, '');
    bundles[id.replace(/[0-9A-F]{8}$/, '')] = join(outdir, `asset.${key}`, 'index.js');
  }
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Collector bundle (local esbuild, no Docker)', () => {
  it('is a CommonJS module exporting handler', () => {
    expect(bundle).toMatch(/module\.exports\s*=/);
    expect(bundle).toMatch(/\bhandler:\s*\(\)\s*=>/);
  });

  it('is what the bundle bench and bundle-contents test build: the same modules left out', () => {
    // bench/bundle.bench.ts once bundled tracer.js into the handler and reported 469 KB for 347.
    expect([...LAMBDA_BUNDLE_OPTIONS.external].sort()).toEqual(
      [...(lambdaBundling().externalModules ?? [])].sort(),
    );
  });

  it('leaves the AWS SDK to the Lambda runtime', () => {
    expect(bundle).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
    expect(bundle).not.toContain('class DynamoDBClient');
  });
});

describe('Tracing inside the bundles (XRayTracing=true sets POWERTOOLS_TRACE_ENABLED)', () => {
  /** Invoke a bundle's handler in a fresh Node process (no function environment: a config error). */
  const invoke = (file: string, traceEnabled: string) => {
    const script = `
      const { handler } = require(${JSON.stringify(file)});
      handler({}, { awsRequestId: 'r1', functionName: 'f', getRemainingTimeInMillis: () => 1000 })
        .then(() => console.log('RESULT ok'), (e) => console.log('RESULT ' + e.name + ': ' + e.message));`;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? '',
        NODE_PATH: join(process.cwd(), 'node_modules'),
        POWERTOOLS_TRACE_ENABLED: traceEnabled,
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return `${r.stdout}\n${r.stderr}`;
  };

  it('never reads tracer.js unless tracing is on (the asset without it still runs with tracing off)', () => {
    // Prepare: the stream collector's asset without tracer.js
    const dir = mkdtempSync(join(tmpdir(), 'ses-no-tracer-'));
    try {
      const file = bundles.TelemetryStreamCollectorFunction!;
      cpSync(dirname(file), dir, { recursive: true });
      rmSync(join(dir, 'tracer.js'));

      // Act
      const off = invoke(join(dir, 'index.js'), 'false');
      const on = invoke(join(dir, 'index.js'), 'true');

      // Assess: off reaches the handler's environment check; on needs the file.
      expect(off).toMatch(/RESULT \w*Error: .*CHECKPOINT_TABLE/);
      expect(on).toMatch(/RESULT .*Cannot find module .*tracer\.js/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ships the tracer (and the X-Ray SDK) as tracer.js beside each handler bundle, not inside it', () => {
    for (const [id, file] of Object.entries(bundles)) {
      const handlerCode = readFileSync(file, 'utf8');
      const tracerCode = readFileSync(join(dirname(file), 'tracer.js'), 'utf8');
      expect(handlerCode, id).not.toContain('AWS_XRAY_DAEMON_ADDRESS');
      expect(handlerCode, id).toContain('import("./tracer.js")');
      expect(tracerCode, id).toContain('AWS_XRAY_DAEMON_ADDRESS');
    }
  });

  it('loads tracer.js when tracing is on and then runs the handler; off, it runs without it', () => {
    expect(Object.keys(bundles).sort()).toEqual([
      'CollectorFunction',
      'TelemetryEventFilesFunction',
      'TelemetryStreamCollectorFunction',
    ]);
    for (const [id, file] of Object.entries(bundles)) {
      for (const on of ['true', 'false']) {
        const out = invoke(file, on);
        // The handler ran past the middleware (tracer loaded or left out) to the environment check.
        expect(out, `${id} tracing ${on}`).toMatch(
          /RESULT \w*Error: .*(environment|SECRET_ARN|CHECKPOINT_TABLE)/i,
        );
        expect(out, `${id} tracing ${on}`).not.toMatch(/Cannot find module|Middleware must be an object/);
      }
    }
  });
});
