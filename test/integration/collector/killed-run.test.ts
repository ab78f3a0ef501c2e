import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runLocalCollection } from '../../../shared/collector/local.ts';
import { parseSettings } from '../../../shared/config/load.ts';
import { silentLogger } from '../../../shared/ports/logger.ts';
import { type RunningSimulator, startSimulator } from '../../../shared/simulator/index.ts';

const LEASE_SECONDS = 3;
let sim: RunningSimulator | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function leaseIn(checkpointFile: string): { owner: string; expiresAt: number } | undefined {
  try {
    return JSON.parse(readFileSync(checkpointFile, 'utf8')).tenants?.default?.lease;
  } catch {
    return undefined;
  }
}

describe('Defect 6: a killed run does not block the tenant until its deadline', () => {
  it('defect 6: after a real child process is SIGKILLed mid-run, the next run collects within the lease period', async () => {
    sim = await startSimulator({ seed: 3, incidents: 30 });
    // Slow pages keep the child busy long enough to be killed mid-run.
    sim.faults.enqueue(Array.from({ length: 40 }, () => ({ kind: 'slow' as const, delayMs: 300 })));
    const dir = mkdtempSync(join(tmpdir(), 'killed-run-'));
    dirs.push(dir);
    const checkpoint = join(dir, 'cp.json');
    const child = spawn(
      process.execPath,
      [
        'bin/ses-connector.js',
        'run',
        '--api-url',
        sim.url,
        '--out',
        join(dir, 'out'),
        '--checkpoint',
        checkpoint,
        '--page-size',
        '5',
        '--lease-seconds',
        String(LEASE_SECONDS),
        '--no-monitors',
        '--json',
      ],
      { env: { ...process.env, SES_CLIENT_ID: sim.clientId, SES_CLIENT_SECRET: sim.clientSecret } },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_c, sig) => resolve(sig)),
    );
    // Wait (bounded) until the child holds the lease, then kill it without any chance to clean up.
    let lease = leaseIn(checkpoint);
    for (let i = 0; i < 300 && !lease; i++) {
      await new Promise((r) => setTimeout(r, 50));
      lease = leaseIn(checkpoint);
    }
    expect(lease?.owner).toMatch(/^cli-/);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const killedAt = Date.now();
    // The dead run's lease is still there (nobody released it)...
    expect(leaseIn(checkpoint)?.owner).toBe(lease?.owner);
    sim.faults.clear();

    const settings = parseSettings({ apiUrl: sim.url, pageSize: 50, leaseSeconds: LEASE_SECONDS });
    const credentials = {
      description: 'test',
      get: async () => ({ clientId: sim!.clientId, clientSecret: sim!.clientSecret }),
    };
    const statuses: string[] = [];
    let startedAt = 0;
    // ...and runs started in the next lease period: the first may be skipped, one must collect.
    while (Date.now() - killedAt < (LEASE_SECONDS + 1) * 1000) {
      startedAt = Date.now();
      const { summary } = await runLocalCollection({
        settings,
        credentials,
        outDir: join(dir, 'out'),
        checkpointFile: checkpoint,
        logger: silentLogger,
        monitors: false,
      });
      statuses.push(summary.status);
      if (summary.status !== 'skipped') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(statuses.at(-1)).toBe('complete');
    expect(startedAt - killedAt).toBeLessThan((LEASE_SECONDS + 1) * 1000);
  }, 20_000);
});
