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
    // Wait (bounded) until the child holds the lease, then kill it without any chance to clean up. The
    // bound is generous (a loaded machine starts node slowly); the test does not wait for it otherwise.
    let early = false;
    void exited.then(() => {
      early = true;
    });
    let lease = leaseIn(checkpoint);
    for (const until = Date.now() + 30_000; !lease && !early && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 25));
      lease = leaseIn(checkpoint);
    }
    expect(early, 'the child finished before it could be killed mid-run').toBe(false);
    expect(lease?.owner).toMatch(/^cli-/);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const killedAt = Date.now();
    // The dead run's lease is still there (nobody released it), and it is short: it ends within one
    // lease period of the kill (the last heartbeat came before it), not at the run's one-hour deadline.
    const dead = leaseIn(checkpoint);
    expect(dead?.owner).toBe(lease?.owner);
    const expiresAt = dead?.expiresAt ?? Number.POSITIVE_INFINITY;
    expect(expiresAt).toBeLessThanOrEqual(killedAt + LEASE_SECONDS * 1000);
    sim.faults.clear();

    const settings = parseSettings({ apiUrl: sim.url, pageSize: 50, leaseSeconds: LEASE_SECONDS });
    const credentials = {
      description: 'test',
      get: async () => ({ clientId: sim!.clientId, clientSecret: sim!.clientSecret }),
    };
    // Runs started from now on: those that begin before the dead lease expires may be skipped; the first
    // that begins after its expiry must collect. Timing only bounds the loop (generously, for a loaded
    // machine); what is proven is the order of the runs relative to the lease's expiry.
    const runs: { startedAt: number; status: string }[] = [];
    for (const until = expiresAt + 20_000; Date.now() < until; ) {
      const startedAt = Date.now();
      const { summary } = await runLocalCollection({
        settings,
        credentials,
        outDir: join(dir, 'out'),
        checkpointFile: checkpoint,
        logger: silentLogger,
        monitors: false,
      });
      runs.push({ startedAt, status: summary.status });
      if (summary.status !== 'skipped') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runs.at(-1)?.status).toBe('complete');
    // No run that began after the dead lease's expiry was turned away.
    expect(runs.filter((r) => r.status === 'skipped' && r.startedAt > expiresAt)).toEqual([]);
  }, 90_000);
});
