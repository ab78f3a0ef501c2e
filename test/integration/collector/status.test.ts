import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '../../../shared/checkpoint/dynamodb.ts';
import { FileCheckpointStore } from '../../../shared/checkpoint/file.ts';
import { startDynalite } from '../../helpers/dynalite.ts';

const dir = mkdtempSync(join(tmpdir(), 'ses-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/ses-connector.js', ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('ses-connector status', () => {
  it('reports the local checkpoint, its lag and a held lease', async () => {
    const path = join(dir, 'cp.json');
    const store = new FileCheckpointStore({ path });
    await store.save('default', { watermark: '2026-11-20T00:00:00.000Z' }, 0);
    await store.acquireLease('default', 'run-7', Date.now() + 60_000, Date.now());
    const { code, stdout } = await cli(['status', '--checkpoint', path, '--json']);
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status.checkpoint).toMatchObject({ version: 1, watermark: '2026-11-20T00:00:00.000Z' });
    expect(status.lease.owner).toBe('run-7');
    expect(status.lagSeconds).toBeGreaterThan(0);
  });

  it('says nothing was collected yet when there is no checkpoint', async () => {
    const { code, stdout } = await cli(['status', '--checkpoint', join(dir, 'none.json')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/no checkpoint for tenant default .*nothing collected yet/);
  });

  it("reads a deployed stack's checkpoint from DynamoDB with --dynamodb-table", async () => {
    const ddb = await startDynalite();
    try {
      await ddb.createTable('ses-checkpoints');
      const store = new DynamoDbCheckpointStore({ tableName: 'ses-checkpoints', client: ddb.client });
      await store.save('default', { watermark: '2026-11-21T00:00:00.000Z' }, 0);
      await store.save('default', { watermark: '2026-11-22T00:00:00.000Z' }, 1);
      const { code, stdout } = await cli(['status', '--dynamodb-table', 'ses-checkpoints', '--json'], {
        AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      });
      expect(code).toBe(0);
      expect(JSON.parse(stdout).checkpoint).toMatchObject({
        version: 2,
        watermark: '2026-11-22T00:00:00.000Z',
      });
    } finally {
      await ddb.close();
    }
  });
});
