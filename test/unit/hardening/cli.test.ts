import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../../shared/simulator/index.ts';
import { cli } from '../../helpers/cli.ts';

describe('Security review: CLI error messages and exit codes', () => {
  let dir: string;
  let sim: RunningSimulator | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ses-cli-hardening-'));
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
    await rm(dir, { recursive: true, force: true });
  });
  const paths = () => ['--out', join(dir, 'out'), '--checkpoint', join(dir, 'cp.json')];

  it('--max-runtime -5 says it must not be negative, and exits 2 like a usage error', async () => {
    const r = await cli(['run', '--max-runtime', '-5', ...paths()]);
    expect(r.stderr).toContain('--max-runtime must not be negative (seconds, 0 or more), got "-5"');
    expect(r.code).toBe(2);
  });

  it('--include-events maybe lists the accepted values', async () => {
    const r = await cli(['run', '--include-events', 'maybe', ...paths()]);
    expect(r.stderr).toContain(
      '--include-events: must be one of true, false, 1, 0, yes, no, on, off (got "maybe")',
    );
    expect(r.code).toBe(2);
  });

  it('a configuration error found during the run (unreadable credentials file) also exits 2', async () => {
    sim = await startSimulator({ seed: 3, incidents: 5 });
    const missing = join(dir, 'no-such-credentials.json');
    const r = await cli(['run', '--api-url', sim.url, '--credentials-file', missing, ...paths()]);
    expect(r.stdout + r.stderr).toContain(`config error: Cannot read`);
    expect(r.code).toBe(2);
  });

  it('an unknown flag also exits 2', async () => {
    const r = await cli(['run', '--no-such-flag']);
    expect(r.code).toBe(2);
  });

  it('a refused token request counts in the summary: api requests 1, not 0; exit 1', async () => {
    sim = await startSimulator({ seed: 3, incidents: 5 });
    const r = await cli(['run', '--api-url', sim.url, ...paths()], {
      SES_CLIENT_ID: 'nobody',
      SES_CLIENT_SECRET: 'wrong-secret-value-123',
    });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/api requests 1 \(retries 0\)/);
    expect(sim.requestLog.filter((e) => e.target === 'token')).toHaveLength(1);
  });
});
