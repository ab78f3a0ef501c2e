import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorStack } from '../../infra/lib/connector-stack.ts';

// The one test file that bundles the real entry with the local esbuild (the slow part of synth).
let outdir: string;
let bundle: string;

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
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Collector bundle (local esbuild, no Docker)', () => {
  it('is a CommonJS module exporting handler', () => {
    expect(bundle).toMatch(/module\.exports\s*=/);
    expect(bundle).toMatch(/\bhandler:\s*\(\)\s*=>/);
  });

  it('leaves the AWS SDK to the Lambda runtime', () => {
    expect(bundle).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
    expect(bundle).not.toContain('class DynamoDBClient');
  });
});
